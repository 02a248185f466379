import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import * as Minio from 'minio';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { LeakTracker } from './leaks.js';
import type { TestServicesInfo } from './test-services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    weft: TestServicesInfo;
  }
}

/** A short random suffix for per-file names (databases, task queues, buckets). */
function suffix(): string {
  return randomBytes(5).toString('hex');
}

/**
 * The services of this test run. Fails loudly when the file runs outside the `services` vitest
 * project, whose global setup starts them.
 */
export function useServices(): TestServicesInfo {
  const info = inject('weft');
  if (!info) {
    throw new Error(
      'No Weft test services: this file needs PostgreSQL, Temporal and MinIO, which the `services` vitest project starts. ' +
        'Name it *.int.test.ts (or put it under workers/test/e2e/) and run `npm test`.',
    );
  }
  return info;
}

function lazy<T>(what: string, get: () => T | undefined): T {
  const value = get();
  if (value === undefined) throw new Error(`${what} is only available inside tests and hooks (after beforeAll).`);
  return value;
}

/** A database of this test file, cloned from the migrated template. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** A connection pool the harness checks is ended by the end of the file. */
  pool(config?: Omit<pg.PoolConfig, 'connectionString'>): pg.Pool;
}

/**
 * Gives the test file its own database, a copy of the template migrated once per run, dropped
 * after the file. Fails the file when a pool or server connection to it is still open at the end.
 */
