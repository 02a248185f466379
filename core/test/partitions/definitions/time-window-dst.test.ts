import { describe, expect, it } from 'vitest';
import { daily, hourly, weekly } from '../../../src/partitions/definitions/index.js';
import { HOUR, at, iso, ms } from './context.js';

describe('hourly windows across DST (absolute hours)', () => {
  it.each([
    { timezone: 'America/New_York', date: '2024-03-10', hours: 23, keys: ['2024-03-10T00:00-05:00', '2024-03-10T01:00-05:00', '2024-03-10T03:00-04:00', '2024-03-10T04:00-04:00'] },
    { timezone: 'America/New_York', date: '2024-11-03', hours: 25, keys: ['2024-11-03T00:00-04:00', '2024-11-03T01:00-04:00', '2024-11-03T01:00-05:00', '2024-11-03T02:00-05:00'] },
    { timezone: 'America/New_York', date: '2024-07-01', hours: 24, keys: ['2024-07-01T00:00-04:00', '2024-07-01T01:00-04:00', '2024-07-01T02:00-04:00', '2024-07-01T03:00-04:00'] },
    { timezone: 'Europe/Berlin', date: '2024-03-31', hours: 23, keys: ['2024-03-31T00:00+01:00', '2024-03-31T01:00+01:00', '2024-03-31T03:00+02:00', '2024-03-31T04:00+02:00'] },
    { timezone: 'Europe/Berlin', date: '2024-10-27', hours: 25, keys: ['2024-10-27T00:00+02:00', '2024-10-27T01:00+02:00', '2024-10-27T02:00+02:00', '2024-10-27T02:00+01:00'] },
  ])('$timezone $date has $hours hourly partitions', ({ timezone, date, hours, keys }) => {
    const hours_ = hourly({ start: date, timezone });
    const nextMidnight = daily({ start: date, timezone }).windowAt(1).start;
    expect(hours_.count(at(nextMidnight))).toBe(hours);
    expect(hours_.keyAt(hours - 1, at(nextMidnight))).toMatch(new RegExp(`^${date}T23:00`));
    expect(keys.map((_, i) => hours_.formatKey(i))).toEqual(keys);
    expect(keys.map((key) => hours_.parseKey(key))).toEqual(keys.map((_, i) => i));
    for (let i = 0; i < hours; i++) {
      const window = hours_.windowAt(i);
      expect(window.end - window.start).toBe(HOUR);
    }
  });

  it('keeps the two 01:00 hours of a fall-back night apart', () => {
    const hours = hourly({ start: '2024-11-03', timezone: 'America/New_York' });
    expect(iso(hours.windowAt(1))).toEqual({ start: '2024-11-03T05:00:00.000Z', end: '2024-11-03T06:00:00.000Z' });
    expect(iso(hours.windowAt(2))).toEqual({ start: '2024-11-03T06:00:00.000Z', end: '2024-11-03T07:00:00.000Z' });
    expect(hours.indexAtInstant(ms('2024-11-03T05:30:00Z'))).toBe(1);
    expect(hours.indexAtInstant(ms('2024-11-03T06:30:00Z'))).toBe(2);
  });

  it('rejects a local hour the clocks skip', () => {
    const hours = hourly({ start: '2024-03-10', timezone: 'America/New_York' });
    expect(hours.parseKey('2024-03-10T02:00-05:00')).toBeUndefined();
    expect(hours.checkKey('2024-03-10T02:00-05:00')).toMatch(/2024-03-10T02:00 does not exist in America\/New_York/);
    expect(() => hourly({ start: '2024-03-10T02:00', timezone: 'America/New_York' })).toThrow(/does not exist in America\/New_York/);
  });
});

describe('daily windows across DST (local calendar days)', () => {
  it.each([
    { timezone: 'America/New_York', key: '2024-03-10', hours: 23, start: '2024-03-10T05:00:00.000Z', end: '2024-03-11T04:00:00.000Z' },
    { timezone: 'America/New_York', key: '2024-11-03', hours: 25, start: '2024-11-03T04:00:00.000Z', end: '2024-11-04T05:00:00.000Z' },
    { timezone: 'America/New_York', key: '2024-11-04', hours: 24, start: '2024-11-04T05:00:00.000Z', end: '2024-11-05T05:00:00.000Z' },
    { timezone: 'Europe/Berlin', key: '2024-03-31', hours: 23, start: '2024-03-30T23:00:00.000Z', end: '2024-03-31T22:00:00.000Z' },
    { timezone: 'Europe/Berlin', key: '2024-10-27', hours: 25, start: '2024-10-26T22:00:00.000Z', end: '2024-10-27T23:00:00.000Z' },
    { timezone: 'UTC', key: '2024-03-10', hours: 24, start: '2024-03-10T00:00:00.000Z', end: '2024-03-11T00:00:00.000Z' },
  ])('$timezone $key lasts $hours hours', ({ timezone, key, hours, start, end }) => {
    const days = daily({ start: '2024-03-01', timezone });
    const index = days.parseKey(key);
    expect(index).toBeDefined();
    const window = days.windowAt(index ?? 0);
    expect(iso(window)).toEqual({ start, end });
    expect((window.end - window.start) / HOUR).toBe(hours);
    expect(days.formatKey(index ?? 0)).toBe(key);
    // The day exists exactly when it has closed.
    expect(days.indexOf(key, at(window.end))).toBe(index);
    expect(days.indexOf(key, at(window.end - 1))).toBeUndefined();
  });

  it('counts one partition per local day whatever its length', () => {
    const days = daily({ start: '2024-03-09', timezone: 'America/New_York' });
    expect(days.count(at('2024-03-11T04:00:00Z'))).toBe(2);
    expect(days.count(at(ms('2024-03-11T04:00:00Z') - 1))).toBe(1);
    expect(days.keyAt(1, at('2024-03-11T04:00:00Z'))).toBe('2024-03-10');
  });

  it('starts a day at the end of a DST gap when midnight is skipped', () => {
    // Brazil moved clocks from 00:00 to 01:00 on 2018-11-04.
    const days = daily({ start: '2018-11-01', timezone: 'America/Sao_Paulo' });
    const index = days.parseKey('2018-11-04') ?? Number.NaN;
    expect(iso(days.windowAt(index))).toEqual({ start: '2018-11-04T03:00:00.000Z', end: '2018-11-05T02:00:00.000Z' });
    expect(days.indexAtInstant(ms('2018-11-04T02:59:59.999Z'))).toBe(index - 1);
  });

  it('lays weeks out in local time across a DST change', () => {
    const weeks = weekly({ start: '2024-03-25', timezone: 'Europe/Berlin' });
    expect((weeks.windowAt(0).end - weeks.windowAt(0).start) / HOUR).toBe(167);
    expect(weeks.formatKey(1)).toBe('2024-04-01');
  });
});
