/**
 * Issue 14, scenarios 1–3: partitions that stay `running` for ever, on real PostgreSQL, Temporal
 * and MinIO. Each test waits a bounded time for what a user expects (a failed or fresh partition),
 * then fails with the partition states, the recent events and the open workflows.
 */
import { asset, daily, identity, input, source, TransientError, type Definition, type PartitionContext, type PlanResult, type Reason, type AssetGraph, type PartitionKey } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { minioClient, s3Objects, s3Storage } from '@weft/plugin-s3';
import { useBucket, useTemporal, useTestDatabase } from '@weft/services/harness';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeftWorker, WeftClient, type WeftWorker, type WeftWorkerOptions } from '../../src/index.js';
import { cleanUpLocation, dumpLocation, eventually, openMaterializeWorkflows, partitionStates, stateOf, type LoopProbe } from './loop-probe.js';

const db = useTestDatabase();
const temporal = useTemporal();
const bucket = useBucket();

let pool: ReturnType<typeof db.pool>;
let sql: ReturnType<typeof pgDatabase>;

beforeAll(async () => {
  pool = db.pool({ max: 10 });
  sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
});
// Every location a test used: its loop and open batch workflows are ended after the file, whatever happened.
const used: LoopProbe[] = [];
afterAll(async () => {
  for (const probe of used) await cleanUpLocation(probe);
  await pool?.end();
});

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const s3 = () => minioClient(bucket.client);

/** One test's code location: its own location name, task queue and asset keys. */
function locationOf(location: string, assets: readonly string[], store?: ProvenanceStore): LoopProbe & { store: ProvenanceStore } {
  const probe = { store: store ?? new ProvenanceStore(sql, location), client: temporal.client, location, taskQueue: `${temporal.taskQueue}-${location}`, assets };
  used.push(probe);
  return probe;
}

async function startWorker(probe: LoopProbe, definitions: Definition[], now: number, extra: Partial<WeftWorkerOptions> = {}): Promise<WeftWorker> {
  return startWeftWorker({
    definitions,
    location: probe.location,
    store: probe.store,
    storage: s3Storage({ bucket: bucket.bucket, prefix: `values/${probe.location}`, client: s3() }),
    // (Every value goes to object storage here: this test reads them there.)
    inlineValueBytes: 0,
    connection: await temporal.nativeConnection(),
    client: temporal.client,
    taskQueue: probe.taskQueue,
    workflowBundle: temporal.workflowBundle,
    scheduleSources: false,
    heartbeatTimeoutMs: 3000,
    now: () => now,
    ...extra,
  });
}

/** Writes a source object and pushes its new ETag (the push call of WeftClient). */
async function putSource(weft: WeftClient, sourceKey: string, objectKey: string, partitionKey: string, body: string): Promise<void> {
  await s3().putObject(bucket.bucket, objectKey, new TextEncoder().encode(body));
  const stat = await s3().statObject(bucket.bucket, objectKey);
  await weft.reportSourceChange(sourceKey, [{ partitionKey, version: { etag: stat?.etag ?? '' } }]);
}

/** The value of a partition's current materialization, read back from storage. */
async function currentValue(probe: LoopProbe, assetKey: string, partitionKey: string): Promise<unknown> {
  const [row] = await probe.store.db.query<{ storage_uri: string }>(
    'SELECT m.storage_uri FROM weft_partition_state ps JOIN weft_materializations m ON m.id = ps.materialization_id WHERE ps.asset_key = $1 AND ps.partition_key = $2',
    [assetKey, partitionKey],
  );
  if (!row) return undefined;
  const bytes = await s3Storage({ bucket: bucket.bucket, client: s3() }).get(row.storage_uri);
  return JSON.parse(text(bytes)) as unknown;
}

async function materializationCount(probe: LoopProbe, assetKey: string, partitionKey: string): Promise<number> {
  const [row] = await probe.store.db.query<{ n: string }>('SELECT count(*) AS n FROM weft_materializations WHERE asset_key = $1 AND partition_key = $2', [assetKey, partitionKey]);
  return Number(row?.n ?? 0);
}