export function useTestDatabase(): TestDatabase {
  const tracker = new LeakTracker();
  let name: string | undefined;
  let url: string | undefined;

  beforeAll(async () => {
    const info = useServices();
    name = `t_${suffix()}`;
    const admin = new pg.Client({ connectionString: info.postgres.adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(info.postgres.templateDatabase)}`);
    } finally {
      await admin.end();
    }
    const u = new URL(info.postgres.adminUrl);
    u.pathname = `/${name}`;
    url = u.toString();
  });

  afterAll(async () => {
    if (!name) return;
    const info = useServices();
    const admin = new pg.Client({ connectionString: info.postgres.adminUrl });
    await admin.connect();
    try {
      const leakedPools = await tracker.open();
      // Backends exit shortly after their client disconnects: give them a moment.
      let sessions: Array<{ pid: number; application_name: string; state: string; query: string }> = [];
      for (let i = 0; i < 40; i++) {
        sessions = (
          await admin.query<{ pid: number; application_name: string; state: string; query: string }>(
            'SELECT pid, application_name, state, left(query, 120) AS query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [name],
          )
        ).rows;
        if (sessions.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      if (leakedPools.length > 0 || sessions.length > 0) {
        const lines = [
          ...leakedPools.map((d) => `- ${d}`),
          ...sessions.map((s) => `- server session pid ${s.pid} (${s.state}) last query: ${s.query}`),
        ];
        throw new Error(`database ${name}: connections left open at the end of the file:\n${lines.join('\n')}`);
      }
    } finally {
      await admin.end();
    }
  });

  return {
    get name() {
      return lazy('TestDatabase.name', () => name);
    },
    get url() {
      return lazy('TestDatabase.url', () => url);
    },
    pool(config = {}) {
      const pool = new pg.Pool({ ...config, connectionString: lazy('TestDatabase.url', () => url) });
      const created = new Error('pool created here').stack?.split('\n')[2]?.trim() ?? '';
      tracker.track({ description: `pg.Pool (${created})`, isClosed: () => pool.ended });
      return pool;
    },
  };
}

/** Temporal for one test file: its own task queue, a client, and tracked workers. */
export interface TestTemporal {
  readonly address: string;
  readonly namespace: string;
  /** A task queue unique to this file. */
  readonly taskQueue: string;
  /** A client on a connection the harness closes after the file. */
  readonly client: Client;
  /** The workflow bundle built once per run. */
  readonly workflowBundle: { code: string };
  /**
   * Creates a worker on this file's task queue (unless another is given). The file fails when a
   * worker is not shut down by its end.
   */
  createWorker(options: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue'> & { taskQueue?: string }): Promise<Worker>;
  /** A unique workflow id with a readable prefix. */
  workflowId(prefix: string): string;
  /** The file's worker connection (closed by the harness after the file). */
  nativeConnection(): Promise<NativeConnection>;
}

/**
 * Connects this test file to the run's Temporal dev server. Workers left running fail the test
 * that leaked them (afterEach) and the file (afterAll).
 */
export function useTemporal(): TestTemporal {
  const tracker = new LeakTracker();
  const taskQueue = `test-${suffix()}`;
  let connection: Connection | undefined;
  let client: Client | undefined;
  let nativeConnection: NativeConnection | undefined;
  let bundle: { code: string } | undefined;

  beforeAll(async () => {
    const info = useServices();
    quietRuntime();
    connection = await Connection.connect({ address: info.temporal.address });
    client = new Client({ connection, namespace: info.temporal.namespace });
  });
  afterEach(async () => {
    await tracker.assertNoLeaks('after the test');
  });
  afterAll(async () => {
    try {
      await tracker.assertNoLeaks('at the end of the file');
    } finally {
      await nativeConnection?.close();
      await connection?.close();
    }
  });

  return {
    get address() {
      return useServices().temporal.address;
    },
    get namespace() {
      return useServices().temporal.namespace;
    },
    taskQueue,
    get client() {
      return lazy('TestTemporal.client', () => client);
    },
    get workflowBundle() {
      if (!bundle) {
        const path = useServices().workflowBundlePath;
        if (!path) throw new Error('No workflow bundle: the global setup was not given a bundler.');
        bundle = { code: readFileSync(path, 'utf8') };
      }
      return bundle;
    },
    async createWorker(options) {
      const info = useServices();
      nativeConnection ??= await NativeConnection.connect({ address: info.temporal.address });
      const worker = await Worker.create({ ...options, connection: nativeConnection, namespace: info.temporal.namespace, taskQueue: options.taskQueue ?? taskQueue });
      tracker.track({
        description: `Temporal worker on task queue ${options.taskQueue ?? taskQueue} (state ${worker.getState()}; run it and let it shut down)`,
        isClosed: () => ['STOPPED', 'FAILED'].includes(worker.getState()),
      });
      return worker;
    },
    workflowId(prefix) {
      return `${prefix}-${suffix()}`;
    },
    async nativeConnection() {
      nativeConnection ??= await NativeConnection.connect({ address: useServices().temporal.address });
      return nativeConnection;
    },
  };
}

let runtimeInstalled = false;

/** Installs a Temporal runtime that logs warnings and errors only (once per process). */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env['WEFT_TEST_TEMPORAL_LOG'] ?? 'WARN') as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level) });
}

/** A MinIO bucket of this test file, emptied and removed after it. */
export interface TestBucket {
  readonly bucket: string;
  readonly client: Minio.Client;
  readonly endpoint: TestServicesInfo['minio']['endpoint'];
}

/** Creates a bucket for this test file on the run's MinIO server. */
export function useBucket(): TestBucket {
  const bucket = `t-${suffix()}`;
  let client: Minio.Client | undefined;

  beforeAll(async () => {
    const { endpoint } = useServices().minio;
    client = new Minio.Client({ ...endpoint });
    await client.makeBucket(bucket, endpoint.region);
  });
  afterAll(async () => {
    if (!client) return;
    const names: string[] = [];
    for await (const item of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) {
      if (item.name) names.push(item.name);
    }
    if (names.length > 0) await client.removeObjects(bucket, names);
    await client.removeBucket(bucket);
  });

  return {
    bucket,
    get client() {
      return lazy('TestBucket.client', () => client);
    },
    get endpoint() {
      return useServices().minio.endpoint;
    },
  };
}
