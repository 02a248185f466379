import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Definition } from '@weft/core';
import type { Client } from '@temporalio/client';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { builtUi } from '../ui.js';
import { describeProvides } from './plugins.js';
import { migrate, pgliteDatabase, ProvenanceStore, type SqlDatabase } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { startTemporal } from '@weft/services';
import { bundleWorkflows, closeClientConnection, connectionOptions, connectTemporal, temporalSettings, WeftClient } from '@weft/workers';
import { startDevWorker, type DevShared } from '../dev/dev-worker.js';
import { Redeployer } from '../dev/redeployer.js';
import { watchProject, type ProjectWatch } from '../dev/watch-project.js';
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
  /** Port of the GraphQL API (and the status endpoint). @default a free port */
  readonly httpPort?: number | undefined;
  /** Require API tokens (off by default in dev, and said so at start). @default false */
  readonly auth?: boolean;
  /**
   * Watch the project's files and redeploy on save (see {@link Redeployer}); `once` never watches.
   * @default true
   */
  readonly watch?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * `weft dev`: the whole loop on the embedded default, in one process: the Temporal dev server
 * (state in `.weft/temporal.db`), PGlite in `.weft/pglite` (one process per data folder: this one),
 * objects in `.weft/objects`, a worker running the planner and the materializations, and a local
 * endpoint (`.weft/dev.json`) that `weft status` asks. Unless `once` or `watch: false`, it watches
 * the project's files and redeploys on save: the planner reconciles changed code versions at once.
 */
export async function runDev(options: DevOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const watching = !options.once && (options.watch ?? true);
  // Watching loads generation 1 of the project's modules: each reload loads the next, afresh.
  const project = await loadProject(options.dir, watching ? { generation: 1 } : {});
  const stateDir = options.stateDir ?? join(project.root, '.weft');
  mkdirSync(stateDir, { recursive: true });
  log(`weft dev: ${project.definitions.length} definitions from ${project.configPath}; state in ${stateDir}`);

  // A configured cluster (weft.config.ts `temporal`, or TEMPORAL_ADDRESS…) is used as it is;
  // otherwise weft dev runs its own dev server.
  const settings = temporalSettings(project.config.temporal);
  const temporal = settings.address
    ? { address: settings.address, namespace: settings.namespace ?? 'default', stop: async () => {} }
    : await startTemporal({
        dbFilename: join(stateDir, 'temporal.db'),
        ui: !options.once,
        port: options.port,
        logLevel: 'error',
        // (A batch's activity comes back in the answer to the workflow task that scheduled it, as on
        // servers from 1.32 on: one trip through the task queue less per reaction; docs/deploying.md.)
        dynamicConfig: { 'system.enableActivityEagerExecution': true },
      });
  log(settings.address ? `  Temporal cluster ${settings.address} (namespace ${temporal.namespace})` : `  Temporal dev server ${temporal.address}${'uiUrl' in temporal && temporal.uiUrl ? `, web UI ${temporal.uiUrl}` : ''}`);
  const pglite = await PGlite.create(join(stateDir, 'pglite'));
  const db = pgliteDatabase(pglite);
  const applied = await migrate(db);
  log(`  PGlite ${join(stateDir, 'pglite')}${applied.length ? ` (migrations applied: ${applied.join(', ')})` : ''}`);
  const store = new ProvenanceStore(db, project.location);
  // Storage and compute providers of plugins are made now (their secrets are read from the environment now).
  const storage = project.config.storage ?? (await project.plugins.storage()) ?? fsStorage({ root: join(stateDir, 'objects') });
  const compute = { ...project.config.compute, ...(await project.plugins.compute()) };
  const listeners = await project.plugins.listeners();
  for (const p of project.plugins.plugins) log(`  plugin ${p.name} ${p.version}: ${describeProvides(p.provides)}`);

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const temporalAt = { ...settings, address: temporal.address, namespace: temporal.namespace };
  const { native: nativeConnection, connection, client } = await connectTemporal(temporalAt);
  const taskQueue = `weft-${project.location}`;
  let api: ApiServer | undefined;
  let redeployer: Redeployer | undefined;
  let watch: ProjectWatch | undefined;
  // Ctrl-C from the start: a signal during start-up (Temporal's runtime catches SIGINT too, so the
  // process would not end by itself) stops weft dev once start-up is through.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const shared: DevShared = { location: project.location, store, storage, compute, listeners, client, taskQueue, workflowBundle: await bundleWorkflows(), connect: () => NativeConnection.connect(connectionOptions(temporalAt)) };
    // Observe every source now rather than at its first interval (and each source a reload adds).
    const observations: Array<Promise<unknown>> = [];
    const observeNow = async (sources: readonly Definition[]): Promise<void> => {
      for (const def of sources) {
        if (def.kind === 'source' && def.observe) {
          const handle = await client.workflow.start('observeSource', { taskQueue, workflowId: `weft/observe-now/${project.location}/${def.key}/${Date.now()}`, args: [{ location: project.location, sourceKey: def.key }] });
          observations.push(handle.result().catch(() => undefined));
        }
      }
    };
    const worker = await startDevWorker(project, shared, nativeConnection);
    redeployer = new Redeployer({ project, worker, connection: nativeConnection }, 1, shared, log, (_now, added) => observeNow(added));
    const deployed = redeployer;
    log(`  worker on task queue ${taskQueue} (deployment ${worker.deploymentId})`);
    const retention = project.config.retention;
    if (retention) {
      const ages = (['events', 'detail', 'checks'] as const).flatMap((k) => (retention[k] === undefined ? [] : [`${k} older than ${retention[k]}`]));
      log(`  retention every ${retention.every ?? '1h'}: ${ages.join(', ')}`);
    }
    const weft = new WeftClient({ store, client, location: project.location, taskQueue });
    await observeNow(project.definitions);
    const keys = (): string[] => deployed.current.project.definitions.map((d) => d.key);
    const ui = builtUi();
    api = await serveApi({ uiDir: ui.dir, db, client, taskQueue, store, keys, infoFile: join(stateDir, 'dev.json'), port: options.httpPort, auth: options.auth ?? false });
    log(ui.dir ? `  UI: ${api.url}/` : `  UI: not served: ${ui.reason}`);
    log(`  GraphQL: ${api.url}/graphql (GraphiQL in a browser)`);
    if (options.auth) {
      log('  API auth on: requests need an API token');
      // The dev database is this process's own (PGlite): `weft token create` cannot reach it, so the
      // first start with auth makes an admin token and shows its secret once.
      const now = Date.now();
      const usable = (await store.explorer.apiTokens()).filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now) && t.roles['*'] === 'admin');
      if (usable.length === 0) {
        const { id, secret } = await store.createApiToken('dev-admin', { '*': 'admin' });
        await store.audit('weft dev', 'create_token', id, { name: 'dev-admin', roles: { '*': 'admin' } });
        log(`  admin token dev-admin (shown once; log in to the UI with it, or send "Authorization: Bearer <secret>"; more: the createApiToken mutation):\n    ${secret}`);
      } else log(`  admin tokens exist (${usable.map((t) => t.name).join(', ')}); their secrets were shown when they were made`);
    } else log('  API auth off: every request on 127.0.0.1 is admin (start with --auth to require tokens)');
    if (watching) {
      watch = watchProject({
        root: project.root,
        ignore: [stateDir],
        onChange: (changes) => void deployed.reload(changes),
        onError: (error) => log(`weft dev: watching ${project.root} failed: ${error.message} (edits are not picked up until weft dev restarts)`),
      });
      await watch.ready;
      log(`  watching ${project.root} for changes (a save redeploys; --no-watch turns this off)`);
    }
    let last = '';
    let quietSince = 0;
    for (;;) {
      const report = await statusCounts(store, keys());
      const text = formatStatus(report);
      if (text !== last) {
        log(text);
        last = text;
      }
      const busy = report.assets.some((a) => a.counts.running + a.counts.stale + a.counts.missing > 0 && a.kind === 'asset');
      // Settled means more than "nothing to do now": the first observations have landed and the
      // planner has taken every event of the location into account (before that, nothing looks busy).
      quietSince = busy || !(await caughtUp(store, observations)) ? 0 : quietSince || Date.now();
      if (options.once && quietSince && Date.now() - quietSince > 1500) {
        const view = await weft.view().catch(() => undefined);
        log(`weft dev: settled after ${view?.ticks ?? '?'} planning passes`);
        break;
      }
      if (stop.signal.aborted) break;
      // (The timer's own listener on the stop signal goes with it: nothing piles up over a long session.)
      await sleep(500, undefined, { signal: stop.signal }).catch(() => {});
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await watch?.close();
    await api?.close();
    rmSync(join(stateDir, 'dev.json'), { force: true });
    await redeployer?.close();
    await redeployer?.current.worker.shutdown();
    // (The first worker's connection, or the one of the worker that replaced it last; replaced ones are closed.)
    const workerConnection = redeployer?.current.connection ?? nativeConnection;
    await client.workflow.getHandle(`weft/reconcile/${project.location}`).terminate('weft dev stopped').catch(() => {});
    // (A client call still retrying when its connection closes must not end the process before the
    // dev server and the database are stopped: see closeClientConnection.)
    await closeClientConnection(connection);
    await workerConnection.close();
    await db.close();
    await temporal.stop();
    log('weft dev: stopped');
  }
}

