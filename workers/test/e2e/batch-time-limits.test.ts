/**
 * Issue 14, scenario 9: per-partition time limits hold inside a batch. One partition of a batch of
 * five hangs for ever (it never resolves and ignores its abort signal); the other four commit at
 * once, and the hung one becomes a transient failure of its own (retried alone), not a batch held
 * through the workflow's retries. On real PostgreSQL, Temporal and MinIO.
 */
import { asset, daily } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { minioClient, s3Storage } from '@weft/plugin-s3';
import { useBucket, useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeftWorker } from '../../src/index.js';
import { cleanUpLocation, eventually, partitionStates, type LoopProbe } from './loop-probe.js';
import { intCodec } from './slow-asset.js';

const db = useTestDatabase();
const temporal = useTemporal();
const bucket = useBucket();

const LOCATION = 'batch-limits';
const locationProbe = (): LoopProbe => ({ store, client: temporal.client, location: LOCATION, taskQueue: `${temporal.taskQueue}-${LOCATION}`, assets: ['limited'] });
let pool: ReturnType<typeof db.pool>;
let store: ProvenanceStore;

beforeAll(async () => {
  pool = db.pool({ max: 8 });
  const sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
  store = new ProvenanceStore(sql, LOCATION);
});
afterAll(async () => {
  // The loop and any batch workflow left open are ended after the file, whatever happened.
  if (store) await cleanUpLocation(locationProbe());
  await pool?.end();
});

const LIMIT_MS = 1500;
const HUNG = '2024-01-03';
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'];

describe('issue 14, scenario 9: run monitoring inside a batch', () => {
  it('a partition that hangs past its time limit fails alone (transient, retried alone) while the rest of its batch commits', async () => {
    const probe = locationProbe();
    const limited = asset({
      key: 'limited',
      partitions: daily({ start: '2024-01-01' }),
      codec: intCodec,
      version: 'v1',
      batchSize: 5,
      timeoutMs: LIMIT_MS,
      compute: async (_inputs, ctx) => {
        // Hangs for ever, deaf to its abort signal.
        if (ctx.partitionKey === HUNG) await new Promise<never>(() => {});
        return Number(ctx.partitionKey.slice(-2));
      },
    });
    const batches: Array<{ keys: readonly string[]; at: number }> = [];
    const worker = await startWeftWorker({
      definitions: [limited],
      location: probe.location,
      store,
      storage: s3Storage({ bucket: bucket.bucket, prefix: 'values', client: minioClient(bucket.client) }),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: probe.taskQueue,
      workflowBundle: temporal.workflowBundle,
      scheduleSources: false,
      heartbeatTimeoutMs: 3000,
      now: () => Date.parse('2024-01-06T00:00:00Z'),
      onBatchStart: (_asset, keys) => batches.push({ keys: [...keys], at: Date.now() }),
    });
    try {
      await eventually(probe, 'the batch of five to start', async () => batches.length > 0, 30_000);
      const first = batches[0] as { keys: readonly string[]; at: number };
      expect([...first.keys].sort(), 'one batch of all five partitions').toEqual(DAYS);

      // The other four commit promptly: well before the hung partition's limit × 5.
      await eventually(
        probe,
        `the four partitions beside the hung one fresh within 5 s of their batch starting (the hung one's limit × 5 is ${(LIMIT_MS * 5) / 1000} s)`,
        async () => {
          const s = await partitionStates(probe);
          return DAYS.filter((d) => d !== HUNG).every((d) => s.find((r) => r.partition === d)?.status === 'fresh') || s.map((r) => `${r.partition} ${r.status}`).join(', ');
        },
        5_000,
        first.at,
      );

      // The hung partition: a transient failure of its own (with a retry time), or retried alone —
      // soon after its limit, not after the batch's retries (1 + 2 + 4 + 8 s of backoff, 5 × 1.5 s).
      let seenFailed = false;
      await eventually(
        probe,
        `limited ${HUNG}, hung past its ${LIMIT_MS} ms limit, to be a transient failure of its own within 10 s of its batch starting (status failed with a retry time, or retried in a batch of its own)`,
        async () => {
          const state = (await partitionStates(probe)).find((r) => r.partition === HUNG);
          if (state?.status === 'failed' && state.failure?.failureClass === 'transient' && typeof state.failure.retryAt === 'number') seenFailed = true;
          const alone = batches.slice(1).some((b) => b.keys.length === 1 && b.keys[0] === HUNG);
          const attempts = await store.attempts('limited', HUNG);
          const transient = attempts.some((a) => a.status === 'failed' && a.failureClass === 'transient');
          return (transient && (seenFailed || alone)) || `status ${state?.status ?? 'none'}; attempts ${JSON.stringify(attempts)}; batches started: ${JSON.stringify(batches.map((b) => ({ keys: b.keys, afterMs: b.at - first.at })))}`;
        },
        10_000,
        first.at,
      );
      const [failure] = (await store.attempts('limited', HUNG)).filter((a) => a.status === 'failed');
      expect(failure?.message ?? '').toMatch(/time ?limit|timed? ?out/i);
      // The four were computed once each; the hung one never committed.
      const rows = await store.db.query<{ partition_key: string; n: string }>("SELECT partition_key, count(*) AS n FROM weft_materializations WHERE asset_key = 'limited' GROUP BY 1 ORDER BY 1");
      expect(rows.map((r) => `${r.partition_key} ${r.n}`)).toEqual(DAYS.filter((d) => d !== HUNG).map((d) => `${d} 1`));
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 120_000);
});
