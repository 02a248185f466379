/**
 * Lineage of range inputs over a multi-dimensional upstream, on the real workers, PostgreSQL and
 * the Temporal dev server: a zone × month rollup of zone × day reads one zone's days, which are
 * not one run of the upstream's flat order (time first, then zone). What the store records and
 * what lineage lists, upstream and downstream, must be exactly what each compute was given.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, daily, input, loadDefinitions, monthly, multiPartitions, perDimension, rollup, staticPartitions, window, type Codec } from '@weft/core';
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
const LOCATION = 'multi-range-lineage';
const NOW = Date.parse('2024-02-03T00:00:00Z'); // days 2024-01-01 … 2024-02-02; January is closed
const ZONES = ['downtown', 'midtown', 'uptown'];
const objects = mkdtempSync(join(tmpdir(), 'weft-multi-range-'));
const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };

/** What listeners (OpenLineage) were told each zone_month materialization read, by partition. */
const completed = new Map<string, ReadonlyArray<{ input: string; partitions: ReadonlyArray<{ partitionKey: string }> }>>();
/** The upstream keys each compute was given, by asset and partition. */
const given = new Map<string, string[]>();
const ctx = { now: NOW, dynamicKeys: () => [] };

let pool: ReturnType<typeof db.pool>;
let store: ProvenanceStore;
let worker: WeftWorker;
const taskQueue = () => `${temporal.taskQueue}-${LOCATION}`;

const zoneDay = asset({
  key: 'zone_day',
  partitions: multiPartitions({ date: daily({ start: '2024-01-01' }), zone: staticPartitions(ZONES) }),
  codec: number,
  compute: (_inputs, c) => ZONES.indexOf(c.partitionKey.split('zone=')[1] ?? '') * 100 + Number(c.partitionKey.slice(13, 15)),
});
const zoneMonth = asset({
  key: 'zone_month',
  partitions: multiPartitions({ date: monthly({ start: '2024-01' }), zone: staticPartitions(ZONES) }),
  inputs: { days: input(zoneDay, perDimension({ date: rollup() })) },
  codec: number,
  compute: ({ days }, c) => {
    given.set(`zone_month ${c.partitionKey}`, [...days.keys()]);
    return [...days.values()].reduce((a, b) => a + b, 0);
  },
});
const zoneRolling = asset({
  key: 'zone_rolling',
  partitions: multiPartitions({ date: daily({ start: '2024-01-01' }), zone: staticPartitions(ZONES) }),
  inputs: { last3: input(zoneDay, perDimension({ date: window(3) })) },
  codec: number,
  compute: ({ last3 }, c) => {
    given.set(`zone_rolling ${c.partitionKey}`, [...last3.keys()]);
    return last3.size;
  },
});

beforeAll(async () => {
  pool = db.pool({ max: 6 });
  const sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
  store = new ProvenanceStore(sql, LOCATION);
  worker = await startWeftWorker({
    location: LOCATION,
    store,
    definitions: [zoneDay, zoneMonth, zoneRolling],
    storage: fsStorage({ root: objects }),
    connection: await temporal.nativeConnection(),
    client: temporal.client,
    taskQueue: taskQueue(),
    workflowBundle: temporal.workflowBundle,
    scheduleSources: false,
    now: () => NOW,
    listeners: [{ name: 'inputs-seen', onEvent: (e) => void (e.kind === 'complete' && e.assetKey === 'zone_month' && completed.set(e.partitionKey, e.inputs ?? [])) }],
  });
}, 180_000);

afterAll(async () => {
  await worker?.shutdown();
  await cleanUpLocation({ store, client: temporal.client, location: LOCATION, taskQueue: taskQueue(), assets: [] }).catch(() => {});
  await pool?.end();
  rmSync(objects, { recursive: true, force: true });
});

