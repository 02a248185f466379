import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { migrate, pgDatabase, ProvenanceStore, type Definition } from '@weft/core';
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
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Starts the services and a worker for `definitions`. */
export async function startWorkersBench(definitions: readonly Definition[], options: Partial<WeftWorkerOptions> & { location: string }): Promise<WorkersBench> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const [postgres, temporal] = await Promise.all([startPostgres({ durability: 'default', databaseUrl: '' }), startTemporal({ existingAddress: '', logLevel: 'error' })]);
  const pool = new pg.Pool({ connectionString: postgres.adminUrl, max: 12 });
  const db = pgDatabase(pool);
  await migrate(db);
  const store = new ProvenanceStore(db, options.location);
  // Values go to a RAM-backed folder when there is one: the benchmark measures Temporal and lineage
  // writes, and PostgreSQL's fsyncs on the same disk would otherwise stall every small file write.
  const objects = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'weft-bench-objects-'));
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `bench-${options.location}`;
  const worker = await startWeftWorker({
    definitions,
    store,
    storage: fsStorage({ root: objects }),
    connection: nativeConnection,
    client,
    taskQueue,
    codeVersions: Object.fromEntries(definitions.filter((d) => d.kind === 'asset').map((d) => [d.key, 'v1'])),
    ...options,
  });
  return {
    store,
    client,
    worker,
    taskQueue,
    location: options.location,
    temporalVersion: temporal.version,
    async close() {
      await worker.shutdown();
      await connection.close();
      await nativeConnection.close();
      await db.close();
      await Promise.all([postgres.stop(), temporal.stop()]);
      rmSync(objects, { recursive: true, force: true });
    },
  };
}
