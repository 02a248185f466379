/**
 * A source partitioned by dynamic keys and watched by a connector, on the real workers, PostgreSQL
 * and the Temporal dev server: the keys the connector finds join the key set (also the dynamic
 * dimension of a multi-dimensional source), become partitions, and downstream materializes them;
 * a key that cannot be a partition key adds nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, dynamicPartitions, multiPartitions, source, staticPartitions, type Codec, type SourceConnector } from '@weft/core';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeftWorker, type WeftWorker } from '../../src/index.js';
import { cleanUpLocation } from './loop-probe.js';

const db = useTestDatabase();
const temporal = useTemporal();
const LOCATION = 'dynamic-source';
const NOW = Date.parse('2024-01-03T00:00:00Z');
const objects = mkdtempSync(join(tmpdir(), 'weft-dynamic-'));
const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };

/** What "exists" in the outside world: customer files, and per customer × plan, usage. */
const files = new Map<string, number>();
const usage = new Map<string, number>();
const mapConnector = (name: string, data: Map<string, number>): SourceConnector => ({
  name,
  observe: async () => [...data].map(([partitionKey, n]) => ({ partitionKey, version: { checksum: `${partitionKey}:${n}` } })),
  read: async (key) => new TextEncoder().encode(String(data.get(key) ?? 0)),
});

let pool: ReturnType<typeof db.pool>;
let store: ProvenanceStore;
let worker: WeftWorker;
const taskQueue = () => `${temporal.taskQueue}-${LOCATION}`;

beforeAll(async () => {
  pool = db.pool({ max: 6 });
  const sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
  store = new ProvenanceStore(sql, LOCATION);
  const customers = dynamicPartitions({ name: 'customers' });
  const orders = source({ key: 'dyn_orders', partitions: customers, observe: mapConnector('orders', files) });
  const doubled = asset({ key: 'dyn_doubled', partitions: customers, inputs: { orders }, codec: number, compute: ({ orders: bytes }) => Number(new TextDecoder().decode(bytes)) * 2 });
  const plans = multiPartitions({ customer: customers, plan: staticPartitions(['basic', 'pro']) });
  const metered = source({ key: 'dyn_usage', partitions: plans, observe: mapConnector('usage', usage) });
  worker = await startWeftWorker({
    location: LOCATION,
    store,
    definitions: [orders, doubled, metered],
    storage: fsStorage({ root: objects }),
    connection: await temporal.nativeConnection(),
    client: temporal.client,
    taskQueue: taskQueue(),
    workflowBundle: temporal.workflowBundle,
    scheduleSources: false,
    now: () => NOW,
  });
}, 180_000);

afterAll(async () => {
  await worker?.shutdown();
  await cleanUpLocation({ store, client: temporal.client, location: LOCATION, taskQueue: taskQueue(), assets: [] }).catch(() => {});
  await pool?.end();
  rmSync(objects, { recursive: true, force: true });
});

async function observe(sourceKey: string, run: string): Promise<void> {
  await temporal.client.workflow.execute('observeSource', { taskQueue: taskQueue(), workflowId: temporal.workflowId(`observe-${sourceKey}-${run}`), args: [{ location: LOCATION, sourceKey }] });
}

async function statesOf(assetKey: string, want: (rows: Array<[string, string]>) => boolean): Promise<Array<[string, string]>> {
  const deadline = Date.now() + 90_000;
  let rows: Array<[string, string]> = [];
  while (Date.now() < deadline) {
    rows = (await store.db.query<{ partition_key: string; status: string }>('SELECT partition_key, status FROM weft_partition_state WHERE location = $1 AND asset_key = $2 ORDER BY 1', [LOCATION, assetKey])).map((r) => [r.partition_key, r.status]);
    if (want(rows)) break;
    await sleep(250);
  }
  return rows;
}

describe('a dynamic source watched by a connector', () => {
  it('adds the keys it finds to the key set, and downstream materializes them', async () => {
    files.set('acme', 3).set('globex', 5).set('bad\nkey', 1);
    await observe('dyn_orders', '1');
    // A key with a newline cannot be a partition key: it adds nothing and the rest go on.
    expect((await store.dynamicKeys())['customers']).toEqual(['acme', 'globex']);
    const first = await statesOf('dyn_doubled', (r) => r.length === 2 && r.every(([, s]) => s === 'fresh'));
    expect(first).toEqual([['acme', 'fresh'], ['globex', 'fresh']]);

    // A new customer appears: one more key, one more partition; the others do not rerun.
    files.set('initech', 7);
    const before = await store.db.query<{ n: number }>("SELECT count(*)::int AS n FROM weft_materializations WHERE asset_key = 'dyn_doubled'");
    await observe('dyn_orders', '2');
    expect((await store.dynamicKeys())['customers']).toEqual(['acme', 'globex', 'initech']);
    const second = await statesOf('dyn_doubled', (r) => r.length === 3 && r.every(([, s]) => s === 'fresh'));
    expect(second.map(([k]) => k)).toEqual(['acme', 'globex', 'initech']);
    const after = await store.db.query<{ n: number }>("SELECT count(*)::int AS n FROM weft_materializations WHERE asset_key = 'dyn_doubled'");
    expect((after[0]?.n ?? 0) - (before[0]?.n ?? 0)).toBe(1);
  }, 150_000);

  it('adds the dynamic dimension\'s values of a multi-dimensional source, not keys outside its static dimension', async () => {
    usage.set('customer=hooli|plan=pro', 4).set('customer=acme|plan=basic', 2).set('customer=umbrella|plan=enterprise', 9);
    await observe('dyn_usage', '1');
    // hooli joins the set; umbrella's plan is not one of the static plans, so umbrella does not.
    expect((await store.dynamicKeys())['customers']).toEqual(['acme', 'globex', 'initech', 'hooli']);
    const observed = await store.db.query<{ partition_key: string }>("SELECT partition_key FROM weft_source_observations WHERE location = $1 AND asset_key = 'dyn_usage' ORDER BY 1", [LOCATION]);
    expect(observed.map((r) => r.partition_key)).toEqual(['customer=acme|plan=basic', 'customer=hooli|plan=pro']);
  }, 120_000);
});
