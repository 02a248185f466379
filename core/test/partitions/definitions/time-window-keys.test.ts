import { describe, expect, it } from 'vitest';
import { cronWindows, daily, hourly, minutely, monthly, weekly, yearly } from '../../../src/partitions/definitions/index.js';
import type { TimeWindowPartitions } from '../../../src/partitions/types.js';

const definitions: Record<string, TimeWindowPartitions> = {
  minuteUtc: minutely({ start: '2024-01-01' }),
  hourUtc: hourly({ start: '2024-01-01' }),
  hourNy: hourly({ start: '2024-01-01', timezone: 'America/New_York' }),
  day: daily({ start: '2024-01-01' }),
  week: weekly({ start: '2024-01-01' }),
  month: monthly({ start: '2024-01' }),
  year: yearly({ start: '2024' }),
  cronNy: cronWindows({ start: '2024-01-01', cron: '0 6 * * *', timezone: 'America/New_York' }),
};

describe('well-formed keys', () => {
  it.each([
    { definition: 'minuteUtc', key: '2024-01-01T00:07', index: 7 },
    { definition: 'hourUtc', key: '2024-01-02T03:00', index: 27 },
    { definition: 'hourNy', key: '2024-01-01T01:00-05:00', index: 1 },
    { definition: 'hourNy', key: '2024-07-01T00:00-04:00', index: 182 * 24 - 1 },
    { definition: 'day', key: '2024-12-31', index: 365 },
    { definition: 'week', key: '2023-12-25', index: -1 },
    { definition: 'month', key: '2025-01', index: 12 },
    { definition: 'year', key: '2000', index: -24 },
    { definition: 'cronNy', key: '2024-01-02T06:00-05:00', index: 1 },
  ])('$definition parses $key as $index', ({ definition, key, index }) => {
    const d = definitions[definition] as TimeWindowPartitions;
    expect(d.parseKey(key)).toBe(index);
    expect(d.checkKey(key)).toBeUndefined();
    expect(d.formatKey(index)).toBe(key);
  });
});

describe('malformed keys', () => {
  it.each([
    { definition: 'day', key: '2024-1-1', problem: /does not match the format; expected YYYY-MM-DD, e.g. "2024-01-01"/ },
    { definition: 'day', key: '2024-02-30', problem: /2024-02-30 is not a date \(February 2024 has 29 days\)/ },
    { definition: 'day', key: '2024-13-01', problem: /month 13 does not exist/ },
    { definition: 'day', key: '2024-01-01 ', problem: /does not match the format/ },
    { definition: 'day', key: '2024-01-01T00:00', problem: /does not match the format/ },
    { definition: 'day', key: '', problem: /does not match the format/ },
    { definition: 'day', key: '２０２４-01-01', problem: /does not match the format/ },
    { definition: 'week', key: '2024-01-03', problem: /not the start of a window; the window containing it is "2024-01-01"/ },
    { definition: 'month', key: '2024-01-01', problem: /expected YYYY-MM, e.g. "2024-01"/ },
    { definition: 'month', key: '2024-00', problem: /month 00 does not exist/ },
    { definition: 'year', key: '24', problem: /expected YYYY, e.g. "2024"/ },
    { definition: 'minuteUtc', key: '2024-01-01T00:07Z', problem: /does not match the format; expected YYYY-MM-DDTHH:mm,/ },
    { definition: 'minuteUtc', key: '2024-01-01T00:07+00:00', problem: /keys in UTC carry no UTC offset/ },
    { definition: 'minuteUtc', key: '2024-01-01T00:07:00', problem: /does not match the format/ },
    { definition: 'hourUtc', key: '2024-01-01T24:00', problem: /24:00 is not a time of day/ },
    { definition: 'hourUtc', key: '2024-01-01T01:30', problem: /not the start of a window; the window containing it is "2024-01-01T01:00"/ },
    { definition: 'hourNy', key: '2024-01-01T01:00', problem: /UTC offset is missing .*expected YYYY-MM-DDTHH:00±HH:mm, e.g. "2024-01-01T00:00-05:00"/ },
    { definition: 'hourNy', key: '2024-01-01T01:00-04:00', problem: /wrong UTC offset -04:00: 2024-01-01T01:00 in America\/New_York is at -05:00/ },
    { definition: 'hourNy', key: '2024-01-01T01:00-0500', problem: /does not match the format/ },
    { definition: 'hourNy', key: '2024-01-01T01:00-05:60', problem: /-05:60 is not a UTC offset/ },
    { definition: 'hourNy', key: '2024-03-10T02:00-05:00', problem: /2024-03-10T02:00 does not exist in America\/New_York/ },
    { definition: 'cronNy', key: '2024-01-02T07:00-05:00', problem: /the window containing it is "2024-01-02T06:00-05:00"/ },
  ])('$definition rejects $key', ({ definition, key, problem }) => {
    const d = definitions[definition] as TimeWindowPartitions;
    expect(d.parseKey(key)).toBeUndefined();
    expect(d.indexOf(key, { now: Date.parse('2030-01-01T00:00:00Z'), dynamicKeys: () => [] })).toBeUndefined();
    const message = d.checkKey(key);
    expect(message).toContain(JSON.stringify(key));
    expect(message).toMatch(problem);
  });

  it('accepts only the canonical spelling of an offset', () => {
    const london = hourly({ start: '2024-01-01', timezone: 'Europe/London' });
    expect(london.parseKey('2024-01-01T05:00+00:00')).toBe(5);
    expect(london.parseKey('2024-01-01T05:00-00:00')).toBeUndefined();
    expect(london.checkKey('2024-01-01T05:00-00:00')).toMatch(/canonical form of this key is "2024-01-01T05:00\+00:00"/);
  });

  it('rejects indices that are not integers', () => {
    const days = definitions.day as TimeWindowPartitions;
    expect(() => days.windowAt(1.5)).toThrow(RangeError);
    expect(() => days.formatKey(Number.NaN)).toThrow(RangeError);
    expect(() => days.indexAtInstant(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => days.formatKey(10_000_000)).toThrow(/years 0000–9999/);
  });
});
