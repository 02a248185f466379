import { describe, expect, it } from 'vitest';
import { daily, dynamicPartitions, monthly, staticPartitions, unpartitioned } from '../../../src/partitions/definitions/index.js';
import { all, fromUnpartitioned, staticMap } from '../../../src/partitions/mappings/index.js';
import { RangeSet } from '../../../src/partitions/sets/index.js';
import { at, days, downstreamKeys, link, upstreamKeys } from './helpers.js';

describe('all()', () => {
  const d = daily({ start: '2024-01-01' });
  const ctx = at('2024-01-06T00:00:00Z');

  it.each([
    { name: 'unpartitioned downstream reads every existing day', down: unpartitioned(), keys: [''] },
    { name: 'a monthly downstream reads every existing day, not just its month', down: monthly({ start: '2023-12' }), keys: ['2023-12'] },
    { name: 'a static downstream reads every existing day', down: staticPartitions(['x', 'y']), keys: ['y'] },
  ])('$name', ({ down, keys }) => {
    expect(all().validate(d, down)).toBeUndefined();
    expect(upstreamKeys(all(), d, down, keys, ctx)).toEqual({ existing: days('2024-01-01', 5), missing: [], missingKeys: [] });
  });

  it('grows with the clock', () => {
    expect(upstreamKeys(all(), d, unpartitioned(), [''], at('2024-01-03T00:00:00Z')).existing).toEqual(['2024-01-01', '2024-01-02']);
  });

  it('no downstream partitions read nothing', () => {
    const r = all().upstreamFor(RangeSet.EMPTY, link(d, unpartitioned(), ctx));
    expect([r.existing.isEmpty(), r.missing.isEmpty(), r.missingKeys]).toEqual([true, true, []]);
  });

  it('downstreamFor of any upstream partition is every downstream partition', () => {
    const down = staticPartitions(['x', 'y']);
    expect(downstreamKeys(all(), d, down, ['2024-01-02'], ctx)).toEqual(['x', 'y']);
    expect(all().downstreamFor(RangeSet.EMPTY, link(d, down, ctx)).isEmpty()).toBe(true);
  });

  it('is many-valued and lenient', () => {
    expect([all().cardinality, all().strict]).toEqual(['many', false]);
    expect(all().toSpec()).toEqual({ kind: 'all' });
  });
});

describe('fromUnpartitioned()', () => {
  const d = daily({ start: '2024-01-01' });
  const ctx = at('2024-01-06T00:00:00Z');

  it('every downstream partition reads the one upstream partition', () => {
    expect(upstreamKeys(fromUnpartitioned(), unpartitioned(), d, ['2024-01-01', '2024-01-05'], ctx)).toEqual({ existing: [''], missing: [], missingKeys: [] });
    expect(fromUnpartitioned().upstreamFor(RangeSet.EMPTY, link(unpartitioned(), d, ctx)).existing.isEmpty()).toBe(true);
    expect(downstreamKeys(fromUnpartitioned(), unpartitioned(), d, [''], ctx)).toEqual(days('2024-01-01', 5));
  });

  it('validate: the upstream must be unpartitioned', () => {
    expect(fromUnpartitioned().validate(unpartitioned(), d)).toBeUndefined();
    expect(fromUnpartitioned().validate(d, d)).toBe(`fromUnpartitioned() needs an unpartitioned upstream (upstream is ${d.describe()})`);
  });
});

describe('staticMap()', () => {
  const zones = staticPartitions(['us-east', 'us-west', 'eu-1', 'ap-1']);
  const regions = staticPartitions(['us', 'eu', 'global']);
  const mapping = staticMap({ 'us-east': 'us', 'us-west': 'us', 'eu-1': ['eu', 'global'] });
  const ctx = at('2024-01-01T00:00:00Z');

  it.each([
    { down: 'us', existing: ['us-east', 'us-west'] },
    { down: 'eu', existing: ['eu-1'] },
    { down: 'global', existing: ['eu-1'] },
  ])('$down reads $existing', ({ down, existing }) => {
    expect(mapping.validate(zones, regions)).toBeUndefined();
    expect(upstreamKeys(mapping, zones, regions, [down], ctx)).toEqual({ existing, missing: [], missingKeys: [] });
  });

  it('downstreamFor: an upstream key maps to every downstream key it is listed for; unmapped keys to nothing', () => {
    expect(downstreamKeys(mapping, zones, regions, ['eu-1'], ctx)).toEqual(['eu', 'global']);
    expect(downstreamKeys(mapping, zones, regions, ['us-west', 'eu-1'], ctx)).toEqual(['us', 'eu', 'global']);
    expect(downstreamKeys(mapping, zones, regions, ['ap-1'], ctx)).toEqual([]);
  });

  it('reports an upstream key absent from a dynamic upstream as a missing key', () => {
    const dynamicZones = dynamicPartitions({ name: 'zones' });
    const r = upstreamKeys(mapping, dynamicZones, regions, ['us'], at('2024-01-01T00:00:00Z', { zones: ['us-west'] }));
    expect(r).toEqual({ existing: ['us-west'], missing: [], missingKeys: ['us-east'] });
  });

  it('is many-valued and strict; its spec sorts the keys', () => {
    expect([mapping.cardinality, mapping.strict]).toEqual(['many', true]);
    expect(JSON.stringify(staticMap({ b: 'x', a: 'y' }).toSpec())).toBe('{"kind":"staticMap","map":{"a":"y","b":"x"}}');
  });

  it.each<{ name: string; map: Record<string, string | string[]>; error: string }>([
    { name: 'an unknown upstream key', map: { 'us-central': 'us' }, error: 'staticMap(): "us-central" is not an upstream key' },
    { name: 'two unknown upstream keys', map: { a: 'us', b: 'us' }, error: 'staticMap(): "a", "b" are not upstream keys' },
    { name: 'an unknown downstream key', map: { 'us-east': 'usa' }, error: 'staticMap(): "usa" is not a downstream key' },
    { name: 'unknown downstream keys in a list', map: { 'eu-1': ['europe', 'world'] }, error: 'staticMap(): "europe", "world" are not downstream keys' },
  ])('validate: $name', ({ map, error }) => {
    expect(staticMap(map).validate(zones, regions)).toBe(error);
  });

  it('validate: both sides must be static', () => {
    const d = daily({ start: '2024-01-01' });
    expect(mapping.validate(d, regions)).toBe(`staticMap() connects static partitions only (upstream is ${d.describe()}, downstream is ${regions.describe()})`);
    expect(mapping.validate(zones, dynamicPartitions({ name: 'r' }))).toMatch(/^staticMap\(\) connects static partitions only/);
  });
});
