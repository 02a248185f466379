import { describe, expect, it } from 'vitest';
import { daily, dynamicPartitions, monthly, multiPartitions, staticPartitions } from '../../../src/partitions/definitions/index.js';
import { dimension, fanOut, identity, perDimension, rollup, staticMap, window } from '../../../src/partitions/mappings/index.js';
import { at, days, downstreamKeys, upstreamKeys } from './helpers.js';

/** `date=…|product=…|region=…` keys of the product of the given values (dimension names sorted). */
function cube(dates: readonly string[], products: readonly string[], regions: readonly string[]): string[] {
  return dates.flatMap((date) => products.flatMap((product) => regions.map((region) => `date=${date}|product=${product}|region=${region}`)));
}

describe('perDimension() over region × date × product', () => {
  const make = () => multiPartitions({ region: staticPartitions(['eu', 'us']), date: daily({ start: '2024-01-01' }), product: staticPartitions(['a', 'b', 'c']) });
  const up = make();
  const down = make();
  const ctx = at('2024-01-08T00:00:00Z'); // days 01-01 … 01-07
  const rolling = perDimension({ date: window(3) });

  it('validates and is many-valued; unnamed dimensions use identity', () => {
    expect(rolling.validate(up, down)).toBeUndefined();
    expect(rolling.cardinality).toBe('many');
    expect(rolling.strict).toBe(false);
    expect(rolling.describe()).toBe('per dimension: date: a rolling window of 3');
  });

  it.each([
    { name: 'a day in the middle reads 3 days of the same region and product', keys: cube(['2024-01-05'], ['b'], ['us']), existing: cube(days('2024-01-03', 3), ['b'], ['us']) },
    { name: 'near the start the days before it are dropped (lenient)', keys: cube(['2024-01-01'], ['b'], ['us']), existing: cube(['2024-01-01'], ['b'], ['us']) },
    {
      name: 'a box of downstream partitions reads the box of their windows',
      keys: cube(['2024-01-04', '2024-01-05'], ['a', 'c'], ['eu']),
      existing: cube(days('2024-01-02', 4), ['a', 'c'], ['eu']),
    },
    {
      name: 'two unrelated downstream partitions read two separate windows',
      keys: [...cube(['2024-01-03'], ['a'], ['eu']), ...cube(['2024-01-07'], ['c'], ['us'])],
      existing: [...cube(days('2024-01-01', 3), ['a'], ['eu']), ...cube(days('2024-01-05', 3), ['c'], ['us'])],
    },
  ])('$name', ({ keys, existing }) => {
    const r = upstreamKeys(rolling, up, down, keys, ctx);
    expect(new Set(r.existing)).toEqual(new Set(existing));
    expect(r.existing).toHaveLength(existing.length);
    expect(r.missing).toEqual([]);
    expect(r.missingKeys).toEqual([]);
  });

  it('a strict window near the start reports the days before it as missing keys of the date dimension', () => {
    const r = upstreamKeys(perDimension({ date: window(3, { strict: true }) }), up, down, cube(['2024-01-01'], ['b'], ['us']), ctx);
    expect(r.existing).toEqual(cube(['2024-01-01'], ['b'], ['us']));
    expect(r.missingKeys).toEqual(['date=2023-12-30', 'date=2023-12-31']);
  });

  it('downstreamFor: the partitions whose window contains the upstream day, same region and product, clamped to existing days', () => {
    expect(downstreamKeys(rolling, up, down, cube(['2024-01-03'], ['a'], ['eu']), ctx)).toEqual(cube(days('2024-01-03', 3), ['a'], ['eu']));
    expect(downstreamKeys(rolling, up, down, cube(['2024-01-06'], ['c'], ['us']), ctx)).toEqual(cube(['2024-01-06', '2024-01-07'], ['c'], ['us']));
  });

  it('maps keyed dimensions through their own mappings (staticMap for regions, identity by key for dynamic customers)', () => {
    const upstream = multiPartitions({ date: daily({ start: '2024-01-01' }), zone: staticPartitions(['us-east', 'us-west', 'eu-1']), customer: dynamicPartitions({ name: 'customers' }) });
    const downstream = multiPartitions({ date: daily({ start: '2024-01-01' }), zone: staticPartitions(['us', 'eu']), customer: dynamicPartitions({ name: 'accounts' }) });
    const mapping = perDimension({ zone: staticMap({ 'us-east': 'us', 'us-west': 'us', 'eu-1': 'eu' }), customer: identity() });
    expect(mapping.validate(upstream, downstream)).toBeUndefined();
    const c = at('2024-01-03T00:00:00Z', { customers: ['acme', 'globex'], accounts: ['globex', 'initech'] });
    expect(upstreamKeys(mapping, upstream, downstream, ['customer=globex|date=2024-01-02|zone=us'], c)).toEqual({
      existing: ['customer=globex|date=2024-01-02|zone=us-east', 'customer=globex|date=2024-01-02|zone=us-west'],
      missing: [],
      missingKeys: [],
    });
    const r = upstreamKeys(mapping, upstream, downstream, ['customer=initech|date=2024-01-02|zone=eu'], c);
    expect(r).toEqual({ existing: [], missing: [], missingKeys: ['customer=initech'] });
  });

  it.each([
    {
      name: 'different dimensions',
      up: () => multiPartitions({ region: staticPartitions(['eu', 'us']), date: daily({ start: '2024-01-01' }) }),
      mapping: perDimension({}),
      error: 'perDimension() needs the same dimensions on both sides (upstream: date, region; downstream: date, product, region)',
    },
    { name: 'a mapping for an unknown dimension', up: make, mapping: perDimension({ day: window(3) }), error: 'perDimension(): no dimension named "day" (dimensions: date, product, region)' },
    { name: 'a dimension mapping that does not fit', up: make, mapping: perDimension({ date: rollup() }), error: 'dimension date: rollup() needs a finer upstream (upstream day, downstream day)' },
  ])('validate: $name', ({ up: upstream, mapping, error }) => {
    expect(mapping.validate(upstream(), down)).toBe(error);
  });

  it('validate: a one-dimensional upstream', () => {
    const single = daily({ start: '2024-01-01' });
    expect(perDimension({}).validate(single, down)).toBe(`perDimension() connects multi-dimensional partitions (upstream is ${single.describe()}, downstream is ${down.describe()})`);
  });
});

