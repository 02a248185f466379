import { materialize } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { trips, tripsClean, type CleanDay } from '../assets/trips.js';
import { zoneDaily, zoneMonthly, zoneRolling7d } from '../assets/zones.js';
import { cleanHour } from '../src/clean.js';
import { cutOff, generateHour, hourKeys, totals } from '../src/generate.js';
import type { ZoneDay, ZoneMonth, ZoneRolling } from '../src/metrics.js';
import { DROP_REASONS, SEED, ZONES } from '../src/schema.js';

const encoder = new TextEncoder();

/** Source values of the days `[start, end)`, as the generator lands them (none cut off unless asked). */
function landed(start: string, end: string, options: { cut?: string; replace?: Record<string, string> } = {}): Record<string, Uint8Array> {
  return Object.fromEntries(
    hourKeys({ start, end }).map((hour) => {
      const csv = options.replace?.[hour] ?? generateHour(hour, SEED).csv;
      return [hour, encoder.encode(hour === options.cut ? cutOff(csv) : csv)];
    }),
  );
}

const all = [trips, tripsClean, zoneDaily, zoneMonthly, zoneRolling7d];
const key = (date: string, zone: string): string => `date=${date}|zone=${zone}`;

describe('the taxi example, materialized in-process', () => {
  it('trips_clean drops exactly the invalid rows the generator wrote, counted by reason, and passes its checks', async () => {
    const result = await materialize([trips, tripsClean], { partitions: ['2024-01-22'], sources: { trips: landed('2024-01-22', '2024-01-23') } });
    const day = result.value<CleanDay>('trips_clean', '2024-01-22');
    const generated = totals(hourKeys({ start: '2024-01-22', end: '2024-01-23' }).map((h) => generateHour(h, SEED)));
    expect(day?.hours).toBe(24);
    expect(day?.rows).toBe(generated.rows);
    expect(day?.dropped).toEqual(generated.invalid);
    // Every kind of invalid row occurs in a day of data, so each rule is exercised.
    for (const reason of DROP_REASONS) expect(generated.invalid[reason], reason).toBeGreaterThan(0);
    expect(day?.trips.length).toBe(generated.rows - Object.values(generated.invalid).reduce((a, b) => a + b, 0));
    expect(result.state('trips_clean', '2024-01-22').status).toBe('fresh');
  });

  it('a file cut off mid-row fails its day with a message naming the hour, and blocks what reads it', async () => {
    const result = await materialize(all, {
      partitions: { zone_rolling_7d: [key('2024-01-23', 'midtown')] },
      sources: { trips: landed('2024-01-22', '2024-01-24', { cut: '2024-01-23T17:00' }) },
      raiseOnError: false,
    });
    expect(result.failures.map((f) => `${f.assetKey} ${f.partitionKey}`)).toEqual(['trips_clean 2024-01-23']);
    expect(result.failures[0]?.error?.message).toMatch(/trips 2024-01-23T17:00: the file does not end with a newline: it was cut off after \d+ complete rows/);
    const failed = result.state('trips_clean', '2024-01-23');
    expect(failed.status).toBe('failed');
    expect(failed.reasons).toContainEqual(expect.objectContaining({ kind: 'failed', failureClass: 'actionable' }));
    const blocked = result.state('zone_daily', key('2024-01-23', 'midtown'));
    expect(blocked.status).toBe('blocked');
    expect(blocked.reasons).toContainEqual(expect.objectContaining({ kind: 'upstream_failed', assetKey: 'trips_clean', partitions: ['2024-01-23'] }));
    expect(result.state('zone_rolling_7d', key('2024-01-23', 'midtown')).status).toBe('blocked');
    // The day before is unaffected.
    expect(result.state('zone_daily', key('2024-01-22', 'midtown')).status).toBe('fresh');
  });

  it('a day without a single valid trip fails the blocking check has_trips, and nothing downstream runs', async () => {
    const header = `${generateHour('2024-01-22T00:00', SEED).csv.split('\n')[0]}\n`;
    const empty = Object.fromEntries(hourKeys({ start: '2024-01-22', end: '2024-01-23' }).map((h) => [h, header]));
    const result = await materialize(all, { partitions: { zone_daily: [key('2024-01-22', 'queens')] }, sources: { trips: landed('2024-01-22', '2024-01-23', { replace: empty }) } });
    expect(result.state('trips_clean', '2024-01-22')).toMatchObject({ status: 'check_failed', reasons: [{ kind: 'check_failed', check: 'has_trips', message: '0 trips' }] });
    const blocked = result.state('zone_daily', key('2024-01-22', 'queens'));
    expect(blocked.status).toBe('blocked');
    expect(blocked.reasons).toContainEqual(expect.objectContaining({ kind: 'upstream_check_failed', assetKey: 'trips_clean', partitions: ['2024-01-22'] }));
    expect(result.runs.map((r) => r.assetKey)).toEqual(['trips_clean']);
  });

  it('zone_daily splits the cleaned day by pickup zone without losing a trip or a cent', async () => {
    const partitions = ZONES.map((z) => key('2024-01-27', z));
    const result = await materialize(all, { partitions: { zone_daily: partitions }, sources: { trips: landed('2024-01-27', '2024-01-28') } });
    const clean = result.value<CleanDay>('trips_clean', '2024-01-27') as CleanDay;
    const days = ZONES.map((z) => result.value<ZoneDay>('zone_daily', key('2024-01-27', z)) as ZoneDay);
    expect(days.map((d) => d.zone)).toEqual([...ZONES]);
    expect(days.reduce((sum, d) => sum + d.trips, 0)).toBe(clean.trips.length);
    const cents = clean.trips.reduce((sum, t) => sum + Math.round(t.fareUsd * 100), 0);
    expect(days.reduce((sum, d) => sum + d.fareCents, 0)).toBe(cents);
    const midtown = days.find((d) => d.zone === 'midtown') as ZoneDay;
    const mine = clean.trips.filter((t) => t.zone === 'midtown');
    expect(midtown.passengers).toBe(mine.reduce((sum, t) => sum + t.passengers, 0));
    expect(midtown.avgFareUsd).toBeCloseTo(mine.reduce((sum, t) => sum + t.fareUsd, 0) / mine.length, 2);
    // Midtown is the busiest zone of the generator, and tips are about 10–25% of card fares.
    expect(midtown.trips).toBe(Math.max(...days.map((d) => d.trips)));
    expect(midtown.tipRate).toBeGreaterThan(0.1);
    expect(midtown.tipRate).toBeLessThan(0.25);
  });

  it('zone_monthly sums the days of its month in range, and zone_rolling_7d a window of up to 7 days', async () => {
    // 2024-01-22 … 2024-02-01: ten January days and one February day.
    const sources = { trips: landed('2024-01-22', '2024-02-02') };
    const result = await materialize(all, {
      partitions: { zone_monthly: ['date=2024-01|zone=airport'], zone_rolling_7d: [key('2024-01-22', 'airport'), key('2024-01-25', 'airport'), key('2024-01-31', 'airport')] },
      sources,
    });
    const january = Array.from({ length: 10 }, (_, i) => result.value<ZoneDay>('zone_daily', key(`2024-01-${22 + i}`, 'airport')) as ZoneDay);
    const month = result.value<ZoneMonth>('zone_monthly', 'date=2024-01|zone=airport') as ZoneMonth;
    expect(month.days).toBe(10);
    expect(month.trips).toBe(january.reduce((sum, d) => sum + d.trips, 0));
    expect(month.busiestDay.trips).toBe(Math.max(...january.map((d) => d.trips)));
    const rolling = (date: string): ZoneRolling => result.value<ZoneRolling>('zone_rolling_7d', key(date, 'airport')) as ZoneRolling;
    expect(rolling('2024-01-22')).toMatchObject({ days: 1, trips: january[0]?.trips, vsWindowPct: null });
    expect(rolling('2024-01-25').days).toBe(4);
    expect(rolling('2024-01-31')).toMatchObject({ days: 7, trips: january.slice(3, 10).reduce((sum, d) => sum + d.trips, 0) });
    // February's rollup did not run: only what the requested partitions need ran.
    expect(result.value('zone_monthly', 'date=2024-02|zone=airport')).toBeUndefined();
  });

  it('a re-landed file with the same bytes changes nothing downstream (early cutoff at the source)', async () => {
    const sources = { trips: landed('2024-01-22', '2024-01-23') };
    const first = await materialize(all, { partitions: { zone_daily: [key('2024-01-22', 'uptown')] }, sources });
    const again = await materialize(all, { partitions: { zone_daily: [key('2024-01-22', 'uptown')] }, sources: { trips: landed('2024-01-22', '2024-01-23') } });
    expect(again.runs.map((r) => r.token)).toEqual(first.runs.map((r) => r.token));
  });
});

