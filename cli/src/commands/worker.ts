/**
 * `weft worker`: a production worker of the project's code location: Temporal workflows and
 * activities on the cluster the environment names, the provenance store at DATABASE_URL, storage
 * and compute from weft.config.ts and its plugins; health endpoints and a graceful stop.
 */
import { resolve } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { retentionSchedule } from '@weft/core';
import { fsStorage } from '@weft/plugin-fs';
import { pgDatabase, ProvenanceStore } from '@weft/store';
import { connectTemporal, startWeftWorker, temporalSettings, type WeftWorker } from '@weft/workers';
import pg from 'pg';
import type { Output } from '../database.js';
import { EXIT } from '../exit-codes.js';
import { Readiness, startHealthServer } from '../health.js';
import { loadProject } from '../project.js';
import { describeProvides } from './plugins.js';
import { applyOrCheckMigrations } from '../migrations.js';

/** Options of `weft worker`. */
export interface WorkerOptions {
  readonly dir: string;
  /** Address of the health endpoints. @default 0.0.0.0 */
  readonly healthHost?: string | undefined;
  /** Port of the health endpoints (0: a free one). @default 8080 */
  readonly healthPort?: number | undefined;
  /** A local folder for values when the config names no storage (one machine only). */
  readonly objects?: string | undefined;
  /** Apply pending migrations at start instead of refusing to start. */
  readonly migrate?: boolean | undefined;
  /** PostgreSQL connections. @default 10 */
  readonly dbPool?: number | undefined;
}

/** `weft worker`: runs until SIGTERM or SIGINT, then stops gracefully (exit code 0). */
export async function runWorker(options: WorkerOptions, out: Output): Promise<number> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    out.error('weft worker: set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:5432/db)');
    return EXIT.failed;
  }
  const project = await loadProject(options.dir);
  const settings = temporalSettings(project.config.temporal);
  if (!settings.address) {
    out.error('weft worker: no Temporal cluster: set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_TLS_* or TEMPORAL_API_KEY as needed), or `temporal` in weft.config.ts');
    return EXIT.failed;
  }
  const storage = project.config.storage ?? (await project.plugins.storage()) ?? (options.objects ? fsStorage({ root: resolve(options.objects) }) : undefined);
  if (!storage) {
    out.error(`weft worker: ${project.configPath} names no object storage: configure one (storage: s3Storage({ … }) or a storage plugin) so every worker and the server share the values, or pass --objects <folder> on a single machine`);
    return EXIT.failed;
  }
  const compute = { ...project.config.compute, ...(await project.plugins.compute()) };
  const listeners = await project.plugins.listeners();

  // Stop signals are ours from the start (Temporal's runtime would stop the workers on its own).
  let stopSignal: string | undefined;
  let wakeStop: () => void = () => {};
  const stopped = new Promise<void>((r) => (wakeStop = r));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopSignal) {
      out.error(`weft worker: ${signal} again: stopping now, without waiting for running activities (Temporal retries them elsewhere)`);
      process.exit(EXIT.interrupted);
    }
    stopSignal = signal;
    wakeStop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  Runtime.install({ logger: new DefaultLogger((process.env['WEFT_TEMPORAL_LOG'] as 'WARN' | undefined) ?? 'WARN'), shutdownSignals: [] });

  const db = pgDatabase(new pg.Pool({ connectionString: url, max: options.dbPool ?? 10 }));
  let temporal: Awaited<ReturnType<typeof connectTemporal>> | undefined;
  let worker: WeftWorker | undefined;
  const readiness = new Readiness({
    postgres: async () => void (await db.query('SELECT 1')),
    temporal: async () => {
      if (!temporal) throw new Error('not connected yet');
      await temporal.connection.healthService.check({});
    },
    worker: async () => {
      if (!worker) throw new Error('not started yet');
    },
  });
  const health = await startHealthServer(readiness, options.healthHost ?? '0.0.0.0', options.healthPort ?? 8080);
  out.log(`weft worker: health ${health.url}/healthz (live), ${health.url}/readyz (ready)`);
  let code: number = EXIT.ok;
  try {
    out.log(`weft worker: ${project.definitions.length} definitions of location ${project.location} from ${project.configPath}`);
    const applied = await applyOrCheckMigrations(db, options.migrate ?? false);
    if (applied.length) out.log(`weft worker: migrations applied: ${applied.join(', ')}`);
    for (const p of project.plugins.plugins) out.log(`weft worker: plugin ${p.name} ${p.version}: ${describeProvides(p.provides)}`);
    temporal = await connectTemporal({ ...settings, address: settings.address });
    out.log(`weft worker: Temporal ${settings.address} (namespace ${settings.namespace ?? 'default'})`);
    if (!stopSignal) {
      worker = await startWeftWorker({
        definitions: project.definitions,
        location: project.location,
        store: new ProvenanceStore(db, project.location),
        storage,
        ...(Object.keys(compute).length > 0 ? { compute } : {}),
        ...(listeners.length > 0 ? { listeners } : {}),
        ...(project.config.concurrency ? { limits: project.config.concurrency } : {}),
        ...(project.config.batchSize ? { batchSize: project.config.batchSize } : {}),
        ...(project.config.inlineValueBytes === undefined ? {} : { inlineValueBytes: project.config.inlineValueBytes }),
        ...(project.config.retention ? { retention: retentionSchedule(project.config.retention) } : {}),
        connection: temporal.native,
        client: temporal.client,
        projectRoot: project.root,
      });
      readiness.ready();
      out.log(`weft worker: polling task queue weft-${project.location} (deployment ${worker.deploymentId}); ready`);
      // A worker that fails on its own (a fatal Temporal error) ends the command with code 1.
      const failed = worker.done.then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      const ended = await Promise.race([stopped.then(() => undefined), failed]);
      if (ended instanceof Error) throw ended;
    }
    readiness.stopping();
    out.log(`weft worker: ${stopSignal}: stopping: no new work is taken; running activities have up to 30 s to finish, then go back to Temporal to be retried elsewhere`);
  } catch (error) {
    out.error(`weft worker: ${(error as Error).message}`);
    code = EXIT.failed;
  } finally {
    readiness.stopping();
    await worker?.shutdown().catch((e: unknown) => out.error(`weft worker: shutting down: ${(e as Error).message}`));
    await temporal?.close().catch(() => {});
    await db.close();
    await health.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    out.log('weft worker: stopped');
  }
  return code;
}