/** Whether the start-up observations have finished and the planner has planned past every event of its location. */
async function caughtUp(store: ProvenanceStore, observations: ReadonlyArray<Promise<unknown>>): Promise<boolean> {
  const pending = Symbol('pending');
  const done = await Promise.race([Promise.all(observations).then(() => true), new Promise((resolve) => setImmediate(() => resolve(pending)))]);
  if (done === pending) return false;
  const [events, cursor] = (await store.explorer.stateVersion()).split('/').map(Number);
  return (cursor ?? -1) >= (events ?? 0);
}

/**
 * The GraphQL API on the dev store (GraphiQL on, errors unmasked) and the local endpoint `weft
 * status` asks (GET /status → the status report as JSON), on one port of 127.0.0.1.
 */
async function serveApi(o: { uiDir: string | null; db: SqlDatabase; client: Client; taskQueue: string; store: ProvenanceStore; keys: () => string[]; infoFile: string; port: number | undefined; auth: boolean }): Promise<ApiServer> {
  const api = await startApiServer({
    db: o.db,
    auth: o.auth ? 'tokens' : 'off',
    defaultLocation: o.store.location,
    temporal: { client: o.client, taskQueue: () => o.taskQueue },
    production: false,
    graphiql: true,
    ...(o.uiDir ? { uiDir: o.uiDir } : {}),
    host: '127.0.0.1',
    port: o.port ?? 0,
    extra: (req, res) => {
      if (req.method !== 'GET' || req.url !== '/status') return false;
      statusCounts(o.store, o.keys()).then(
        (report: StatusReport) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report)),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
      return true;
    },
  });
  writeFileSync(o.infoFile, JSON.stringify({ pid: process.pid, url: api.url, graphql: `${api.url}/graphql` }));
  return api;
}