describe('cleanHour', () => {
  const hour = '2024-01-22T08:00';
  const good = generateHour(hour, SEED).csv;
  const header = good.split('\n')[0] as string;
  const row = good.split('\n')[1] as string;

  it.each([
    ['a different header', `${header.replace('fare_usd', 'fare')}\n${row}\n`, /line 1 is not the expected header/],
    ['a row with a missing field', `${header}\n${row.split(',').slice(1).join(',')}\n`, /line 2 has 9 fields, expected 10/],
    ['a row with an extra field', `${header}\n${row},x\n`, /line 2 has 11 fields, expected 10/],
    ['a file cut off mid-row', cutOff(good), /the file does not end with a newline: it was cut off after \d+ complete rows \(line \d+ is "2024012208-/],
  ])('rejects %s as a whole', (_what, csv, message) => {
    expect(() => cleanHour(hour, encoder.encode(csv))).toThrow(message);
  });

  it('accepts an empty hour (a header alone) as no trips', () => {
    expect(cleanHour(hour, encoder.encode(`${header}\n`))).toEqual({ trips: [], rows: 0, dropped: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) });
  });

  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    expect(generateHour(hour, SEED).csv).toBe(good);
    expect(generateHour(hour, SEED + 1).csv).not.toBe(good);
  });
});
