import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cronWindows, daily, dynamicPartitions, hourly, monthly, multiPartitions, staticPartitions, unpartitioned, weekly } from '../../../src/partitions/definitions/index.js';
import {
  all,
  dimension,
  fanOut,
  fromUnpartitioned,
  identity,
  offset,
  perDimension,
  rollup,
  staticMap,
  timeOverlap,
  window,
  type MappingContext,
  type PartitionMapping,
} from '../../../src/partitions/mappings/index.js';
import { RangeSet } from '../../../src/partitions/sets/index.js';
import type { PartitionsDefinition } from '../../../src/partitions/types.js';
import { at, link } from './helpers.js';

interface Scenario {
  readonly name: string;
  readonly mapping: PartitionMapping;
  readonly up: PartitionsDefinition;
  readonly down: PartitionsDefinition;
  readonly now: string;
  readonly dynamic?: Record<string, readonly string[]>;
}

const NY = 'America/New_York';
const days = (start: string, options: { lagMinutes?: number; end?: string; timezone?: string } = {}) => daily({ start, ...options });
const cube = () => multiPartitions({ region: staticPartitions(['eu', 'us', 'apac']), date: daily({ start: '2024-01-01' }), product: staticPartitions(['a', 'b']) });
const monthByRegion = multiPartitions({ date: monthly({ start: '2024-01' }), region: staticPartitions(['eu', 'us']) });
const dayByRegion = multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu', 'us']) });

