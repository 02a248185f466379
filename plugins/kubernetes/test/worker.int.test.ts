/**
 * The kubernetes provider inside Weft: real workers (Temporal, PostgreSQL) materialize an hourly
 * asset locally and a daily rollup of it on the cluster — the worker ships the asset's module, its
 * inputs (a Map of 24 hours) and token through the provider; the pod's ctx.log lines land in the
 * materialization's log (weft_logs); the value is stored and recorded like any other.
 */
import { minioClient, s3Storage } from '@weft/plugin-s3';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { reconcileWorkflowId, startWeftWorker } from '@weft/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesCompute } from '../src/index.js';
import { dailyCounts, hourlyCounts } from './fixtures/assets.js';
import { optionsFor } from './options-for.js';
import { SKIP_KUBERNETES, useTestCluster } from './test-cluster.js';

const db = useTestDatabase();
const temporal = useTemporal();
const cluster = useTestCluster();
const LOCATION = 'k8s-compute';

let pool: ReturnType<typeof db.pool>;
let store: ProvenanceStore;

beforeAll(async () => {
  pool = db.pool({ max: 8 });
  const sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
  store = new ProvenanceStore(sql, LOCATION);
});
afterAll(async () => {
  await temporal.client.workflow.getHandle(reconcileWorkflowId(LOCATION)).terminate('test over').catch(() => undefined);
  await pool?.end();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(SKIP_KUBERNETES)('a Weft worker with the kubernetes compute provider', () => {
  it('materializes a daily rollup on the cluster from 24 hourly inputs, its pod log in the materialization log', async () => {
    const c = cluster.get();
    const { endPoint, port, useSSL, accessKey, secretKey, bucket, prefix } = c.s3;
    const worker = await startWeftWorker({
      definitions: [hourlyCounts, dailyCounts],
      location: LOCATION,
      store,
      storage: s3Storage({ bucket, prefix, client: minioClient({ endPoint, port, useSSL, accessKey, secretKey }) }),
      // (Every value goes to object storage here: the test reads it there.)
      inlineValueBytes: 0,
      compute: { kubernetes: kubernetesCompute(optionsFor(c)) },
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: `${temporal.taskQueue}-${LOCATION}`,
      workflowBundle: temporal.workflowBundle,
      scheduleSources: false,
      now: () => Date.parse('2024-05-04T00:00:00Z'),
    });
    try {
      const rows = await until(
        'both days of k8s_test/daily_counts to be materialized',
        async () => {
          const r = await store.db.query<{ partition_key: string; compute_provider: string; storage_uri: string; token: string }>(
            "SELECT partition_key, compute_provider, storage_uri, token FROM weft_materializations WHERE asset_key = 'k8s_test/daily_counts' ORDER BY partition_key",
          );
          return r.length === 2 ? r : undefined;
        },
        240_000,
      );
      expect(rows.map((r) => `${r.partition_key} ${r.compute_provider}`)).toEqual(['2024-05-01 kubernetes', '2024-05-02 kubernetes']);
      const storage = s3Storage({ bucket, prefix, client: minioClient({ endPoint, port, useSSL, accessKey, secretKey }) });
      const value = dailyCounts.codec.decode(await storage.get(rows[0]!.storage_uri));
      expect(value).toEqual({ day: '2024-05-01', total: 24, first: '2024-05-01T00:00' });
      // weft_logs keeps messages as bytes and fields as JSON text.
      const rowsOfLog = await store.db.query<{ message: Uint8Array; fields: string | null }>('SELECT message, fields FROM weft_logs WHERE token = $1 ORDER BY attempt, line', [rows[0]!.token]);
      const logs = rowsOfLog.map((l) => ({ message: Buffer.from(l.message).toString('utf8'), fields: l.fields === null ? {} : (JSON.parse(l.fields) as Record<string, unknown>) }));
      expect(logs.map((l) => l.message)).toContain('summing 24 hours');
      expect(logs.find((l) => l.message === 'summing 24 hours')?.fields).toMatchObject({ pod: expect.stringMatching(/^weft-k8s-test-daily-counts-/) });
      expect(logs[0]?.message).toMatch(/^created Job weft-k8s-test\/weft-k8s-test-daily-counts-/);
    } finally {
      await worker.shutdown();
    }
  }, 300_000);
});
