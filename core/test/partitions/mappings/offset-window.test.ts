import { describe, expect, it } from 'vitest';
import { daily, monthly, weekly } from '../../../src/partitions/definitions/index.js';
import { offset, window, type PartitionMapping } from '../../../src/partitions/mappings/index.js';
import type { PartitionsDefinition } from '../../../src/partitions/types.js';
import { at, days, downstreamKeys, upstreamKeys, type UpstreamAsKeys } from './helpers.js';

const DAYS = daily({ start: '2024-01-01' });
/** Days 2024-01-01 … 2024-01-09 exist; 2024-01-10 is still open. */
const NOW = '2024-01-10T00:00:00Z';

interface Case {
  readonly name: string;
  readonly mapping: PartitionMapping;
  readonly up?: PartitionsDefinition;
  readonly down?: PartitionsDefinition;
  readonly now?: string;
  readonly keys: string[];
  readonly expected: UpstreamAsKeys;
}

const none = { missing: [], missingKeys: [] };

describe('offset()', () => {
  const cases: Case[] = [
    { name: 'offset(-1) reads the previous day', mapping: offset(-1), keys: ['2024-01-05'], expected: { existing: ['2024-01-04'], ...none } },
    { name: 'offset(-1) at the first partition: dropped, nothing missing', mapping: offset(-1), keys: ['2024-01-01'], expected: { existing: [], ...none } },
    {
      name: 'offset(-1, strict) at the first partition: the day before the start is missing',
      mapping: offset(-1, { strict: true }),
      keys: ['2024-01-01'],
      expected: { existing: [], missing: ['2023-12-31'], missingKeys: [] },
    },
    {
      name: 'offset(+1) at the last existing partition: the next day is missing (not closed yet)',
      mapping: offset(1),
      keys: ['2024-01-09'],
      expected: { existing: [], missing: ['2024-01-10'], missingKeys: [] },
    },
    { name: 'offset(+1) before the last partition', mapping: offset(1), keys: ['2024-01-08'], expected: { existing: ['2024-01-09'], ...none } },
    {
      name: 'offset(-1) with an upstream that starts earlier: crosses into the upstream past',
      mapping: offset(-1),
      up: daily({ start: '2023-12-01' }),
      keys: ['2024-01-01'],
      expected: { existing: ['2023-12-31'], ...none },
    },
    {
      name: 'offset(-1) with an upstream that starts later: dropped where it would read before the start',
      mapping: offset(-1),
      up: daily({ start: '2024-01-03' }),
      keys: ['2024-01-03', '2024-01-04'],
      expected: { existing: ['2024-01-03'], ...none },
    },
    {
      name: 'offset(+1) past the upstream end: dropped when lenient',
      mapping: offset(1),
      up: daily({ start: '2024-01-01', end: '2024-01-05' }),
      keys: ['2024-01-03', '2024-01-04'],
      expected: { existing: ['2024-01-04'], ...none },
    },
    {
      name: 'offset(+1, strict) past the upstream end: missing',
      mapping: offset(1, { strict: true }),
      up: daily({ start: '2024-01-01', end: '2024-01-05' }),
      keys: ['2024-01-04'],
      expected: { existing: [], missing: ['2024-01-05'], missingKeys: [] },
    },
    { name: 'offset(-12) over months: the same month a year before', mapping: offset(-12), up: monthly({ start: '2023-01' }), down: monthly({ start: '2023-01' }), now: '2024-04-01T00:00:00Z', keys: ['2024-03'], expected: { existing: ['2023-03'], ...none } },
    { name: 'offset(0) is the same window', mapping: offset(0), keys: ['2024-01-07'], expected: { existing: ['2024-01-07'], ...none } },
  ];

  it.each(cases)('$name', ({ mapping, up = DAYS, down = DAYS, now = NOW, keys, expected }) => {
    expect(mapping.validate(up, down)).toBeUndefined();
    expect(upstreamKeys(mapping, up, down, keys, at(now))).toEqual(expected);
  });

  it('is optional and lenient by default', () => {
    expect(offset(-1).cardinality).toBe('optional');
    expect(offset(-1).strict).toBe(false);
    expect(offset(-1, { strict: true }).strict).toBe(true);
    expect(offset(-1).describe()).toBe('the window 1 before');
    expect(offset(2).describe()).toBe('the window 2 after');
    expect(offset(-1).toSpec()).toEqual({ kind: 'offset', size: 1, offset: -1, strict: false });
  });

  it('downstreamFor is the inverse shift, clamped to existing downstream partitions', () => {
    const ctx = at(NOW);
    expect(downstreamKeys(offset(-1), DAYS, DAYS, ['2024-01-04'], ctx)).toEqual(['2024-01-05']);
    expect(downstreamKeys(offset(-1), DAYS, DAYS, ['2024-01-09'], ctx)).toEqual([]);
    expect(downstreamKeys(offset(1), DAYS, DAYS, ['2024-01-01', '2024-01-02'], ctx)).toEqual(['2024-01-01']);
  });

  it('rejects non-integer offsets', () => {
    expect(() => offset(1.5)).toThrow(RangeError);
    expect(() => offset(Number.NaN)).toThrow('offset(n) must be an integer');
  });

  it('validate: needs the same granularity', () => {
    expect(offset(-1).validate(DAYS, monthly({ start: '2024-01' }))).toBe('offset() needs the same granularity on both sides (upstream day, downstream month); use rollup() or fanOut()');
  });
});

