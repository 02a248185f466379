import { describe, expect, it } from 'vitest';
import { cronWindows, daily } from '../../../src/partitions/definitions/index.js';
import { HOUR, at, iso, ms } from './context.js';

describe('cron windows', () => {
  it('runs between consecutive fire times in a time zone', () => {
    const mornings = cronWindows({ start: '2024-03-30', cron: '0 6 * * *', timezone: 'Europe/Berlin' });
    expect([0, 1, 2, -1].map((i) => mornings.formatKey(i))).toEqual([
      '2024-03-30T06:00+01:00',
      '2024-03-31T06:00+02:00',
      '2024-04-01T06:00+02:00',
      '2024-03-29T06:00+01:00',
    ]);
    expect(iso(mornings.windowAt(0))).toEqual({ start: '2024-03-30T05:00:00.000Z', end: '2024-03-31T04:00:00.000Z' });
    expect((mornings.windowAt(0).end - mornings.windowAt(0).start) / HOUR).toBe(23);
    expect(mornings.count(at('2024-03-31T04:00:00Z'))).toBe(1);
    expect(mornings.count(at(ms('2024-03-31T04:00:00Z') - 1))).toBe(0);
  });

  it('has 25 hourly windows on a fall-back day, told apart by their offsets', () => {
    const hours = cronWindows({ start: '2024-11-03', cron: '0 * * * *', timezone: 'America/New_York' });
    const nextMidnight = daily({ start: '2024-11-03', timezone: 'America/New_York' }).windowAt(1).start;
    expect(hours.count(at(nextMidnight))).toBe(25);
    expect([1, 2].map((i) => hours.formatKey(i))).toEqual(['2024-11-03T01:00-04:00', '2024-11-03T01:00-05:00']);
    expect(hours.parseKey('2024-11-03T01:00-05:00')).toBe(2);
  });

  it.each([
    // A fixed-time job whose time the clocks skip fires right after the gap.
    { cron: '30 2 * * *', start: '2024-03-09', keys: ['2024-03-09T02:30-05:00', '2024-03-10T03:00-04:00', '2024-03-11T02:30-04:00'], hours: [23.5, 23.5] },
    // A fixed-time job in the repeated hour fires once, at the first pass.
    { cron: '30 1 * * *', start: '2024-11-02', keys: ['2024-11-02T01:30-04:00', '2024-11-03T01:30-04:00', '2024-11-04T01:30-05:00'], hours: [24, 25] },
  ])('follows croner DST rules for "$cron"', ({ cron, start, keys, hours }) => {
    const windows = cronWindows({ start, cron, timezone: 'America/New_York' });
    expect(keys.map((_, i) => windows.formatKey(i))).toEqual(keys);
    expect(hours.map((_, i) => (windows.windowAt(i).end - windows.windowAt(i).start) / HOUR)).toEqual(hours);
  });

  it('starts window 0 at the first fire time at or after start', () => {
    const windows = cronWindows({ start: '2024-01-01T06:30', cron: '0 6 * * *' });
    expect(windows.formatKey(0)).toBe('2024-01-02T06:00');
    expect(windows.formatKey(-1)).toBe('2024-01-01T06:00');
    expect(windows.toSpec()).toMatchObject({ start: '2024-01-02T06:00:00.000Z', cron: '0 6 * * *', granularity: 'cron' });
    expect(cronWindows({ start: '2024-01-01T06:00', cron: '0 6 * * *' }).formatKey(0)).toBe('2024-01-01T06:00');
  });

  it('applies lag and end', () => {
    const quarters = cronWindows({ start: '2024-01-01', end: '2024-01-02', cron: '0 */6 * * *', lagMinutes: 60 });
    expect(quarters.count(at('2024-01-01T07:00:00Z'))).toBe(1);
    expect(quarters.count(at(ms('2024-01-01T07:00:00Z') - 1))).toBe(0);
    expect(quarters.count(at('2030-01-01T00:00:00Z'))).toBe(4);
    expect(quarters.indexOf('2024-01-01T18:00', at('2030-01-01T00:00:00Z'))).toBe(3);
    expect(quarters.indexOf('2024-01-02T00:00', at('2030-01-01T00:00:00Z'))).toBeUndefined();
    expect(quarters.describe()).toBe('cron "0 */6 * * *" from 2024-01-01T00:00 until 2024-01-02T00:00 (UTC), 60 min lag');
  });

  it('spans weekends for weekday schedules', () => {
    const weekdays = cronWindows({ start: '2024-01-05', cron: '0 9 * * 1-5' });
    expect(weekdays.formatKey(1)).toBe('2024-01-08T09:00');
    expect((weekdays.windowAt(0).end - weekdays.windowAt(0).start) / HOUR).toBe(72);
    expect(weekdays.indexAtInstant(ms('2024-01-06T12:00:00Z'))).toBe(0);
  });

  it('answers repeated and out-of-order lookups consistently from its cache', () => {
    const windows = cronWindows({ start: '2024-01-01', cron: '*/15 * * * *', timezone: 'Europe/Berlin' });
    const ctx = at('2024-01-08T00:00:00Z');
    const count = windows.count(ctx);
    expect(count).toBe(7 * 96 + 4);
    expect(windows.count(ctx)).toBe(count);
    expect(windows.keyAt(count - 1, ctx)).toBe('2024-01-08T00:45+01:00');
    expect(windows.indexOf('2024-01-01T00:15+01:00', ctx)).toBe(1);
    expect(windows.indexAtInstant(ms('2023-12-31T22:50:00Z'))).toBe(-1);
    expect(windows.parseKey('2023-12-31T00:00+01:00')).toBe(-96);
    expect(windows.formatKey(-96)).toBe('2023-12-31T00:00+01:00');
  });
});
