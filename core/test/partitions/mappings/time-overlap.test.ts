import { describe, expect, it } from 'vitest';
import { daily, hourly, monthly, weekly, yearly } from '../../../src/partitions/definitions/index.js';
import { fanOut, rollup, timeOverlap } from '../../../src/partitions/mappings/index.js';
import { at, days, downstreamKeys, indicesOf, link, upstreamKeys } from './helpers.js';

const NY = 'America/New_York';

describe('rollup() hours → days across DST in America/New_York', () => {
  const hours = hourly({ start: '2024-01-01', timezone: NY });
  const nyDays = daily({ start: '2024-01-01', timezone: NY });
  const ctx = at('2024-12-01T00:00:00Z');

  it.each([
    { day: '2024-03-09', hours: 24, first: '2024-03-09T00:00-05:00', last: '2024-03-09T23:00-05:00' },
    { day: '2024-03-10', hours: 23, first: '2024-03-10T00:00-05:00', last: '2024-03-10T23:00-04:00' },
    { day: '2024-03-11', hours: 24, first: '2024-03-11T00:00-04:00', last: '2024-03-11T23:00-04:00' },
    { day: '2024-11-03', hours: 25, first: '2024-11-03T00:00-04:00', last: '2024-11-03T23:00-05:00' },
    { day: '2024-11-04', hours: 24, first: '2024-11-04T00:00-05:00', last: '2024-11-04T23:00-05:00' },
  ])('$day has $hours hours', ({ day, hours: n, first, last }) => {
    const r = upstreamKeys(rollup(), hours, nyDays, [day], ctx);
    expect(r.existing).toHaveLength(n);
    expect(r.existing[0]).toBe(first);
    expect(r.existing.at(-1)).toBe(last);
    expect(r.missing).toEqual([]);
    // The fall-back day reads both 01:00 hours (EDT, then EST).
    if (n === 25) expect(r.existing.filter((k) => k.startsWith('2024-11-03T01:00'))).toEqual(['2024-11-03T01:00-04:00', '2024-11-03T01:00-05:00']);
  });

  it('downstreamFor of the repeated hour is its day, of the day before the gap its own day', () => {
    expect(downstreamKeys(rollup(), hours, nyDays, ['2024-11-03T01:00-05:00'], ctx)).toEqual(['2024-11-03']);
    expect(downstreamKeys(rollup(), hours, nyDays, ['2024-03-10T03:00-04:00', '2024-03-09T23:00-05:00'], ctx)).toEqual(['2024-03-09', '2024-03-10']);
  });

  it('UTC hours roll up into New York days (New York midnights are whole UTC hours)', () => {
    const utcHours = hourly({ start: '2024-01-01' });
    expect(rollup().validate(utcHours, nyDays)).toBeUndefined();
    const r = upstreamKeys(rollup(), utcHours, nyDays, ['2024-03-10'], ctx);
    expect(r.existing).toHaveLength(23);
    expect([r.existing[0], r.existing.at(-1)]).toEqual(['2024-03-10T05:00', '2024-03-11T03:00']);
  });
});

describe('rollup() days → months', () => {
  const d = daily({ start: '2023-01-01' });
  const m = monthly({ start: '2023-01' });

  it.each([
    { month: '2024-01', first: '2024-01-01', n: 31 },
    { month: '2024-02', first: '2024-02-01', n: 29 },
    { month: '2023-02', first: '2023-02-01', n: 28 },
    { month: '2024-04', first: '2024-04-01', n: 30 },
  ])('$month has $n days', ({ month, first, n }) => {
    expect(upstreamKeys(rollup(), d, m, [month], at('2024-06-01T00:00:00Z'))).toEqual({ existing: days(first, n), missing: [], missingKeys: [] });
  });

  it('at month end, a day not yet a partition (lag) is missing while the month already exists', () => {
    const lagged = daily({ start: '2024-01-01', lagMinutes: 60 });
    const months = monthly({ start: '2024-01' });
    const r = upstreamKeys(rollup(), lagged, months, ['2024-02'], at('2024-03-01T00:30:00Z'));
    expect(r.existing).toEqual(days('2024-02-01', 28));
    expect(r.missing).toEqual(['2024-02-29']);
  });

  it('a month before the daily start: lenient rollup drops the days before it, strict rollup reports them missing', () => {
    const late = daily({ start: '2024-01-29' });
    const months = monthly({ start: '2024-01' });
    const ctx = at('2024-02-05T00:00:00Z');
    expect(upstreamKeys(rollup(), late, months, ['2024-01'], ctx)).toEqual({ existing: days('2024-01-29', 3), missing: [], missingKeys: [] });
    const strict = upstreamKeys(rollup({ strict: true }), late, months, ['2024-01'], ctx);
    expect(strict.existing).toEqual(days('2024-01-29', 3));
    expect(strict.missing).toEqual(days('2024-01-01', 28));
  });

  it('downstreamFor: the last day of a month maps to that month only, the first of the next to the next', () => {
    const ctx = at('2024-04-01T00:00:00Z');
    expect(downstreamKeys(rollup(), d, m, ['2024-01-31'], ctx)).toEqual(['2024-01']);
    expect(downstreamKeys(rollup(), d, m, ['2024-02-29', '2024-03-01'], ctx)).toEqual(['2024-02', '2024-03']);
    expect(downstreamKeys(rollup(), d, m, ['2024-03-31'], ctx)).toEqual(['2024-03']);
    // Before March closes, its days map to no existing month.
    expect(downstreamKeys(rollup(), d, m, ['2024-03-30'], at('2024-03-31T12:00:00Z'))).toEqual([]);
  });

  it('months roll up into years', () => {
    const r = upstreamKeys(rollup(), m, yearly({ start: '2023' }), ['2023'], at('2024-02-01T00:00:00Z'));
    expect(r.existing).toEqual(['2023-01', '2023-02', '2023-03', '2023-04', '2023-05', '2023-06', '2023-07', '2023-08', '2023-09', '2023-10', '2023-11', '2023-12']);
  });

  it('is many-valued and lenient by default', () => {
    expect(rollup().cardinality).toBe('many');
    expect(rollup().strict).toBe(false);
    expect(rollup().toSpec()).toEqual({ kind: 'rollup', strict: false });
  });
});