describe("dimension('date', …) between one-dimensional and multi-dimensional definitions", () => {
  const dailyDef = daily({ start: '2024-01-01' });
  const monthByRegion = multiPartitions({ date: monthly({ start: '2024-01' }), region: staticPartitions(['eu', 'us']) });
  const ctx = at('2024-03-02T00:00:00Z'); // days 01-01 … 03-01, months 2024-01 and 2024-02

  describe('daily asset → (date monthly × region) with rollup()', () => {
    const mapping = dimension('date', rollup());

    it('validates', () => {
      expect(mapping.validate(dailyDef, monthByRegion)).toBeUndefined();
      expect(mapping.describe()).toBe('dimension date: all upstream windows inside the window (rollup)');
    });

    it('one region of February reads every day of February', () => {
      expect(upstreamKeys(mapping, dailyDef, monthByRegion, ['date=2024-02|region=us'], ctx)).toEqual({ existing: days('2024-02-01', 29), missing: [], missingKeys: [] });
    });

    it('both regions of January and February read the days of both months once', () => {
      const keys = ['date=2024-01|region=eu', 'date=2024-01|region=us', 'date=2024-02|region=eu', 'date=2024-02|region=us'];
      expect(upstreamKeys(mapping, dailyDef, monthByRegion, keys, ctx).existing).toEqual(days('2024-01-01', 60));
    });

    it('downstreamFor of a day is its month in every region', () => {
      expect(downstreamKeys(mapping, dailyDef, monthByRegion, ['2024-02-10'], ctx)).toEqual(['date=2024-02|region=eu', 'date=2024-02|region=us']);
      expect(downstreamKeys(mapping, dailyDef, monthByRegion, ['2024-01-31', '2024-02-01'], ctx)).toEqual(['date=2024-01|region=eu', 'date=2024-01|region=us', 'date=2024-02|region=eu', 'date=2024-02|region=us']);
      // March has not closed: a March day maps to no existing partition.
      expect(downstreamKeys(mapping, dailyDef, monthByRegion, ['2024-03-01'], ctx)).toEqual([]);
    });
  });

  describe('and back: (date monthly × region) → daily asset with fanOut()', () => {
    const mapping = dimension('date', fanOut());

    it('validates and is strict like its inner mapping', () => {
      expect(mapping.validate(monthByRegion, dailyDef)).toBeUndefined();
      expect(mapping.strict).toBe(true);
    });

    it('a day reads its month in every region', () => {
      expect(upstreamKeys(mapping, monthByRegion, dailyDef, ['2024-02-10'], ctx)).toEqual({ existing: ['date=2024-02|region=eu', 'date=2024-02|region=us'], missing: [], missingKeys: [] });
    });

    it('a day of a month that has not closed: the month is a missing key', () => {
      expect(upstreamKeys(mapping, monthByRegion, dailyDef, ['2024-03-01'], ctx)).toEqual({ existing: [], missing: [], missingKeys: ['date=2024-03'] });
    });

    it('downstreamFor of one region-month is the days of that month', () => {
      expect(downstreamKeys(mapping, monthByRegion, dailyDef, ['date=2024-01|region=eu'], ctx)).toEqual(days('2024-01-01', 31));
    });

    it('the default inner mapping is the default between the dimension and the other side', () => {
      expect(upstreamKeys(dimension('date'), monthByRegion, dailyDef, ['2024-01-15'], ctx).existing).toEqual(['date=2024-01|region=eu', 'date=2024-01|region=us']);
    });
  });

  it('(date daily × region) → monthly with rollup(): a month reads every region of every day in it', () => {
    const dayByRegion = multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu', 'us']) });
    const months = monthly({ start: '2024-01' });
    const r = upstreamKeys(dimension('date', rollup()), dayByRegion, months, ['2024-02'], ctx);
    expect(r.existing).toHaveLength(58);
    expect(r.existing.slice(0, 3)).toEqual(['date=2024-02-01|region=eu', 'date=2024-02-01|region=us', 'date=2024-02-02|region=eu']);
    expect(downstreamKeys(dimension('date', rollup()), dayByRegion, months, ['date=2024-02-29|region=us'], ctx)).toEqual(['2024-02']);
  });

  it.each([
    { name: 'an unknown dimension', mapping: dimension('day', rollup()), up: dailyDef, down: monthByRegion, error: 'dimension("day"): no such dimension (dimensions: date, region)' },
    { name: 'an inner mapping that does not fit', mapping: dimension('date', rollup()), up: monthByRegion, down: dailyDef, error: 'dimension date: rollup() needs a finer upstream (upstream month, downstream day)' },
    {
      name: 'two one-dimensional sides',
      mapping: dimension('date'),
      up: dailyDef,
      down: dailyDef,
      error: `dimension("date") connects a one-dimensional definition to a multi-dimensional one (upstream is ${dailyDef.describe()}, downstream is ${dailyDef.describe()})`,
    },
  ])('validate: $name', ({ mapping, up, down, error }) => {
    expect(mapping.validate(up, down)).toBe(error);
  });
});