describe('window()', () => {
  const cases: Case[] = [
    { name: 'window(7) in the middle: the last 7 days including the day itself', mapping: window(7), keys: ['2024-01-09'], expected: { existing: days('2024-01-03', 7), ...none } },
    { name: 'window(7) near the start (lenient): the days before the start are dropped', mapping: window(7), keys: ['2024-01-03'], expected: { existing: days('2024-01-01', 3), ...none } },
    {
      name: 'window(7, strict) near the start: the days before the start are missing',
      mapping: window(7, { strict: true }),
      keys: ['2024-01-03'],
      expected: { existing: days('2024-01-01', 3), missing: days('2023-12-28', 4), missingKeys: [] },
    },
    { name: 'window(3, offset -1): the 3 days before', mapping: window(3, { offset: -1 }), keys: ['2024-01-05'], expected: { existing: days('2024-01-02', 3), ...none } },
    {
      name: 'window(3, offset +1) at the last partition: the open day is missing',
      mapping: window(3, { offset: 1 }),
      keys: ['2024-01-09'],
      expected: { existing: ['2024-01-08', '2024-01-09'], missing: ['2024-01-10'], missingKeys: [] },
    },
    { name: 'window(1) is identity', mapping: window(1), keys: ['2024-01-04'], expected: { existing: ['2024-01-04'], ...none } },
    {
      name: 'two downstream days read the union of their windows',
      mapping: window(3),
      keys: ['2024-01-04', '2024-01-08'],
      expected: { existing: ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-06', '2024-01-07', '2024-01-08'], ...none },
    },
    {
      name: 'window(2) over weeks',
      mapping: window(2),
      up: weekly({ start: '2024-01-01' }),
      down: weekly({ start: '2024-01-01' }),
      now: '2024-02-05T00:00:00Z',
      keys: ['2024-01-22'],
      expected: { existing: ['2024-01-15', '2024-01-22'], ...none },
    },
  ];

  it.each(cases)('$name', ({ mapping, up = DAYS, down = DAYS, now = NOW, keys, expected }) => {
    expect(mapping.validate(up, down)).toBeUndefined();
    expect(upstreamKeys(mapping, up, down, keys, at(now))).toEqual(expected);
  });

  it('is many-valued and lenient by default', () => {
    expect(window(7).cardinality).toBe('many');
    expect(window(7).strict).toBe(false);
    expect(window(7, { strict: true }).strict).toBe(true);
    expect(window(7).describe()).toBe('a rolling window of 7');
    expect(window(3, { offset: -1 }).describe()).toBe('a rolling window of 3 ending 1 before');
  });

  it('downstreamFor: every day whose window contains the upstream day, clamped to existing days', () => {
    const ctx = at('2024-01-08T00:00:00Z'); // days 01-01 … 01-07 exist
    expect(downstreamKeys(window(7), DAYS, DAYS, ['2024-01-03'], ctx)).toEqual(days('2024-01-03', 5));
    expect(downstreamKeys(window(3), DAYS, DAYS, ['2024-01-01'], ctx)).toEqual(days('2024-01-01', 3));
    expect(downstreamKeys(window(3, { offset: -1 }), DAYS, DAYS, ['2024-01-01'], ctx)).toEqual(days('2024-01-02', 3));
  });

  it('rejects sizes below 1 and non-integer offsets', () => {
    expect(() => window(0)).toThrow('window(size) must be an integer ≥ 1, got 0');
    expect(() => window(2.5)).toThrow(RangeError);
    expect(() => window(3, { offset: 0.5 })).toThrow('window offset must be an integer');
  });
});
