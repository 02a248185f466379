import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { type Definition, type ObjectStorage } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { startPostgres, startTemporal } from '@weft/services';
import { startWeftWorker, type WeftWorker, type WeftWorkerOptions } from '@weft/workers';
import pg from 'pg';

/** Real PostgreSQL (default settings), the Temporal dev server (in memory), a store and a worker. */
export interface WorkersBench {
  readonly store: ProvenanceStore;
  readonly client: Client;
  readonly worker: WeftWorker;
  readonly taskQueue: string;
  readonly location: string;
  readonly temporalVersion: string;
  /** The code version of every asset the worker runs (`v1`). */
  readonly codeVersions: Readonly<Record<string, string>>;
  /** Where values are stored, and whether that is the disk PostgreSQL's data is on. */
  readonly objects: { readonly dir: string; readonly sameDeviceAsPostgres: boolean };
  /** The worker's object storage (values larger than its `inlineValueBytes`). */
  readonly storage: ObjectStorage;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Starts the services and a worker for `definitions`. Values are stored in a folder under the OS
 * temporary folder (a real disk here, as a user's would be, never /dev/shm), beside PostgreSQL's
 * data folder: the benchmarks measure the pipeline as a user runs it, value writes included.
 */
export async function startWorkersBench(
  definitions: readonly Definition[],
  options: Partial<WeftWorkerOptions> & { location: string; temporalDynamicConfig?: Readonly<Record<string, string | number | boolean>> },
): Promise<WorkersBench> {
  const { temporalDynamicConfig, ...workerOptions } = options;
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const [postgres, temporal] = await Promise.all([startPostgres({ durability: 'default', databaseUrl: '' }), startTemporal({ existingAddress: '', logLevel: 'error', ...(temporalDynamicConfig ? { dynamicConfig: temporalDynamicConfig } : {}) })]);
  const pool = new pg.Pool({ connectionString: postgres.adminUrl, max: 12 });
  // (A closed pool's idle sockets meet the server's shutdown: not an error of the run.)
  pool.on('error', () => {});
  const db = pgDatabase(pool);
  await migrate(db);
  const store = new ProvenanceStore(db, options.location);
  const objectsDir = mkdtempSync(join(tmpdir(), 'weft-bench-objects-'));
  const [dataDir] = await db.query<{ data_directory: string }>('SHOW data_directory');
  let sameDevice = false;
  try {
    sameDevice = dataDir !== undefined && statSync(dataDir.data_directory).dev === statSync(objectsDir).dev;
  } catch {
    // (the data folder may not be readable by this user: reported as not known to be the same)
  }
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `bench-${options.location}`;
  const codeVersions = Object.fromEntries(definitions.filter((d) => d.kind === 'asset').map((d) => [d.key, 'v1']));
  const storage = fsStorage({ root: objectsDir });
  const worker = await startWeftWorker({
    definitions,
    store,
    storage,
    connection: nativeConnection,
    client,
    taskQueue,
    codeVersions,
    ...workerOptions,
  });
  return {
    store,
    client,
    worker,
    taskQueue,
    location: options.location,
    temporalVersion: temporal.version,
    codeVersions: options.codeVersions ?? codeVersions,
    objects: { dir: objectsDir, sameDeviceAsPostgres: sameDevice },
    storage,
    async close() {
      await worker.shutdown();
      await connection.close();
      await nativeConnection.close();
      await db.close();
      await Promise.all([postgres.stop(), temporal.stop()]);
      rmSync(objectsDir, { recursive: true, force: true });
    },
  };
}
