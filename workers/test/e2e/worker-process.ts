/**
 * A Weft worker in its own process, for the crash test: configured by WEFT_E2E (JSON), it runs
 * the e2e pipeline with slow computes until killed.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { pgDatabase, ProvenanceStore } from '@weft/store';
import { minioClient, s3Objects, s3Storage } from '@weft/plugin-s3';
import pg from 'pg';
import { startWeftWorker } from '../../src/index.js';
import { pipeline } from './pipeline.js';

interface Config {
  databaseUrl: string;
  temporal: { address: string; namespace: string };
  taskQueue: string;
  minio: { endPoint: string; port: number; useSSL: boolean; accessKey: string; secretKey: string; region: string };
  bucket: string;
  bundlePath: string;
  slowMs: number;
  now: number;
}

const config = JSON.parse(process.env['WEFT_E2E'] ?? '{}') as Config;
Runtime.install({ logger: new DefaultLogger('ERROR') });
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
const store = new ProvenanceStore(pgDatabase(pool), 'crash');
const client = minioClient(config.minio);
const connection = await NativeConnection.connect({ address: config.temporal.address });
const temporal = new Client({ connection: await Connection.connect({ address: config.temporal.address }), namespace: config.temporal.namespace });
const definitions = pipeline({
  connector: s3Objects({ bucket: config.bucket, key: 'readings/{date}/{hour}.csv', client }),
  start: '2024-01-01',
  slowMs: config.slowMs,
});
const worker = await startWeftWorker({
  definitions,
  location: 'crash',
  store,
  storage: s3Storage({ bucket: config.bucket, prefix: 'values', client }),
  connection,
  client: temporal,
  taskQueue: config.taskQueue,
  workflowBundle: { code: readFileSync(config.bundlePath, 'utf8') },
  heartbeatTimeoutMs: 3000,
  now: () => config.now,
});
process.stdout.write('worker ready\n');
process.on('SIGTERM', () => {
  void worker.shutdown().then(() => process.exit(0));
});
await worker.done;
await sleep(10);