/** Waits until every partition of every asset is fresh (33 days × 3 zones, 3 months, 99 windows). */
async function settled(): Promise<void> {
  const deadline = Date.now() + 420_000; // (a loaded 2-core machine: 2–3 minutes seen)
  let counts: Record<string, number> = {};
  while (Date.now() < deadline) {
    const rows = await store.db.query<{ asset_key: string; n: number }>("SELECT asset_key, count(*)::int AS n FROM weft_partition_state WHERE location = $1 AND status = 'fresh' GROUP BY 1", [LOCATION]);
    counts = Object.fromEntries(rows.map((r) => [r.asset_key, r.n]));
    if (counts['zone_day'] === 99 && counts['zone_month'] === 3 && counts['zone_rolling'] === 99) return;
    await sleep(250);
  }
  throw new Error(`the loop did not settle: fresh partitions ${JSON.stringify(counts)}`);
}

describe('range inputs over a zone × day asset, on the real workers', () => {
  it('records and lists exactly the partitions each compute read, upstream and downstream', async () => {
    await settled();
    const graph = loadDefinitions([zoneDay, zoneMonth, zoneRolling]);
    for (const zone of ZONES) {
      const key = `date=2024-01|zone=${zone}`;
      const read = given.get(`zone_month ${key}`);
      expect(read, key).toEqual(Array.from({ length: 31 }, (_, i) => `date=2024-01-${String(i + 1).padStart(2, '0')}|zone=${zone}`));
      const up = await store.lineage(graph, ctx, { assetKey: 'zone_month', partitionKey: key, direction: 'upstream', depth: 1 });
      expect(up.nodes.filter((n) => n.depth === 1).map((n) => n.partitionKey)).toEqual(read);
      expect(up.unresolved).toEqual([]);
    }
    // One row per input, with the set by dimension.
    const edges = await store.db.query<{ partition_key: string; range_count: number; range_set: unknown }>(
      "SELECT m.partition_key, e.range_count, e.range_set FROM weft_input_edges e JOIN weft_materializations m ON m.id = e.materialization_id WHERE m.asset_key = 'zone_month' AND m.partition_key = 'date=2024-01|zone=midtown'",
    );
    expect(edges).toEqual([{ partition_key: 'date=2024-01|zone=midtown', range_count: 31, range_set: { boxes: [{ date: [['2024-01-01', '2024-01-31']], zone: [['midtown', 'midtown']] }] } }]);

    // Listeners (OpenLineage) are told the same: midtown's January days, not the first..last span.
    await expect.poll(() => completed.get('date=2024-01|zone=midtown')?.[0]?.partitions.map((p) => p.partitionKey), { timeout: 30_000 }).toEqual(['date=2024-01-01…2024-01-31 × zone=midtown']);

    // A rolling window of one zone, near the start (2 days) and in the middle (3).
    for (const key of ['date=2024-01-02|zone=uptown', 'date=2024-01-20|zone=downtown']) {
      const up = await store.lineage(graph, ctx, { assetKey: 'zone_rolling', partitionKey: key, direction: 'upstream', depth: 1 });
      expect(up.nodes.filter((n) => n.depth === 1).map((n) => n.partitionKey)).toEqual(given.get(`zone_rolling ${key}`));
    }

    // Downstream of midtown's 2024-01-05: midtown's month and the three midtown windows holding that day.
    const down = await store.lineage(graph, ctx, { assetKey: 'zone_day', partitionKey: 'date=2024-01-05|zone=midtown', direction: 'downstream', depth: 1 });
    const readers = [...given].filter(([, keys]) => keys.includes('date=2024-01-05|zone=midtown')).map(([k]) => k);
    expect(down.nodes.filter((n) => n.depth === 1).map((n) => `${n.assetKey} ${n.partitionKey}`).sort()).toEqual(readers.sort());
    expect(readers.sort()).toEqual(['zone_month date=2024-01|zone=midtown', 'zone_rolling date=2024-01-05|zone=midtown', 'zone_rolling date=2024-01-06|zone=midtown', 'zone_rolling date=2024-01-07|zone=midtown']);
  }, 480_000);
});
