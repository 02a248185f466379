/**
 * Range inputs whose partitions are not one run of the upstream's order (one zone's days of a
 * zone × day asset, days with holes): stored as one row with their exact set, and lineage lists
 * exactly the partitions read, upstream and downstream. Run against every driver (see
 * store-pg.int.test.ts, store-pglite.int.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvenanceStore, type InputRecord, type MaterializationRecord, type SqlDatabase } from '../src/index.js';
import { asset, daily, encodePartitionSet, input, loadDefinitions, monthly, multiPartitions, PartitionSet, perDimension, rollup, staticPartitions, WeftError, type StoredPartitionSet } from '@weft/core';
import { contextAt, jan, mat, NOW, sha, tableDigest } from './fixtures.js';
import type { StoreFactory } from './store-suite.js';

const CTX = contextAt(NOW);
const ZONES = ['downtown', 'midtown', 'uptown'];
const zoneDay = multiPartitions({ date: daily({ start: '2024-01-01' }), zone: staticPartitions(ZONES) });
const zd = asset({ key: 'zd', partitions: zoneDay, compute: () => 1 });
const zm = asset({ key: 'zm', partitions: multiPartitions({ date: monthly({ start: '2024-01' }), zone: staticPartitions(ZONES) }), inputs: { days: input(zd, perDimension({ date: rollup() })) }, compute: ({ days }) => days.size });
const d = asset({ key: 'd', partitions: daily({ start: '2024-01-01' }), compute: () => 1 });
const picked = asset({ key: 'picked', partitions: monthly({ start: '2024-01' }), inputs: { days: input(d, rollup()) }, compute: ({ days }) => days.size });
const graph = loadDefinitions([zd, zm, d, picked]);

const dayKey = (zone: string, day: number): string => `date=${jan(day)}|zone=${zone}`;
const monthKey = (zone: string): string => `date=2024-01|zone=${zone}`;

/** A range input over `keys` of `upstream`, stored as the worker stores it (first, last, count, exact set). */
function readKeys(name: string, upstream: string, keys: readonly string[], set?: StoredPartitionSet | null): InputRecord {
  const def = graph.node(upstream).partitions;
  const sorted = [...keys].sort((a, b) => (def.indexOf(a, CTX) as number) - (def.indexOf(b, CTX) as number));
  const encoded = set === undefined ? encodePartitionSet(PartitionSet.fromKeys(def, keys, CTX).set, CTX) : set;
  return { name, upstreamAsset: upstream, range: { first: sorted[0] as string, last: sorted.at(-1) as string, count: keys.length, combinedHash: sha(keys.join()), ...(encoded ? { set: encoded } : {}) } };
}