/** Every mapping of the table-driven tests, between the definitions they were tested on. */
const SCENARIOS: Scenario[] = [
  { name: 'identity, upstream starts later', mapping: identity(), up: days('2024-01-10'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'identity, upstream starts earlier', mapping: identity(), up: days('2023-11-01'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'identity, upstream ends', mapping: identity(), up: days('2024-01-01', { end: '2024-02-01' }), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'identity, upstream lags', mapping: identity(), up: days('2024-01-01', { lagMinutes: 3000 }), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'identity, hourly', mapping: identity(), up: hourly({ start: '2024-01-01T06:00' }), down: hourly({ start: '2024-01-01' }), now: '2024-01-20T00:00:00Z' },
  { name: 'identity, static by key', mapping: identity(), up: staticPartitions(['a', 'b', 'c', 'd']), down: staticPartitions(['d', 'b', 'a']), now: '2024-01-01T00:00:00Z' },
  {
    name: 'identity, dynamic by key',
    mapping: identity(),
    up: dynamicPartitions({ name: 'up' }),
    down: dynamicPartitions({ name: 'down' }),
    now: '2024-01-01T00:00:00Z',
    dynamic: { up: ['a', 'b', 'c', 'e'], down: ['c', 'd', 'a', 'x', 'e'] },
  },
  { name: 'identity, cron windows with different starts', mapping: identity(), up: cronWindows({ start: '2024-01-10', cron: '0 6,18 * * *', timezone: NY }), down: cronWindows({ start: '2024-01-01', cron: '0 6,18 * * *', timezone: NY }), now: '2024-04-01T00:00:00Z' },
  { name: 'offset(-1), cron windows', mapping: offset(-1), up: cronWindows({ start: '2024-01-01', cron: '30 9 * * 1-5' }), down: cronWindows({ start: '2024-01-01', cron: '30 9 * * 1-5' }), now: '2024-04-01T00:00:00Z' },
  { name: 'timeOverlap cron → daily across DST', mapping: timeOverlap(), up: cronWindows({ start: '2024-03-01', cron: '0 */8 * * *', timezone: NY }), down: days('2024-03-01', { timezone: NY }), now: '2024-11-20T00:00:00Z' },
  { name: 'offset(-1)', mapping: offset(-1), up: days('2024-01-01'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'offset(+1)', mapping: offset(1), up: days('2024-01-01'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'offset(-1, strict), different starts', mapping: offset(-1, { strict: true }), up: days('2024-01-05'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'offset(-3), upstream starts earlier', mapping: offset(-3), up: days('2023-12-20'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'window(7)', mapping: window(7), up: days('2024-01-01'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'window(7, strict)', mapping: window(7, { strict: true }), up: days('2024-01-01'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'window(3, offset +2)', mapping: window(3, { offset: 2 }), up: days('2024-01-03'), down: days('2024-01-01'), now: '2024-03-01T00:00:00Z' },
  { name: 'rollup hour → day across DST (New York)', mapping: rollup(), up: hourly({ start: '2024-03-01', timezone: NY }), down: days('2024-03-01', { timezone: NY }), now: '2024-11-20T00:00:00Z' },
  { name: 'rollup UTC hours → New York days', mapping: rollup(), up: hourly({ start: '2024-03-01' }), down: days('2024-03-01', { timezone: NY }), now: '2024-11-20T00:00:00Z' },
  { name: 'rollup day → month', mapping: rollup(), up: days('2023-01-01'), down: monthly({ start: '2023-01' }), now: '2024-12-10T00:00:00Z' },
  { name: 'rollup day (lagged, late start) → month', mapping: rollup({ strict: true }), up: days('2024-01-15', { lagMinutes: 2880 }), down: monthly({ start: '2024-01' }), now: '2024-06-01T12:00:00Z' },
  { name: 'fanOut month → day', mapping: fanOut(), up: monthly({ start: '2024-01' }), down: days('2023-12-01'), now: '2024-06-20T00:00:00Z' },
  { name: 'fanOut month → lagged day', mapping: fanOut(), up: monthly({ start: '2024-01' }), down: days('2024-01-01', { lagMinutes: 2880 }), now: '2024-06-02T00:00:00Z' },
  { name: 'timeOverlap week → month', mapping: timeOverlap(), up: weekly({ start: '2024-01-01' }), down: monthly({ start: '2024-01' }), now: '2024-12-31T00:00:00Z' },
  { name: 'timeOverlap month → week', mapping: timeOverlap(), up: monthly({ start: '2024-01' }), down: weekly({ start: '2024-01-03', weekStartsOn: 3 }), now: '2024-12-31T00:00:00Z' },
  { name: 'timeOverlap UTC day → New York day', mapping: timeOverlap(), up: days('2024-01-01'), down: days('2024-01-01', { timezone: NY }), now: '2024-04-01T00:00:00Z' },
  { name: 'all day → month', mapping: all(), up: days('2024-01-01'), down: monthly({ start: '2024-01' }), now: '2024-04-10T00:00:00Z' },
  { name: 'all day → unpartitioned', mapping: all(), up: days('2024-01-01'), down: unpartitioned(), now: '2024-04-10T00:00:00Z' },
  { name: 'fromUnpartitioned', mapping: fromUnpartitioned(), up: unpartitioned(), down: days('2024-01-01'), now: '2024-04-10T00:00:00Z' },
  {
    name: 'staticMap',
    mapping: staticMap({ 'us-east': 'us', 'us-west': 'us', 'eu-1': ['eu', 'global'], 'eu-2': 'eu' }),
    up: staticPartitions(['us-east', 'us-west', 'eu-1', 'eu-2', 'ap-1']),
    down: staticPartitions(['global', 'us', 'eu', 'ap']),
    now: '2024-01-01T00:00:00Z',
  },
  { name: 'identity between equal multi-dimensional definitions', mapping: identity(), up: cube(), down: cube(), now: '2024-02-01T00:00:00Z' },
  { name: 'perDimension region × date × product, date: window(3)', mapping: perDimension({ date: window(3) }), up: cube(), down: cube(), now: '2024-02-01T00:00:00Z' },
  { name: 'perDimension region × date × product, date: offset(-1)', mapping: perDimension({ date: offset(-1) }), up: cube(), down: cube(), now: '2024-02-01T00:00:00Z' },
  {
    name: 'perDimension with staticMap and dynamic keys',
    mapping: perDimension({ zone: staticMap({ 'us-east': 'us', 'us-west': 'us', 'eu-1': 'eu' }) }),
    up: multiPartitions({ date: daily({ start: '2024-01-01' }), zone: staticPartitions(['us-east', 'us-west', 'eu-1']), customer: dynamicPartitions({ name: 'customers' }) }),
    down: multiPartitions({ date: daily({ start: '2024-01-05' }), zone: staticPartitions(['us', 'eu']), customer: dynamicPartitions({ name: 'accounts' }) }),
    now: '2024-01-20T00:00:00Z',
    dynamic: { customers: ['acme', 'globex', 'hooli'], accounts: ['globex', 'initech', 'acme'] },
  },
  { name: "dimension('date', rollup()) day → month × region", mapping: dimension('date', rollup()), up: days('2024-01-01'), down: monthByRegion, now: '2024-07-15T00:00:00Z' },
  { name: "dimension('date', fanOut()) month × region → day", mapping: dimension('date', fanOut()), up: monthByRegion, down: days('2024-01-01'), now: '2024-07-15T00:00:00Z' },
  { name: "dimension('date', rollup()) day × region → month", mapping: dimension('date', rollup()), up: dayByRegion, down: monthly({ start: '2024-01' }), now: '2024-07-15T00:00:00Z' },
  { name: "dimension('date', window(3)) day × region → day", mapping: dimension('date', window(3)), up: dayByRegion, down: days('2024-01-01'), now: '2024-03-15T00:00:00Z' },
  { name: "dimension('region') static → region × date", mapping: dimension('region'), up: staticPartitions(['eu', 'us', 'apac']), down: dayByRegion, now: '2024-02-15T00:00:00Z' },
];

function setup(s: Scenario): { ctx: MappingContext; upCount: number; downCount: number } {
  const partitions = at(s.now, s.dynamic);
  return { ctx: link(s.up, s.down, partitions), upCount: s.up.count(partitions), downCount: s.down.count(partitions) };
}

describe.each(SCENARIOS)('$name', (s) => {
  const { ctx, upCount, downCount } = setup(s);

  it('is valid between its definitions, and both sides have partitions', () => {
    expect(s.mapping.validate(s.up, s.down)).toBeUndefined();
    expect(upCount).toBeGreaterThan(0);
    expect(downCount).toBeGreaterThan(0);
  });

  it('every existing upstream u of downstream d maps back down to d', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: downCount - 1 }), (d) => {
        const r = s.mapping.upstreamFor(RangeSet.range(d, d + 1), ctx);
        expect(r.existing.isSubsetOf(RangeSet.range(0, upCount))).toBe(true);
        expect(r.missing.overlaps(RangeSet.range(0, upCount))).toBe(false);
        for (const u of r.existing.values()) {
          expect(s.mapping.downstreamFor(RangeSet.range(u, u + 1), ctx).has(d), `upstream ${s.up.keyAt(u, ctx.partitions)} → ${s.down.keyAt(d, ctx.partitions)}`).toBe(true);
        }
      }),
    );
  });

  it('every downstream d of upstream u reads u', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: upCount - 1 }), (u) => {
        const down = s.mapping.downstreamFor(RangeSet.range(u, u + 1), ctx);
        expect(down.isSubsetOf(RangeSet.range(0, downCount))).toBe(true);
        for (const d of down.values()) {
          expect(s.mapping.upstreamFor(RangeSet.range(d, d + 1), ctx).existing.has(u), `downstream ${s.down.keyAt(d, ctx.partitions)} ← ${s.up.keyAt(u, ctx.partitions)}`).toBe(true);
        }
      }),
    );
  });

  it('its prepared form (the planner\'s fast path) answers like upstreamFor and downstreamFor, partition by partition', () => {
    const prepared = s.mapping.prepare?.(ctx);
    const byKey = ['staticMap', 'perDimension', 'dimension'].includes(s.mapping.kind) || (s.mapping.kind === 'identity' && s.up.kind !== 'time' && JSON.stringify(s.up.toSpec()) !== JSON.stringify(s.down.toSpec()));
    expect(prepared === undefined).toBe(byKey);
    if (!prepared) return;
    const out = new Float64Array(2);
    const asSet = (): RangeSet => RangeSet.range(out[0] as number, Math.max(out[0] as number, out[1] as number));
    for (let d = 0; d < downCount; d++) {
      const r = s.mapping.upstreamFor(RangeSet.range(d, d + 1), ctx);
      const complete = prepared.upstreamOf(d, out);
      expect(complete, `downstream ${d}: missing ${r.missing.toString()} ${r.missingKeys.join(',')}`).toBe(r.missing.isEmpty() && r.missingKeys.length === 0);
      expect(asSet().toJSON(), `downstream ${d}`).toEqual(r.existing.toJSON());
    }
    for (let u = 0; u < upCount; u++) {
      prepared.downstreamOf(u, out);
      expect(asSet().toJSON(), `upstream ${u}`).toEqual(s.mapping.downstreamFor(RangeSet.range(u, u + 1), ctx).toJSON());
    }
  });

  it('a set maps to the union of what its members map to (batches plan like single partitions)', () => {
    const members = (count: number) => fc.uniqueArray(fc.integer({ min: 0, max: count - 1 }), { minLength: 0, maxLength: 6 });
    fc.assert(
      fc.property(members(downCount), members(upCount), (ds, us) => {
        const whole = s.mapping.upstreamFor(RangeSet.of(ds), ctx);
        let existing = RangeSet.EMPTY;
        let missingKeys = new Set<string>();
        for (const d of ds) {
          const r = s.mapping.upstreamFor(RangeSet.range(d, d + 1), ctx);
          existing = existing.union(r.existing);
          missingKeys = new Set([...missingKeys, ...r.missingKeys]);
        }
        expect(whole.existing.toJSON()).toEqual(existing.toJSON());
        expect(new Set(whole.missingKeys)).toEqual(missingKeys);
        let down = RangeSet.EMPTY;
        for (const u of us) down = down.union(s.mapping.downstreamFor(RangeSet.range(u, u + 1), ctx));
        expect(s.mapping.downstreamFor(RangeSet.of(us), ctx).toJSON()).toEqual(down.toJSON());
      }),
      { numRuns: 50 },
    );
  });
});