describe('fanOut() months → days', () => {
  const months = monthly({ start: '2024-01' });
  const d = daily({ start: '2024-01-01' });

  it.each([
    { name: 'a day of a closed month reads that month', now: '2024-03-05T00:00:00Z', day: '2024-02-29', existing: ['2024-02'], missing: [] as string[] },
    { name: 'the last day of January reads January', now: '2024-03-05T00:00:00Z', day: '2024-01-31', existing: ['2024-01'], missing: [] },
    { name: 'the first day of February reads February', now: '2024-03-05T00:00:00Z', day: '2024-02-01', existing: ['2024-02'], missing: [] },
    { name: 'a day of the open month: the month is missing (not closed yet)', now: '2024-02-20T00:00:00Z', day: '2024-02-10', existing: [], missing: ['2024-02'] },
  ])('$name', ({ now, day, existing, missing }) => {
    expect(fanOut().validate(months, d)).toBeUndefined();
    expect(upstreamKeys(fanOut(), months, d, [day], at(now))).toEqual({ existing, missing, missingKeys: [] });
  });

  it('downstreamFor of one month is its days', () => {
    expect(downstreamKeys(fanOut(), months, d, ['2024-02'], at('2024-03-05T00:00:00Z'))).toEqual(days('2024-02-01', 29));
  });

  it('downstreamFor is clamped to the days that exist', () => {
    // With a one-day lag, January 31 becomes a partition only on February 2.
    const lagged = daily({ start: '2024-01-01', lagMinutes: 24 * 60 });
    expect(downstreamKeys(fanOut(), months, lagged, ['2024-01'], at('2024-02-01T12:00:00Z'))).toEqual(days('2024-01-01', 30));
    // A daily definition that starts mid-month only has the days from its start.
    const late = daily({ start: '2024-01-20' });
    expect(downstreamKeys(fanOut(), months, late, ['2024-01'], at('2024-02-01T12:00:00Z'))).toEqual(days('2024-01-20', 12));
  });

  it('is one-valued and strict by default', () => {
    expect(fanOut().cardinality).toBe('one');
    expect(fanOut().strict).toBe(true);
  });
});

describe('timeOverlap() weeks → months', () => {
  const weeks = weekly({ start: '2024-01-01' }); // Mondays
  const months = monthly({ start: '2024-01' });
  const ctx = at('2024-04-01T00:00:00Z');

  it('validate accepts unaligned windows (rollup does not)', () => {
    expect(timeOverlap().validate(weeks, months)).toBeUndefined();
    expect(rollup().validate(weeks, months)).toBe(`rollup(): ${months.describe()} windows do not start on ${weeks.describe()} window boundaries; use timeOverlap()`);
  });

  it('a month reads every week overlapping it, including the weeks straddling its ends', () => {
    expect(upstreamKeys(timeOverlap(), weeks, months, ['2024-01'], ctx).existing).toEqual(['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22', '2024-01-29']);
    expect(upstreamKeys(timeOverlap(), weeks, months, ['2024-02'], ctx).existing).toEqual(['2024-01-29', '2024-02-05', '2024-02-12', '2024-02-19', '2024-02-26']);
  });

  it('a straddling week maps down to both months', () => {
    expect(downstreamKeys(timeOverlap(), weeks, months, ['2024-01-29'], ctx)).toEqual(['2024-01', '2024-02']);
    expect(downstreamKeys(timeOverlap(), weeks, months, ['2024-01-15'], ctx)).toEqual(['2024-01']);
  });

  it('a week straddling the month end that has not closed yet is missing', () => {
    const r = upstreamKeys(timeOverlap(), weeks, months, ['2024-03'], at('2024-04-01T00:00:00Z'));
    expect(r.existing).toEqual(['2024-02-26', '2024-03-04', '2024-03-11', '2024-03-18', '2024-03-25']);
    expect(r.missing).toEqual([]);
    const marchOpenWeek = upstreamKeys(timeOverlap(), weekly({ start: '2024-01-03', weekStartsOn: 3 }), months, ['2024-03'], at('2024-04-01T00:00:00Z'));
    expect(marchOpenWeek.missing).toEqual(['2024-03-27']);
  });

  it('days in two time zones overlap two days each', () => {
    const utc = daily({ start: '2024-01-01' });
    const ny = daily({ start: '2024-01-01', timezone: NY });
    const r = timeOverlap().upstreamFor(indicesOf(ny, ['2024-01-05'], at('2024-02-01T00:00:00Z')), link(utc, ny, at('2024-02-01T00:00:00Z')));
    expect([...r.existing.values()].map((i) => utc.formatKey(i))).toEqual(['2024-01-05', '2024-01-06']);
  });
});