export function describeRangeLineage(name: string, factory: StoreFactory): void {
  describe(`range inputs that are not one run, on ${name}`, () => {
    let db: SqlDatabase;
    let store: ProvenanceStore;

    beforeEach(async () => {
      db = await factory();
      store = new ProvenanceStore(db);
    });
    afterEach(async () => {
      await db.close();
    });

    /** Every zone's January days, then the months of `zones` reading their own zone's days. */
    async function zoneMonths(zones: readonly string[]): Promise<{ days: MaterializationRecord[]; months: Map<string, MaterializationRecord> }> {
      const days = ZONES.flatMap((zone) => Array.from({ length: 31 }, (_, i) => mat('zd', dayKey(zone, i + 1))));
      const { events } = await store.recordMaterializations(days);
      const asOf = events.at(-1)?.seq as number;
      const months = new Map(zones.map((zone) => [zone, mat('zm', monthKey(zone), { inputsAsOf: asOf, inputs: [readKeys('days', 'zd', Array.from({ length: 31 }, (_, i) => dayKey(zone, i + 1)))] })]));
      await store.recordMaterializations([...months.values()]);
      return { days, months };
    }

    it('keeps one zone’s days as one row: first, last, count and the set by dimension', async () => {
      const { months } = await zoneMonths(['midtown']);
      const [row] = await db.query<{ range_first: string; range_last: string; range_count: number; range_set: unknown }>(
        'SELECT range_first, range_last, range_count, range_set FROM weft_input_edges edge JOIN weft_materializations m ON m.id = edge.materialization_id WHERE m.token = $1',
        [months.get('midtown')?.token],
      );
      expect(row).toEqual({ range_first: dayKey('midtown', 1), range_last: dayKey('midtown', 31), range_count: 31, range_set: { boxes: [{ date: [[jan(1), jan(31)]], zone: [['midtown', 'midtown']] }] } });
      const id = (await store.explorer.materializationByToken(months.get('midtown')?.token as string))?.id as number;
      const [edge] = await store.explorer.inputEdges([id]);
      expect(edge?.range).toEqual({ first: dayKey('midtown', 1), last: dayKey('midtown', 31), count: 31, combinedHash: expect.any(String), set: { boxes: [{ date: [[jan(1), jan(31)]], zone: [['midtown', 'midtown']] }] } });
    });

    it('upstream lineage of a zone’s month lists that zone’s days only', async () => {
      const { days, months } = await zoneMonths(['midtown', 'downtown']);
      const up = await store.lineage(graph, CTX, { assetKey: 'zm', partitionKey: monthKey('midtown'), direction: 'upstream', depth: 2 });
      expect(up.root?.token).toBe(months.get('midtown')?.token);
      const read = up.nodes.filter((n) => n.depth === 1);
      expect(read.map((n) => n.partitionKey)).toEqual(Array.from({ length: 31 }, (_, i) => dayKey('midtown', i + 1)));
      expect(read.map((n) => n.token)).toEqual(days.filter((r) => r.partitionKey.endsWith('|zone=midtown')).map((r) => r.token));
      expect(up.edges).toHaveLength(31);
      expect(up.unresolved).toEqual([]);
    });

    it('downstream lineage of a day reaches its own zone’s month only', async () => {
      const { months } = await zoneMonths(['midtown', 'downtown']);
      const fromMidtown = await store.lineage(graph, CTX, { assetKey: 'zd', partitionKey: dayKey('midtown', 5), direction: 'downstream', depth: 2 });
      expect(fromMidtown.nodes.map((n) => n.partitionKey)).toEqual([dayKey('midtown', 5), monthKey('midtown')]);
      expect(fromMidtown.nodes[1]?.token).toBe(months.get('midtown')?.token);
      // Uptown's month was never made: uptown's days fed nothing, not another zone's month.
      const fromUptown = await store.lineage(graph, CTX, { assetKey: 'zd', partitionKey: dayKey('uptown', 5), direction: 'downstream', depth: 2 });
      expect(fromUptown.nodes.map((n) => n.partitionKey)).toEqual([dayKey('uptown', 5)]);
      expect(fromUptown.edges).toEqual([]);
    });

    it('a one-dimensional range with holes lists its runs, upstream and downstream', async () => {
      const days = Array.from({ length: 31 }, (_, i) => mat('d', jan(i + 1)));
      const { events } = await store.recordMaterializations(days);
      const keys = [jan(1), jan(2), jan(3), jan(10)];
      const month = mat('picked', '2024-01', { inputsAsOf: events.at(-1)?.seq as number, inputs: [readKeys('days', 'd', keys)] });
      expect((month.inputs[0] as { range: { set?: unknown } }).range.set).toEqual({ runs: [[jan(1), jan(3)], [jan(10), jan(10)]] });
      await store.recordMaterializations([month]);
      const up = await store.lineage(graph, CTX, { assetKey: 'picked', partitionKey: '2024-01', direction: 'upstream', depth: 1 });
      expect(up.nodes.slice(1).map((n) => n.partitionKey)).toEqual(keys);
      const reader = await store.lineage(graph, CTX, { assetKey: 'd', partitionKey: jan(10), direction: 'downstream', depth: 1 });
      expect(reader.nodes.map((n) => n.assetKey)).toEqual(['d', 'picked']);
      const skipped = await store.lineage(graph, CTX, { assetKey: 'd', partitionKey: jan(5), direction: 'downstream', depth: 1 });
      expect(skipped.nodes.map((n) => n.assetKey)).toEqual(['d']);
    });

    it('a range stored without a set (rows older than range_set) still means every partition from first to last', async () => {
      const days = Array.from({ length: 31 }, (_, i) => mat('d', jan(i + 1)));
      const { events } = await store.recordMaterializations(days);
      const month = mat('picked', '2024-01', { inputsAsOf: events.at(-1)?.seq as number, inputs: [readKeys('days', 'd', [jan(1), jan(4)], null)] });
      await store.recordMaterializations([month]);
      expect(await db.query('SELECT range_set FROM weft_input_edges')).toEqual([{ range_set: null }]);
      const up = await store.lineage(graph, CTX, { assetKey: 'picked', partitionKey: '2024-01', direction: 'upstream', depth: 1 });
      expect(up.nodes.slice(1).map((n) => n.partitionKey)).toEqual([jan(1), jan(2), jan(3), jan(4)]);
    });

    it('a zone’s month stored before range_set (first…last spanning every zone) is narrowed through the mapping', async () => {
      const { months } = await zoneMonths(['midtown']);
      await db.query('UPDATE weft_input_edges SET range_set = NULL');
      const midtownDays = Array.from({ length: 31 }, (_, i) => dayKey('midtown', i + 1));
      const up = await store.lineage(graph, CTX, { assetKey: 'zm', partitionKey: monthKey('midtown'), direction: 'upstream', depth: 1 });
      expect(up.nodes.filter((n) => n.depth === 1).map((n) => n.partitionKey)).toEqual(midtownDays);
      // The mapping in force does not give its count (it changed since): first…last is all that is known.
      await db.query('UPDATE weft_input_edges SET range_count = 30');
      const span = await store.lineage(graph, CTX, { assetKey: 'zm', partitionKey: monthKey('midtown'), direction: 'upstream', depth: 1 });
      expect(span.nodes.filter((n) => n.depth === 1)).toHaveLength(31 * 3 - 2); // midtown 1st … midtown 31st, every zone between
      expect(span.root?.token).toBe(months.get('midtown')?.token);
    });

    it('rejects a malformed set, naming the input, and writes nothing of its batch', async () => {
      const digest = await tableDigest(db);
      const good = mat('zd', dayKey('midtown', 1));
      const range = (set: unknown): InputRecord => ({ name: 'days', upstreamAsset: 'zd', range: { first: 'a', last: 'b', count: 2, combinedHash: sha('x'), set: set as StoredPartitionSet } });
      const cases: Array<[unknown, string, string]> = [
        [{ runs: [] }, 'inputs.days.range.set', 'storage.bad_value'],
        [{ boxes: [{ date: [['a']] }] }, 'inputs.days.range.set', 'storage.bad_value'],
        [{ runs: [['a', 'b']], first: 'a' }, 'inputs.days.range.set', 'storage.bad_value'],
        [{ boxes: [{ date: [['a', 'b\u0000']] }] }, 'upstream range set key', 'storage.bad_key'],
      ];
      for (const [set, field, code] of cases) {
        const error = await store.recordMaterializations([good, mat('zm', monthKey('midtown'), { inputs: [range(set)] })]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, JSON.stringify(set)).toBeInstanceOf(WeftError);
        expect((error as WeftError).code).toBe(code);
        expect((error as WeftError).context).toMatchObject({ assetKey: 'zm', partitionKey: monthKey('midtown'), field });
      }
      expect(await tableDigest(db)).toEqual(digest);
    });
  });
}
