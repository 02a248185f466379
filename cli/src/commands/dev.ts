import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { retentionSchedule } from '@weft/core';
import { migrate, pgliteDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { startTemporal } from '@weft/services';
import { connectTemporal, startWeftWorker, temporalSettings, WeftClient } from '@weft/workers';
import { loadProject } from '../project.js';
import { statusCounts, formatStatus, type StatusReport } from '../status.js';

/** Options of `weft dev`. */
export interface DevOptions {
  /** The project folder (holding weft.config.ts); state lives in `<dir>/.weft/`. */
  readonly dir: string;
  /** Exit once every partition has settled instead of serving until interrupted. */
  readonly once: boolean;
  /** Temporal gRPC port. @default a free port */
  readonly port?: number | undefined;
  /** Where the state lives. @default `<dir>/.weft` */
  readonly stateDir?: string | undefined;
  readonly log?: (line: string) => void;
}

/**
 * `weft dev`: the whole loop on the embedded default, in one process: the Temporal dev server
 * (state in `.weft/temporal.db`), PGlite in `.weft/pglite` (one process per data folder: this one),
 * objects in `.weft/objects`, a worker running the planner and the materializations, and a local
 * endpoint (`.weft/dev.json`) that `weft status` asks.
 */
export async function runDev(options: DevOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const project = await loadProject(options.dir);
  const stateDir = options.stateDir ?? join(project.root, '.weft');
  mkdirSync(stateDir, { recursive: true });
  log(`weft dev: ${project.definitions.length} definitions from ${project.configPath}; state in ${stateDir}`);

  // A configured cluster (weft.config.ts `temporal`, or TEMPORAL_ADDRESS…) is used as it is;
  // otherwise weft dev runs its own dev server.
  const settings = temporalSettings(project.config.temporal);
  const temporal = settings.address
    ? { address: settings.address, namespace: settings.namespace ?? 'default', stop: async () => {} }
    : await startTemporal({ dbFilename: join(stateDir, 'temporal.db'), ui: !options.once, port: options.port, logLevel: 'error' });
  log(settings.address ? `  Temporal cluster ${settings.address} (namespace ${temporal.namespace})` : `  Temporal dev server ${temporal.address}${'uiUrl' in temporal && temporal.uiUrl ? `, web UI ${temporal.uiUrl}` : ''}`);
  const pglite = await PGlite.create(join(stateDir, 'pglite'));
  const db = pgliteDatabase(pglite);
  const applied = await migrate(db);
  log(`  PGlite ${join(stateDir, 'pglite')}${applied.length ? ` (migrations applied: ${applied.join(', ')})` : ''}`);
  const store = new ProvenanceStore(db, project.location);
  const storage = project.config.storage ?? fsStorage({ root: join(stateDir, 'objects') });

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const { native: nativeConnection, connection, client } = await connectTemporal({ ...settings, address: temporal.address, namespace: temporal.namespace });
  const taskQueue = `weft-${project.location}`;
  let server: Server | undefined;
  let worker: Awaited<ReturnType<typeof startWeftWorker>> | undefined;
  try {
    worker = await startWeftWorker({
      definitions: project.definitions,
      location: project.location,
      store,
      storage,
      ...(project.config.compute ? { compute: project.config.compute } : {}),
      ...(project.config.concurrency ? { limits: project.config.concurrency } : {}),
      ...(project.config.batchSize ? { batchSize: project.config.batchSize } : {}),
      ...(project.config.retention ? { retention: retentionSchedule(project.config.retention) } : {}),
      connection: nativeConnection,
      client,
      taskQueue,
      projectRoot: project.root,
    });
    log(`  worker on task queue ${taskQueue} (deployment ${worker.deploymentId})`);
    const retention = project.config.retention;
    if (retention) {
      const ages = (['events', 'detail', 'checks'] as const).flatMap((k) => (retention[k] === undefined ? [] : [`${k} older than ${retention[k]}`]));
      log(`  retention every ${retention.every ?? '1h'}: ${ages.join(', ')}`);
    }
    const weft = new WeftClient({ store, client, location: project.location, taskQueue });
    // Observe every source now rather than at its first interval.
    for (const def of project.definitions) {
      if (def.kind === 'source' && def.observe) await client.workflow.start('observeSource', { taskQueue, workflowId: `weft/observe-now/${project.location}/${def.key}/${Date.now()}`, args: [{ location: project.location, sourceKey: def.key }] });
    }
    server = await serveStatus(store, project.definitions.map((d) => d.key), join(stateDir, 'dev.json'));
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      let last = '';
      let quietSince = 0;
      for (;;) {
        const report = await statusCounts(store, project.definitions.map((d) => d.key));
        const text = formatStatus(report);
        if (text !== last) {
          log(text);
          last = text;
        }
        const busy = report.assets.some((a) => a.counts.running + a.counts.stale + a.counts.missing > 0 && a.kind === 'asset');
        quietSince = busy ? 0 : quietSince || Date.now();
        if (options.once && quietSince && Date.now() - quietSince > 1500) {
          const view = await weft.view().catch(() => undefined);
          log(`weft dev: settled after ${view?.ticks ?? '?'} planning passes`);
          break;
        }
        if (stop.signal.aborted) break;
        // (The timer's own listener on the stop signal goes with it: nothing piles up over a long session.)
        await sleep(500, undefined, { signal: stop.signal }).catch(() => {});
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  } finally {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(join(stateDir, 'dev.json'), { force: true });
    await worker?.shutdown();
    await client.workflow.getHandle(`weft/reconcile/${project.location}`).terminate('weft dev stopped').catch(() => {});
    await connection.close();
    await nativeConnection.close();
    await db.close();
    await temporal.stop();
    log('weft dev: stopped');
  }
}

/** The local endpoint `weft status` asks: GET /status → the status report as JSON. */
async function serveStatus(store: ProvenanceStore, keys: string[], infoFile: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status') {
      statusCounts(store, keys).then(
        (report: StatusReport) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(report));
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  writeFileSync(infoFile, JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }));
  return server;
}
