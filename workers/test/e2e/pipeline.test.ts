import { setTimeout as sleep } from 'node:timers/promises';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/core';
import { memoryS3, minioClient, s3Objects, s3Storage } from '@weft/plugin-s3';
import { useBucket, useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeftWorker, type WeftWorker } from '../../src/index.js';
import { pipeline } from './pipeline.js';

const db = useTestDatabase();
const temporal = useTemporal();
const bucket = useBucket();
void memoryS3;

const DAYS = 3;
const hourKey = (d: number, h: number): string => `readings/2024-01-${String(d + 1).padStart(2, '0')}/${String(h).padStart(2, '0')}.csv`;

let store: ProvenanceStore;
let pool: ReturnType<typeof db.pool>;
const computed: string[] = [];
let temporalRef: typeof temporal | undefined;

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
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

describe('e2e: the reconcile loop on real PostgreSQL, Temporal and MinIO', () => {
  let worker: WeftWorker;
  beforeAll(async () => {
    temporalRef = temporal;
    pool = db.pool({ max: 8 });
    const sql = pgDatabase(pool, { ownsPool: false });
    await migrate(sql);
    store = new ProvenanceStore(sql, 'e2e');
    const client = minioClient(bucket.client);
    for (let d = 0; d < DAYS; d++) for (let h = 0; h < 24; h++) await client.putObject(bucket.bucket, hourKey(d, h), new TextEncoder().encode('1\n2\n'));
    const definitions = pipeline({ connector: s3Objects({ bucket: bucket.bucket, key: 'readings/{date}/{hour}.csv', client }), onCompute: (a, p) => computed.push(`${a} ${p}`) });
    worker = await startWeftWorker({
      definitions,
      location: 'e2e',
      store,
      storage: s3Storage({ bucket: bucket.bucket, prefix: 'values', client }),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: temporal.taskQueue,
      workflowBundle: temporal.workflowBundle,
      now: () => Date.parse('2024-01-04T00:00:00Z'),
    });
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
  });
});
