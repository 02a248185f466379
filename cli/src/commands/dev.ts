import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fsStorage } from '@weft/plugin-fs';
import { startTemporal } from '@weft/services';
import { bundleWorkflows, createSmokeActivities, type SmokeResult } from '@weft/workers';

/** Options of `weft dev`. */
export interface DevOptions {
  /** The project folder; state lives in `<dir>/.weft/`. */
  readonly dir: string;
  /** Run one pass and exit instead of serving until interrupted. */
  readonly once: boolean;
  /** Temporal gRPC port. @default a free port */
  readonly port?: number | undefined;
  readonly log?: (line: string) => void;
}

const TASK_QUEUE = 'weft-dev';

/**
 * `weft dev`: Weft on the embedded default. Starts the Temporal dev server (state in
 * `.weft/temporal.db`), opens PGlite in `.weft/pglite` and a local object folder `.weft/objects`,
 * runs a worker and the smoke pipeline through it, and records each run in PGlite.
 * (The reconcile loop over the project's assets replaces the smoke pipeline with the workers issue.)
 */
export async function runDev(options: DevOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stateDir = join(resolve(options.dir), '.weft');
  mkdirSync(stateDir, { recursive: true });

  log(`weft dev: state in ${stateDir}`);
  const temporal = await startTemporal({ dbFilename: join(stateDir, 'temporal.db'), ui: !options.once, port: options.port, logLevel: 'error' });
  log(`  Temporal dev server ${temporal.address}${temporal.uiUrl ? `, UI ${temporal.uiUrl}` : ''}`);
  log(`    ${temporal.version}`);
  const db = await PGlite.create(join(stateDir, 'pglite'));
  log(`  PGlite ${join(stateDir, 'pglite')}`);
  const storage = fsStorage({ root: join(stateDir, 'objects') });
  log(`  objects ${join(stateDir, 'objects')}`);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  try {
    await db.exec(`CREATE TABLE IF NOT EXISTS dev_runs (
      id serial PRIMARY KEY, workflow_id text NOT NULL, sum bigint NOT NULL, sum_uri text NOT NULL, finished_at timestamptz NOT NULL DEFAULT now())`);
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: temporal.namespace,
      taskQueue: TASK_QUEUE,
      workflowBundle: await bundleWorkflows(),
      activities: createSmokeActivities(storage),
    });
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await worker.runUntil(async () => {
        const workflowId = `weft-dev-smoke-${new Date().toISOString()}`;
        log(`  running the smoke pipeline (workflow ${workflowId})…`);
        const result = (await client.workflow.execute('smokePipeline', {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [{ runKey: workflowId.replace(/[:.]/g, '-'), count: 1000 }],
        })) as SmokeResult;
        await db.query('INSERT INTO dev_runs (workflow_id, sum, sum_uri) VALUES ($1, $2, $3)', [workflowId, result.sum, result.sumUri]);
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dev_runs');
        log(`  smoke pipeline done: sum ${result.sum} stored at ${result.sumUri}; ${rows[0]?.n ?? 0} run(s) recorded in PGlite`);
        if (!options.once) {
          log('weft dev is running. Press Ctrl-C to stop.');
          await new Promise<void>((resolveStop) => stop.signal.addEventListener('abort', () => resolveStop(), { once: true }));
        }
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  } finally {
    await connection.close();
    await nativeConnection.close();
    await db.close();
    await temporal.stop();
    log('weft dev: stopped');
  }
}
