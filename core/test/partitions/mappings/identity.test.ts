import { describe, expect, it } from 'vitest';
import { daily, dynamicPartitions, hourly, monthly, multiPartitions, staticPartitions, unpartitioned } from '../../../src/partitions/definitions/index.js';
import { identity } from '../../../src/partitions/mappings/index.js';
import { RangeSet } from '../../../src/partitions/sets/index.js';
import type { PartitionsDefinition } from '../../../src/partitions/types.js';
import { at, downstreamKeys, link, upstreamKeys, type UpstreamAsKeys } from './helpers.js';

describe('identity() between time windows', () => {
  const cases: Array<{ name: string; up: PartitionsDefinition; down: PartitionsDefinition; now: string; strict?: boolean; keys: string[]; expected: UpstreamAsKeys }> = [
    {
      name: 'same start: the same day',
      up: daily({ start: '2024-01-01' }),
      down: daily({ start: '2024-01-01' }),
      now: '2024-01-10T00:00:00Z',
      keys: ['2024-01-01', '2024-01-09'],
      expected: { existing: ['2024-01-01', '2024-01-09'], missing: [], missingKeys: [] },
    },
    {
      name: 'upstream starts earlier: indices shift, keys match',
      up: daily({ start: '2023-12-01' }),
      down: daily({ start: '2024-01-01' }),
      now: '2024-01-10T00:00:00Z',
      keys: ['2024-01-01', '2024-01-05'],
      expected: { existing: ['2024-01-01', '2024-01-05'], missing: [], missingKeys: [] },
    },
    {
      name: 'upstream starts later: the days before its start are missing (strict by default)',
      up: daily({ start: '2024-01-03' }),
      down: daily({ start: '2024-01-01' }),
      now: '2024-01-10T00:00:00Z',
      keys: ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'],
      expected: { existing: ['2024-01-03', '2024-01-04'], missing: ['2024-01-01', '2024-01-02'], missingKeys: [] },
    },
    {
      name: 'upstream starts later, strict: false: the days before its start are dropped',
      up: daily({ start: '2024-01-03' }),
      down: daily({ start: '2024-01-01' }),
      now: '2024-01-10T00:00:00Z',
      strict: false,
      keys: ['2024-01-01', '2024-01-02', '2024-01-03'],
      expected: { existing: ['2024-01-03'], missing: [], missingKeys: [] },
    },
    {
      name: 'upstream with a lag: its window has not become a partition yet',
      up: daily({ start: '2024-01-01', lagMinutes: 120 }),
      down: daily({ start: '2024-01-01' }),
      now: '2024-01-10T01:00:00Z',
      keys: ['2024-01-08', '2024-01-09'],
      expected: { existing: ['2024-01-08'], missing: ['2024-01-09'], missingKeys: [] },
    },
    {
      name: 'upstream ends: a window after its end is missing when strict',
      up: daily({ start: '2024-01-01', end: '2024-01-05' }),
      down: daily({ start: '2024-01-01' }),
      now: '2024-01-10T00:00:00Z',
      keys: ['2024-01-04', '2024-01-05', '2024-01-06'],
      expected: { existing: ['2024-01-04'], missing: ['2024-01-05', '2024-01-06'], missingKeys: [] },
    },
    {
      name: 'hourly windows with different starts',
      up: hourly({ start: '2024-01-01T06:00' }),
      down: hourly({ start: '2024-01-01' }),
      now: '2024-01-01T12:00:00Z',
      keys: ['2024-01-01T05:00', '2024-01-01T06:00', '2024-01-01T11:00'],
      expected: { existing: ['2024-01-01T06:00', '2024-01-01T11:00'], missing: ['2024-01-01T05:00'], missingKeys: [] },
    },
    {
      name: 'monthly windows in the same time zone',
      up: monthly({ start: '2023-06', timezone: 'Europe/Berlin' }),
      down: monthly({ start: '2024-01', timezone: 'Europe/Berlin' }),
      now: '2024-05-01T00:00:00Z',
      keys: ['2024-01', '2024-03'],
      expected: { existing: ['2024-01', '2024-03'], missing: [], missingKeys: [] },
    },
  ];

  it.each(cases)('$name', ({ up, down, now, strict, keys, expected }) => {
    const mapping = strict === undefined ? identity() : identity({ strict });
    expect(mapping.validate(up, down)).toBeUndefined();
    expect(upstreamKeys(mapping, up, down, keys, at(now))).toEqual(expected);
  });

  it('is strict and one-to-one by default', () => {
    expect(identity().strict).toBe(true);
    expect(identity().cardinality).toBe('one');
    expect(identity({ strict: false }).strict).toBe(false);
    expect(identity().toSpec()).toEqual({ kind: 'identity', strict: true });
  });

  it('downstreamFor maps a window to the same window, dropping downstream windows that do not exist', () => {
    const up = daily({ start: '2023-12-01' });
    const down = daily({ start: '2024-01-01' });
    const ctx = at('2024-01-10T00:00:00Z');
    expect(downstreamKeys(identity(), up, down, ['2024-01-03', '2024-01-04'], ctx)).toEqual(['2024-01-03', '2024-01-04']);
    expect(downstreamKeys(identity(), up, down, ['2023-12-31'], ctx)).toEqual([]);
  });

  it('maps nothing to nothing', () => {
    const up = daily({ start: '2024-01-03' });
    const down = daily({ start: '2024-01-01' });
    const r = identity().upstreamFor(RangeSet.EMPTY, link(up, down, at('2024-01-10T00:00:00Z')));
    expect(r.existing.isEmpty() && r.missing.isEmpty() && r.missingKeys.length === 0).toBe(true);
    expect(identity().downstreamFor(RangeSet.EMPTY, link(up, down, at('2024-01-10T00:00:00Z'))).isEmpty()).toBe(true);
  });
});