const fresh = async (probe: LoopProbe, asset: string, partition: string, also: (s: NonNullable<Awaited<ReturnType<typeof stateOf>>>) => boolean = () => true): Promise<boolean | string> => {
  const s = await stateOf(probe, asset, partition);
  if (!s) return `${asset} ${partition} has no state row`;
  return (s.status === 'fresh' && also(s)) || `${asset} ${partition} is ${s.status} (materialization ${s.materializationId})`;
};

describe('issue 14: partitions that stick', () => {
  it('scenario 1: a batch whose transient retries run out fails its partition (transient, with a retry time) and the batch workflow closes', async () => {
    const probe = locationOf('stuck-retries', ['flaky_api']);
    let calls = 0;
    const flaky = asset({
      key: 'flaky_api',
      partitions: daily({ start: '2024-01-01' }),
      version: 'v1',
      retry: { maximumAttempts: 2, initialIntervalMs: 100, maximumIntervalMs: 200 },
      compute: () => {
        calls++;
        throw new TransientError('the upstream API answered 503 (test: always)');
      },
    });
    const worker = await startWorker(probe, [flaky], Date.parse('2024-01-02T00:00:00Z'));
    try {
      await eventually(
        probe,
        "flaky_api 2024-01-01 to leave `running` and become `failed` (transient, with a retry time) once its batch's 2 attempts ran out",
        async () => {
          const s = await stateOf(probe, 'flaky_api', '2024-01-01');
          return (s?.status === 'failed' && s.failure?.failureClass === 'transient' && typeof s.failure.retryAt === 'number') || `status ${s?.status ?? 'none'}, compute called ${calls} times`;
        },
        30_000,
      );
      expect(calls).toBeGreaterThanOrEqual(2);
      const attempts = await probe.store.attempts('flaky_api', '2024-01-01');
      expect(attempts.filter((a) => a.status === 'failed' && a.failureClass === 'transient').length, JSON.stringify(attempts)).toBeGreaterThanOrEqual(1);
      const groups = await probe.store.failureGroups('flaky_api');
      expect(groups.some((g) => g.failureClass === 'transient' && g.partitions.includes('2024-01-01')), JSON.stringify(groups)).toBe(true);
      await eventually(probe, 'the materialize workflow of the batch to close', async () => (await openMaterializeWorkflows(probe)).length === 0, 10_000);
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 90_000);

  it('scenario 2a: a source partition restored to its earlier bytes makes the earlier materialization current again, and downstream follows', async () => {
    const probe = locationOf('stuck-restore', ['restore_src', 'restore_parsed', 'restore_doubled']);
    const weft = new WeftClient({ store: probe.store, client: temporal.client, location: probe.location, taskQueue: probe.taskQueue });
    const src = source({ key: 'restore_src', partitions: daily({ start: '2024-01-01' }), observe: s3Objects({ bucket: bucket.bucket, key: 'restore/{date}.txt', client: s3() }) });
    const parsed = asset({ key: 'restore_parsed', partitions: daily({ start: '2024-01-01' }), inputs: { raw: input(src, identity()) }, version: 'v1', compute: ({ raw }) => Number(text(raw).trim()) });
    const doubled = asset({ key: 'restore_doubled', partitions: daily({ start: '2024-01-01' }), inputs: { n: input(parsed, identity()) }, version: 'v1', compute: ({ n }) => n * 2 });
    const day = '2024-01-01';
    const put = (body: string) => putSource(weft, 'restore_src', `restore/${day}.txt`, day, body);
    const worker = await startWorker(probe, [src, parsed, doubled], Date.parse('2024-01-02T00:00:00Z'));
    try {
      // A: "1"
      await put('1\n');
      await eventually(probe, 'both downstream partitions fresh from A', async () => {
        const p = await fresh(probe, 'restore_parsed', day);
        return p === true ? fresh(probe, 'restore_doubled', day) : p;
      }, 30_000);
      const fromA = { parsed: await stateOf(probe, 'restore_parsed', day), doubled: await stateOf(probe, 'restore_doubled', day) };
      expect(await currentValue(probe, 'restore_doubled', day)).toBe(2);
      // B: "2"
      await put('2\n');
      await eventually(probe, 'both downstream partitions fresh from B', async () => {
        const p = await fresh(probe, 'restore_parsed', day, (s) => s.materializationId !== fromA.parsed?.materializationId);
        return p === true ? fresh(probe, 'restore_doubled', day, (s) => s.materializationId !== fromA.doubled?.materializationId) : p;
      }, 30_000);
      expect(await currentValue(probe, 'restore_doubled', day)).toBe(4);
      // Back to A: the same bytes, so the same ETag, data version and tokens as the first time.
      await put('1\n');
      await eventually(
        probe,
        `restore_parsed ${day} fresh again with its materialization from A (#${fromA.parsed?.materializationId}), and restore_doubled after it (#${fromA.doubled?.materializationId})`,
        async () => {
          const p = await fresh(probe, 'restore_parsed', day, (s) => s.materializationId === fromA.parsed?.materializationId);
          return p === true ? fresh(probe, 'restore_doubled', day, (s) => s.materializationId === fromA.doubled?.materializationId) : p;
        },
        30_000,
      );
      const parsedNow = await stateOf(probe, 'restore_parsed', day);
      expect(parsedNow?.token).toBe(fromA.parsed?.token);
      expect(parsedNow?.dataVersion).toBe(fromA.parsed?.dataVersion);
      expect(await currentValue(probe, 'restore_parsed', day)).toBe(1);
      expect(await currentValue(probe, 'restore_doubled', day)).toBe(2);
      // Nothing was computed again: A's materializations became current, no new rows.
      expect(await materializationCount(probe, 'restore_parsed', day)).toBe(2);
      expect(await materializationCount(probe, 'restore_doubled', day)).toBe(2);
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 150_000);

  it('scenario 2b: a code rollback (v1 → v2 → v1) makes the v1 materialization current again', async () => {
    const probe = locationOf('stuck-rollback', ['rollback_answer']);
    const day = '2024-01-01';
    const answer = (version: string) => asset({ key: 'rollback_answer', partitions: daily({ start: '2024-01-01' }), version, compute: () => `computed by ${version}` });
    const now = Date.parse('2024-01-02T00:00:00Z');
    let worker = await startWorker(probe, [answer('v1')], now);
    try {
      await eventually(probe, 'rollback_answer fresh at v1', async () => fresh(probe, 'rollback_answer', day), 30_000);
      const v1 = await stateOf(probe, 'rollback_answer', day);
      expect(await currentValue(probe, 'rollback_answer', day)).toBe('computed by v1');

      await worker.shutdown();
      worker = await startWorker(probe, [answer('v2')], now);
      await eventually(probe, 'rollback_answer fresh at v2', async () => fresh(probe, 'rollback_answer', day, (s) => s.materializationId !== v1?.materializationId), 45_000);
      expect(await currentValue(probe, 'rollback_answer', day)).toBe('computed by v2');

      // The rollback: the v1 token is already committed (and its batch workflow id completed).
      await worker.shutdown();
      worker = await startWorker(probe, [answer('v1')], now);
      await eventually(
        probe,
        `rollback_answer ${day} fresh at v1 again, its current materialization the original v1 one (#${v1?.materializationId})`,
        async () => fresh(probe, 'rollback_answer', day, (s) => s.materializationId === v1?.materializationId),
        45_000,
      );
      const back = await stateOf(probe, 'rollback_answer', day);
      expect(back?.token).toBe(v1?.token);
      expect(back?.codeVersion).toBe(v1?.codeVersion);
      expect(await currentValue(probe, 'rollback_answer', day)).toBe('computed by v1');
      expect(await materializationCount(probe, 'rollback_answer', day)).toBe(2);
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 150_000);

  it('scenario 3: a batch that commits before the planner saves its plan leaves no running marker that survives a rebuild', async () => {
    /**
     * Holds the first plan that starts work until its batches have committed (at most 10 s: a
     * planner that saves before it starts cannot meet this race), then saves it.
     */
    class LateSavePlanStore extends ProvenanceStore {
      hold = true;
      held: { partitions: string[]; committedFirst: boolean } | undefined;
      override async savePlan(result: PlanResult, graph: AssetGraph, ctx: PartitionContext, reasonsFor?: (assetKey: string, partitionKey: PartitionKey) => readonly Reason[]): Promise<void> {
        if (this.hold && result.batches.length > 0) {
          this.hold = false;
          const tokens = result.batches.flatMap((b) => b.partitions.map((p) => p.token));
          const deadline = Date.now() + 10_000;
          let committed = 0;
          while (Date.now() < deadline) {
            const [row] = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM weft_materializations WHERE token = ANY($1::text[])', [tokens]);
            committed = Number(row?.n ?? 0);
            if (committed === tokens.length) break;
            await sleep(50);
          }
          this.held = { partitions: result.batches.flatMap((b) => b.partitions.map((p) => `${b.assetKey} ${p.partitionKey}`)), committedFirst: committed === tokens.length };
        }
        return super.savePlan(result, graph, ctx, reasonsFor);
      }
    }
    const store = new LateSavePlanStore(sql, 'stuck-marker');
    const probe = locationOf('stuck-marker', ['marker_src', 'marker_copy'], store);
    const weft = new WeftClient({ store, client: temporal.client, location: probe.location, taskQueue: probe.taskQueue });
    const src = source({ key: 'marker_src', partitions: daily({ start: '2024-01-01' }), observe: s3Objects({ bucket: bucket.bucket, key: 'marker/{date}.txt', client: s3() }) });
    const copy = asset({ key: 'marker_copy', partitions: daily({ start: '2024-01-01' }), inputs: { raw: input(src, identity()) }, version: 'v1', compute: ({ raw }) => Number(text(raw).trim()) });
    const days = ['2024-01-01', '2024-01-02', '2024-01-03'];
    const now = Date.parse('2024-01-04T00:00:00Z');
    // One partition at a time: a slot held by a stale marker stops everything.
    const limits = { global: 1 };
    let worker = await startWorker(probe, [src, copy], now, { limits });
    try {
      for (const day of days) await putSource(weft, 'marker_src', `marker/${day}.txt`, day, `${days.indexOf(day) + 1}\n`);
      await eventually(probe, 'every marker_copy partition fresh (one at a time)', async () => {
        const s = (await partitionStates(probe)).filter((r) => r.asset === 'marker_copy');
        return (s.length === 3 && s.every((r) => r.status === 'fresh')) || s.map((r) => `${r.partition} ${r.status}`).join(', ');
      }, 45_000);
      // The set-up: the first batch committed before its plan was saved (on the code of issue 14 it
      // always does: batches are started before the plan is saved).
      expect(store.held, 'no plan that started work was seen').toBeDefined();
      if (!store.held?.committedFirst) console.warn(`scenario 3: the held batch ${JSON.stringify(store.held?.partitions)} did not commit before its plan was saved: the race cannot happen here`);
      const heldDay = (store.held?.partitions[0] ?? '').split(' ')[1] ?? '';
      const otherDay = days.find((d) => d !== heldDay) ?? '';

      // A rebuild of the planner from the store (a restart), then new data for the held partition and another.
      await worker.shutdown();
      worker = await startWorker(probe, [src, copy], now, { limits });
      await putSource(weft, 'marker_src', `marker/${heldDay}.txt`, heldDay, '100\n');
      await putSource(weft, 'marker_src', `marker/${otherDay}.txt`, otherDay, '200\n');
      await eventually(
        probe,
        `after the rebuild, marker_copy ${heldDay} (whose batch committed before its plan was saved) and ${otherDay} recomputed from their new data and fresh, none left running`,
        async () => {
          const s = (await partitionStates(probe)).filter((r) => r.asset === 'marker_copy');
          if (s.some((r) => r.status !== 'fresh')) return s.map((r) => `${r.partition} ${r.status}`).join(', ');
          return (await currentValue(probe, 'marker_copy', heldDay)) === 100 && (await currentValue(probe, 'marker_copy', otherDay)) === 200;
        },
        45_000,
      );
      expect((await partitionStates(probe)).filter((r) => r.status === 'running'), await dumpLocation(probe)).toEqual([]);
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 180_000);
});
