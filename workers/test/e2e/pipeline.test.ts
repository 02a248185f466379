import { setTimeout as sleep } from 'node:timers/promises';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { minioClient, s3Objects, s3Storage } from '@weft/plugin-s3';
import { useBucket, useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeScheduleId, startWeftWorker, WeftClient, type WeftWorker } from '../../src/index.js';
import { pipeline } from './pipeline.js';

const db = useTestDatabase();
const temporal = useTemporal();
const bucket = useBucket();

const DAYS = 3;
const hourKey = (d: number, h: number): string => `readings/2024-01-${String(d + 1).padStart(2, '0')}/${String(h).padStart(2, '0')}.csv`;

let store: ProvenanceStore;
let pool: ReturnType<typeof db.pool>;
const computed: string[] = [];
let temporalRef: typeof temporal | undefined;

// Generous: a worker hand-over on a loaded 2-core machine can take several Temporal retries.
async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  const view = await temporalRef?.client.workflow.getHandle('weft/reconcile/e2e').query('view').catch((e: unknown) => String(e));
  const events = (await store.eventsSince(0, 1000)).map((e) => `${e.seq} ${e.kind} ${'assetKey' in e ? e.assetKey : ''} ${'partitionKey' in e ? e.partitionKey : ''} ${'message' in e ? e.message : ''}`);
  throw new Error(`timed out waiting for ${what}\nstatuses: ${JSON.stringify(await statuses())}\nview: ${JSON.stringify(view)}\nevents:\n${events.join('\n')}`);
}

async function statuses(): Promise<Record<string, string>> {
  const rows = await store.db.query<{ asset_key: string; partition_key: string; status: string }>('SELECT asset_key, partition_key, status FROM weft_partition_state ORDER BY 1, 2');
  return Object.fromEntries(rows.map((r) => [`${r.asset_key} ${r.partition_key}`, r.status]));
}

const NOW = Date.parse('2024-01-04T00:00:00Z');
const dayOf = (d: number): string => `2024-01-${String(d + 1).padStart(2, '0')}`;

/** Waits until no asset partition is waiting, stale, missing or running. */
async function settled(): Promise<Record<string, string>> {
  let last: Record<string, string> = {};
  await waitUntil('the loop to settle', async () => {
    last = await statuses();
    return Object.entries(last).every(([k, v]) => k.startsWith('readings') || !['running', 'stale', 'missing'].includes(v));
  });
  return last;
}

/** Materializations committed after event `since`, as "asset partition" strings. */
async function madeSince(since: number): Promise<string[]> {
  const rows = await store.db.query<{ asset_key: string; partition_key: string }>('SELECT asset_key, partition_key FROM weft_materializations WHERE event_id > $1 ORDER BY 1, 2', [since]);
  return rows.map((r) => `${r.asset_key} ${r.partition_key}`);
}

async function lastEventId(): Promise<number> {
  const [row] = await store.db.query<{ id: string | null }>('SELECT max(id) AS id FROM weft_events');
  return Number(row?.id ?? 0);
}