describe('identity() between keyed partitions', () => {
  const regions = staticPartitions(['us', 'eu', 'apac']);
  const ctx = at('2024-01-01T00:00:00Z', { customers: ['acme', 'globex'], accounts: ['globex', 'initech', 'acme'], regions: ['eu', 'mars'] });
  const customers = dynamicPartitions({ name: 'customers' });
  const accounts = dynamicPartitions({ name: 'accounts' });

  const cases: Array<{ name: string; up: PartitionsDefinition; down: PartitionsDefinition; keys: string[]; expected: UpstreamAsKeys }> = [
    { name: 'the same static definition', up: regions, down: staticPartitions(['us', 'eu', 'apac']), keys: ['eu', 'apac'], expected: { existing: ['eu', 'apac'], missing: [], missingKeys: [] } },
    {
      name: 'static keys in another order (by key, not by index)',
      up: regions,
      down: staticPartitions(['apac', 'us']),
      keys: ['apac', 'us'],
      expected: { existing: ['us', 'apac'], missing: [], missingKeys: [] },
    },
    {
      name: 'dynamic → dynamic: a key absent upstream is a missing key',
      up: customers,
      down: accounts,
      keys: ['globex', 'initech', 'acme'],
      expected: { existing: ['acme', 'globex'], missing: [], missingKeys: ['initech'] },
    },
    { name: 'dynamic → the same dynamic set', up: customers, down: dynamicPartitions({ name: 'customers' }), keys: ['globex'], expected: { existing: ['globex'], missing: [], missingKeys: [] } },
    {
      name: 'static → dynamic: a dynamic key that is not a static key is missing',
      up: regions,
      down: dynamicPartitions({ name: 'regions' }),
      keys: ['eu', 'mars'],
      expected: { existing: ['eu'], missing: [], missingKeys: ['mars'] },
    },
    {
      name: 'dynamic → static: a static key not added upstream yet is missing',
      up: customers,
      down: staticPartitions(['acme', 'initech']),
      keys: ['acme', 'initech'],
      expected: { existing: ['acme'], missing: [], missingKeys: ['initech'] },
    },
  ];

  it.each(cases)('$name', ({ up, down, keys, expected }) => {
    expect(identity().validate(up, down)).toBeUndefined();
    expect(upstreamKeys(identity(), up, down, keys, ctx)).toEqual(expected);
  });

  it('equal multi-dimensional definitions: the partition with the same key', () => {
    const make = () => multiPartitions({ date: daily({ start: '2024-01-01' }), region: regions });
    const c = at('2024-01-03T00:00:00Z');
    expect(identity().validate(make(), make())).toBeUndefined();
    expect(upstreamKeys(identity(), make(), make(), ['date=2024-01-02|region=eu'], c)).toEqual({ existing: ['date=2024-01-02|region=eu'], missing: [], missingKeys: [] });
    expect(identity().validate(make(), multiPartitions({ date: daily({ start: '2024-01-02' }), region: regions }))).toBe(
      'identity() between different multi-dimensional definitions: use perDimension({ … }) to map each dimension',
    );
  });

  it('downstreamFor goes by key too, skipping keys the downstream does not have', () => {
    expect(downstreamKeys(identity(), customers, accounts, ['acme', 'globex'], ctx)).toEqual(['globex', 'acme']);
    expect(downstreamKeys(identity(), regions, staticPartitions(['apac', 'us']), ['us', 'eu'], ctx)).toEqual(['us']);
  });

  it('validate: static downstream keys must all be upstream keys', () => {
    expect(identity().validate(regions, staticPartitions(['us', 'mars']))).toBe('identity(): downstream keys "mars" are not upstream keys');
    const many = staticPartitions(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(identity().validate(regions, many)).toBe('identity(): downstream keys "a", "b", "c", "d", "e" and 2 more are not upstream keys');
  });

  it('validate: unrelated kinds cannot be connected', () => {
    const d = daily({ start: '2024-01-01' });
    expect(identity().validate(regions, d)).toBe(`identity() connects time-window partitions only (upstream is ${regions.describe()}, downstream is ${d.describe()})`);
    expect(identity().validate(regions, unpartitioned())).toBe(`identity() cannot connect ${regions.describe()} to unpartitioned`);
    expect(identity().validate(unpartitioned(), unpartitioned())).toBeUndefined();
  });
});
