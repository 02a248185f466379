import { describe, expect, it } from 'vitest';
import { daily, hourly, minutely, monthly, weekly, yearly } from '../../../src/partitions/definitions/index.js';
import type { TimeWindowPartitions } from '../../../src/partitions/types.js';
import { HOUR, at, iso, ms } from './context.js';

const DAY = 24 * HOUR;

describe('count at exact boundaries', () => {
  // `closes` is when window `count - 1` closes: at that instant `count` windows exist, 1 ms before `count - 1`.
  it.each<{ name: string; definition: TimeWindowPartitions; closes: string; count: number; last: string }>([
    { name: 'minutely', definition: minutely({ start: '2024-01-01' }), closes: '2024-01-01T00:03:00Z', count: 3, last: '2024-01-01T00:02' },
    { name: 'hourly', definition: hourly({ start: '2024-01-01' }), closes: '2024-01-01T05:00:00Z', count: 5, last: '2024-01-01T04:00' },
    { name: 'daily', definition: daily({ start: '2024-01-01' }), closes: '2024-01-08T00:00:00Z', count: 7, last: '2024-01-07' },
    { name: 'weekly', definition: weekly({ start: '2024-01-01' }), closes: '2024-01-15T00:00:00Z', count: 2, last: '2024-01-08' },
    { name: 'monthly', definition: monthly({ start: '2024-01' }), closes: '2024-03-01T00:00:00Z', count: 2, last: '2024-02' },
    { name: 'yearly', definition: yearly({ start: '2020' }), closes: '2024-01-01T00:00:00Z', count: 4, last: '2023' },
    { name: 'daily, New York', definition: daily({ start: '2024-01-01', timezone: 'America/New_York' }), closes: '2024-01-03T05:00:00Z', count: 2, last: '2024-01-02' },
    { name: 'daily, lag 90 min', definition: daily({ start: '2024-01-01', lagMinutes: 90 }), closes: '2024-01-03T01:30:00Z', count: 2, last: '2024-01-02' },
    { name: 'hourly, lag 15 min', definition: hourly({ start: '2024-01-01', lagMinutes: 15 }), closes: '2024-01-01T01:15:00Z', count: 1, last: '2024-01-01T00:00' },
  ])('$name', ({ definition, closes, count, last }) => {
    expect(definition.count(at(closes))).toBe(count);
    expect(definition.count(at(ms(closes) - 1))).toBe(count - 1);
    expect(definition.keyAt(count - 1, at(closes))).toBe(last);
    expect(definition.indexOf(last, at(closes))).toBe(count - 1);
    expect(definition.indexOf(last, at(ms(closes) - 1))).toBeUndefined();
    expect(() => definition.keyAt(count, at(closes))).toThrow(RangeError);
  });

  it('counts nothing before the start, and never a negative number', () => {
    const days = daily({ start: '2024-01-01' });
    expect(days.count(at('2023-06-01T00:00:00Z'))).toBe(0);
    expect(days.count(at('2024-01-01T12:00:00Z'))).toBe(0);
    expect(() => days.keyAt(0, at('2024-01-01T12:00:00Z'))).toThrow(RangeError);
    expect(days.indexOf('2023-12-31', at('2025-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('counts hourly windows over ten years arithmetically', () => {
    const hours = hourly({ start: '2015-01-01', timezone: 'Europe/Berlin' });
    const ctx = at('2024-12-31T23:00:00Z'); // midnight in Berlin
    const count = hours.count(ctx);
    expect(count).toBe((ms('2024-12-31T23:00:00Z') - ms('2014-12-31T23:00:00Z')) / HOUR);
    expect(hours.keyAt(count - 1, ctx)).toBe('2024-12-31T23:00+01:00');
    expect(hours.indexOf('2024-12-31T23:00+01:00', ctx)).toBe(count - 1);
  });

  it('counts billions of minute windows without iterating', () => {
    const minutes = minutely({ start: '1970-01-01' });
    const ctx = at('9999-01-01T00:00:00Z');
    const count = minutes.count(ctx);
    expect(count).toBe(ms('9999-01-01T00:00:00Z') / 60_000);
    expect(minutes.keyAt(count - 1, ctx)).toBe('9998-12-31T23:59');
  });
});

describe('end', () => {
  it('stops windows at an exclusive end', () => {
    const days = daily({ start: '2024-01-01', end: '2024-01-05' });
    expect(days.count(at('2030-01-01T00:00:00Z'))).toBe(4);
    expect(days.count(at('2024-01-04T00:00:00Z'))).toBe(3);
    expect(days.indexOf('2024-01-04', at('2030-01-01T00:00:00Z'))).toBe(3);
    expect(days.indexOf('2024-01-05', at('2030-01-01T00:00:00Z'))).toBeUndefined();
    expect(days.endMs).toBe(ms('2024-01-05T00:00:00Z'));
    expect(days.describe()).toBe('daily from 2024-01-01 until 2024-01-05 (UTC)');
  });

  it('keeps a window that starts before an unaligned end, once it has closed', () => {
    const days = daily({ start: '2024-01-01', end: '2024-01-05T12:00' });
    expect(days.count(at('2024-01-05T23:59:59.999Z'))).toBe(4);
    expect(days.count(at('2024-01-06T00:00:00Z'))).toBe(5);
    expect(days.count(at('2030-01-01T00:00:00Z'))).toBe(5);
  });

  it('reads the end in the time zone', () => {
    const months = monthly({ start: '2024-01', end: '2024-04', timezone: 'America/New_York' });
    expect(months.endMs).toBe(ms('2024-04-01T04:00:00Z'));
    expect(months.count(at('2030-01-01T00:00:00Z'))).toBe(3);
  });
});

describe('calendar edges', () => {
  it('has 2024-02-29 but not 2023-02-29', () => {
    const days = daily({ start: '2023-01-01' });
    expect(days.parseKey('2024-02-29')).toBe(424);
    expect(days.parseKey('2023-02-29')).toBeUndefined();
    expect(days.checkKey('2023-02-29')).toMatch(/2023-02-29 is not a date \(February 2023 has 28 days\)/);
    expect(() => daily({ start: '2023-02-29' })).toThrow(/February 2023 has 28 days/);
    expect(daily({ start: '2024-02-29' }).formatKey(1)).toBe('2024-03-01');
  });

  it('rolls over month ends', () => {
    const days = daily({ start: '2024-01-30' });
    expect([0, 1, 2, 3].map((i) => days.formatKey(i))).toEqual(['2024-01-30', '2024-01-31', '2024-02-01', '2024-02-02']);
    const months = monthly({ start: '2024-01' });
    expect([0, 1, 2, -1, -12].map((i) => months.formatKey(i))).toEqual(['2024-01', '2024-02', '2024-03', '2023-12', '2023-01']);
    expect([0, 1, 2, 3].map((i) => (months.windowAt(i).end - months.windowAt(i).start) / DAY)).toEqual([31, 29, 31, 30]);
    expect(months.indexAtInstant(ms('2024-02-29T23:59:59.999Z'))).toBe(1);
  });

  it('lays months out in local time', () => {
    const months = monthly({ start: '2024-01', timezone: 'America/New_York' });
    expect(iso(months.windowAt(2))).toEqual({ start: '2024-03-01T05:00:00.000Z', end: '2024-04-01T04:00:00.000Z' });
  });

  it.each([
    { weekStartsOn: 1, start: '2024-01-01', keys: ['2024-01-01', '2024-01-08', '2023-12-25'], other: '2024-01-07' },
    { weekStartsOn: 7, start: '2024-01-07', keys: ['2024-01-07', '2024-01-14', '2023-12-31'], other: '2024-01-08' },
    { weekStartsOn: 3, start: '2024-01-03', keys: ['2024-01-03', '2024-01-10', '2023-12-27'], other: '2024-01-01' },
  ] as const)('weeks starting on day $weekStartsOn', ({ weekStartsOn, start, keys, other }) => {
    const weeks = weekly({ start, weekStartsOn });
    expect([0, 1, -1].map((i) => weeks.formatKey(i))).toEqual(keys);
    expect(weeks.parseKey(keys[1])).toBe(1);
    expect(weeks.parseKey(other)).toBeUndefined();
    expect(weeks.checkKey(other)).toMatch(/is not the start of a window; the window containing it is "\d{4}-\d{2}-\d{2}"/);
    expect(weeks.toSpec()).toMatchObject({ granularity: 'week', weekStartsOn });
  });

  it('numbers years', () => {
    const years = yearly({ start: '2020', timezone: 'Europe/Berlin' });
    expect([0, 1, -1].map((i) => years.formatKey(i))).toEqual(['2020', '2021', '2019']);
    expect((years.windowAt(0).end - years.windowAt(0).start) / DAY).toBe(366);
    expect(iso(years.windowAt(4))).toEqual({ start: '2023-12-31T23:00:00.000Z', end: '2024-12-31T23:00:00.000Z' });
    expect(years.parseKey('2031')).toBe(11);
  });

  it('extends windows before the start (negative indices)', () => {
    const hours = hourly({ start: '2024-03-10T03:00', timezone: 'America/New_York' });
    expect([-1, -2].map((i) => hours.formatKey(i))).toEqual(['2024-03-10T01:00-05:00', '2024-03-10T00:00-05:00']);
    expect(hours.parseKey('2024-03-10T00:00-05:00')).toBe(-2);
    expect(hours.indexAtInstant(ms('2024-03-10T05:30:00Z'))).toBe(-2);
    expect(hours.indexOf('2024-03-10T00:00-05:00', at('2030-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('formats minute keys with the offset outside UTC only', () => {
    expect(minutely({ start: '2024-06-01T10:15' }).formatKey(1)).toBe('2024-06-01T10:16');
    expect(minutely({ start: '2024-06-01T10:15', timezone: 'Asia/Kolkata' }).formatKey(1)).toBe('2024-06-01T10:16+05:30');
    expect(hourly({ start: '2024-06-01', timezone: 'Europe/London' }).formatKey(0)).toBe('2024-06-01T00:00+01:00');
    expect(hourly({ start: '2024-01-01', timezone: 'Europe/London' }).formatKey(0)).toBe('2024-01-01T00:00+00:00');
  });

  it('describes itself', () => {
    expect(daily({ start: '2024-01-01' }).describe()).toBe('daily from 2024-01-01 (UTC)');
    expect(weekly({ start: '2024-01-07', weekStartsOn: 7, lagMinutes: 30 }).describe()).toBe('weekly (weeks start on Sunday) from 2024-01-07 (UTC), 30 min lag');
    expect(hourly({ start: '2024-01-01', timezone: 'America/New_York' }).describe()).toBe('hourly from 2024-01-01T00:00-05:00 (America/New_York)');
  });
});