describe('e2e: the reconcile loop on real PostgreSQL, Temporal and MinIO', () => {
  let worker: WeftWorker;
  let weft: WeftClient;
  let definitionsFor: (cleanVersion: string) => ReturnType<typeof pipeline>;
  let startWorker: (cleanVersion: string) => Promise<WeftWorker>;

  /** Replaces an hourly object and pushes the change with its new ETag. */
  async function putHour(d: number, h: number, body: string): Promise<void> {
    const client = minioClient(bucket.client);
    await client.putObject(bucket.bucket, hourKey(d, h), new TextEncoder().encode(body));
    const stat = await client.statObject(bucket.bucket, hourKey(d, h));
    await weft.reportSourceChange('readings', [{ partitionKey: `${dayOf(d)}T${String(h).padStart(2, '0')}:00`, version: { etag: stat?.etag ?? '' } }]);
  }

  beforeAll(async () => {
    temporalRef = temporal;
    pool = db.pool({ max: 8 });
    const sql = pgDatabase(pool, { ownsPool: false });
    await migrate(sql);
    store = new ProvenanceStore(sql, 'e2e');
    const client = minioClient(bucket.client);
    for (let d = 0; d < DAYS; d++) for (let h = 0; h < 24; h++) await client.putObject(bucket.bucket, hourKey(d, h), new TextEncoder().encode('1\n2\n'));
    definitionsFor = (cleanVersion) => pipeline({ connector: s3Objects({ bucket: bucket.bucket, key: 'readings/{date}/{hour}.csv', client }), cleanVersion, onCompute: (a, p) => computed.push(`${a} ${p}`) });
    const connection = await temporal.nativeConnection();
    startWorker = (cleanVersion) =>
      startWeftWorker({
        definitions: definitionsFor(cleanVersion),
        location: 'e2e',
        store,
        storage: s3Storage({ bucket: bucket.bucket, prefix: 'values', client }),
        connection,
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        workflowBundle: temporal.workflowBundle,
        now: () => NOW,
      });
    worker = await startWorker('clean-v1');
    weft = new WeftClient({ store, client: temporal.client, location: 'e2e', taskQueue: temporal.taskQueue });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal.client.workflow.getHandle('weft/reconcile/e2e').terminate('test over').catch(() => {});
    await pool?.end();
  });

  it('first run: observes the source, materializes everything with full provenance', async () => {
    await temporal.client.workflow.start('observeSource', { taskQueue: temporal.taskQueue, workflowId: temporal.workflowId('observe'), args: [{ location: 'e2e', sourceKey: 'readings' }] });
    await waitUntil('every partition fresh', async () => {
      const s = await statuses();
      const assets = Object.entries(s).filter(([k]) => !k.startsWith('readings'));
      return assets.length === DAYS * 2 && assets.every(([, v]) => v === 'fresh');
    });
    const lineage = await store.lineage(worker.runtime.graph, { now: Date.parse('2024-01-04T00:00:00Z'), dynamicKeys: () => [] }, { assetKey: 'rolling_7d', partitionKey: '2024-01-03', direction: 'upstream', depth: 3 });
    expect(lineage.root?.assetKey).toBe('rolling_7d');
    expect(lineage.nodes.filter((n) => n.assetKey === 'daily_cleaned').map((n) => n.partitionKey).sort()).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
    // Source partitions are the leaves: observed, never materialized (24 hours × 3 days read).
    expect(lineage.unresolved.filter((u) => u.assetKey === 'readings')).toHaveLength(72);
    expect(lineage.edges.filter((e) => e.inputName === 'days')).toHaveLength(3);
    expect(computed.filter((c) => c.startsWith('daily_cleaned')).sort()).toEqual(['daily_cleaned 2024-01-01', 'daily_cleaned 2024-01-02', 'daily_cleaned 2024-01-03']);
    // The source is also observed on a Temporal schedule at its interval.
    const schedule = await temporal.client.schedule.getHandle(observeScheduleId('e2e', 'readings')).describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'observeSource' });
  });

  it('one source partition changes: exactly the affected closure recomputes', async () => {
    const mark = await lastEventId();
    await putHour(1, 5, '1\n2\n100\n');
    await waitUntil('the change to propagate', async () => (await madeSince(mark)).length >= 3);
    await settled();
    expect(await madeSince(mark)).toEqual(['daily_cleaned 2024-01-02', 'rolling_7d 2024-01-02', 'rolling_7d 2024-01-03']);
  });

  it('a recomputation with an unchanged output stops there (early cutoff)', async () => {
    const mark = await lastEventId();
    await putHour(0, 3, '2\n2\n'); // +1: the daily total rounds to the same value
    await waitUntil('the day to recompute', async () => (await madeSince(mark)).length >= 1);
    await settled();
    await sleep(500);
    expect(await madeSince(mark)).toEqual(['daily_cleaned 2024-01-01']);
  });

  it('a corrupt input fails only its partition and blocks its downstream; fixing it recomputes only those', async () => {
    const mark = await lastEventId();
    await putHour(2, 7, 'x\n');
    await waitUntil('the failure', async () => (await statuses())['daily_cleaned 2024-01-03'] === 'failed');
    const s = await settled();
    expect(s['daily_cleaned 2024-01-01']).toBe('fresh');
    expect(s['rolling_7d 2024-01-03']).toBe('blocked');
    // Why it is blocked, as the store keeps it for the API: the upstream partition that failed.
    const [blocked] = await store.explorer.partitionDetails('rolling_7d', ['2024-01-03']);
    expect(blocked?.reasons).toEqual([expect.objectContaining({ kind: 'upstream_failed', assetKey: 'daily_cleaned', partitions: ['2024-01-03'] })]);
    const attempts = await store.attempts('daily_cleaned', '2024-01-03');
    expect(attempts[0]).toMatchObject({ status: 'failed', failureClass: 'actionable', message: expect.stringContaining('corrupt reading on line 1: "x"') });
    const [group] = await store.failureGroups('daily_cleaned');
    expect(group?.partitions).toEqual(['2024-01-03']);
    expect(await madeSince(mark)).toEqual([]);
    await putHour(2, 7, '500\n'); // a new value: the day's total changes, so its downstream reruns too
    await waitUntil('the fix to propagate', async () => (await madeSince(mark)).length >= 2);
    await settled();
    expect(await madeSince(mark)).toEqual(['daily_cleaned 2024-01-03', 'rolling_7d 2024-01-03']);
  });

  it('five concurrent requests for the same stale partition give one materialization', async () => {
    const mark = await lastEventId();
    await worker.shutdown();
    // With no worker, the change cannot run yet; five users ask for it at once.
    const client = minioClient(bucket.client);
    await client.putObject(bucket.bucket, hourKey(0, 9), new TextEncoder().encode('500\n'));
    const stat = await client.statObject(bucket.bucket, hourKey(0, 9));
    await store.recordSourceObservations('readings', [{ partitionKey: '2024-01-01T09:00', dataVersion: (await import('@weft/core')).sourceDataVersion({ etag: stat?.etag ?? '' }) }]);
    await Promise.all(Array.from({ length: 5 }, (_, k) => weft.request({ id: `same-${k}`, action: 'materialize', assetKey: 'daily_cleaned', partitionKeys: ['2024-01-01'] })));
    worker = await startWorker('clean-v1');
    await waitUntil('the requested partition', async () => (await madeSince(mark)).includes('daily_cleaned 2024-01-01'));
    await settled();
    expect((await madeSince(mark)).filter((m) => m === 'daily_cleaned 2024-01-01')).toHaveLength(1);
    // The requests are durable, with their progress recorded: done.
    await waitUntil('request progress', async () => (await store.request('same-4'))?.status === 'done');
    expect(await store.request('same-0')).toMatchObject({ status: 'done', progress: expect.objectContaining({ running: 0, stale: 0, missing: 0 }) });
    const [dup] = await store.db.query<{ n: string }>('SELECT count(*) - count(DISTINCT token) AS n FROM weft_materializations');
    expect(Number(dup?.n)).toBe(0);
  });

  it("bumping one asset's code version recomputes that asset and its downstream, nothing else", async () => {
    const mark = await lastEventId();
    await worker.shutdown();
    worker = await startWorker('clean-v2');
    await waitUntil('the new code to run', async () => (await madeSince(mark)).length >= 6);
    await settled();
    expect(await madeSince(mark)).toEqual([
      'daily_cleaned 2024-01-01',
      'daily_cleaned 2024-01-02',
      'daily_cleaned 2024-01-03',
      'rolling_7d 2024-01-01',
      'rolling_7d 2024-01-02',
      'rolling_7d 2024-01-03',
    ]);
    const versions = await store.db.query<{ code_version: string }>("SELECT DISTINCT code_version FROM weft_partition_state WHERE asset_key = 'daily_cleaned'");
    expect(versions).toHaveLength(1);
  });
});
