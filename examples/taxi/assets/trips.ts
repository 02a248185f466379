/**
 * Landed hourly trip files (a source) and the cleaned day they make: 24 hours rolled up into one
 * daily partition, invalid rows dropped and counted, a broken file failing the day.
 */
import { fileURLToPath } from 'node:url';
import { asset, check, daily, hourly, input, rollup, source } from '@weft/core';
import { fsFiles } from '@weft/plugin-fs';
import { cleanHour } from '../src/clean.js';
import { TRIPS_PATTERN } from '../src/landing.js';
import { DROP_REASONS, RANGE, noDrops, type DropCounts, type Trip } from '../src/schema.js';

/** Hourly CSV files under `.weft/landing/trips/<date>/<hour>.csv`, one partition per UTC hour. */
export const trips = source({
  key: 'trips',
  description: 'Hourly taxi-trip CSV files as the taxi system lands them',
  partitions: hourly(RANGE),
  observe: fsFiles({ root: fileURLToPath(new URL('../.weft/landing', import.meta.url)), key: TRIPS_PATTERN }),
  observeIntervalMs: 5_000,
});

/** A cleaned day: its valid trips and how many rows were dropped, by reason. */
export interface CleanDay {
  readonly date: string;
  readonly hours: number;
  readonly rows: number;
  readonly dropped: DropCounts;
  readonly trips: Trip[];
}

const describeDrops = (dropped: DropCounts): string =>
  DROP_REASONS.filter((r) => dropped[r] > 0)
    .map((r) => `${r} ${dropped[r]}`)
    .join(', ') || 'none';

// A day of trips, from its 24 hourly files.
export const tripsClean = asset({
  key: 'trips_clean',
  group: 'trips',
  description: 'The day’s valid trips (all 24 hourly files); invalid rows dropped and counted by reason',
  partitions: daily(RANGE),
  inputs: { hours: input(trips, rollup()) },
  checks: [
    check<CleanDay>({ name: 'has_trips', blocking: true, description: 'the day has at least one valid trip', fn: (day) => ({ passed: day.trips.length > 0, message: `${day.trips.length} trips` }) }),
    check<CleanDay>({
      name: 'fares_non_negative',
      blocking: true,
      description: 'no kept trip has a negative fare or tip',
      fn: (day) => {
        const bad = day.trips.filter((t) => t.fareUsd < 0 || t.tipUsd < 0).length;
        return { passed: bad === 0, message: `${bad} trips with a negative fare or tip` };
      },
    }),
    check<CleanDay>({
      name: 'dropped_share',
      description: 'at most 2% of the rows were dropped (a warning: it does not block)',
      fn: (day) => {
        const share = day.rows === 0 ? 0 : (day.rows - day.trips.length) / day.rows;
        return { passed: share <= 0.02, message: `${((share * 100).toFixed(2))}% dropped: ${describeDrops(day.dropped)}`, metadata: { ...day.dropped } };
      },
    }),
  ],
  compute: ({ hours }, ctx): CleanDay => {
    const dropped = noDrops();
    const kept: Trip[] = [];
    let rows = 0;
    for (const [hour, bytes] of hours) {
      const clean = cleanHour(hour, bytes);
      rows += clean.rows;
      for (const reason of DROP_REASONS) dropped[reason] += clean.dropped[reason];
      kept.push(...clean.trips);
      ctx.log(`${hour}: ${clean.rows} rows, ${clean.trips.length} kept`, { dropped: describeDrops(clean.dropped) });
    }
    ctx.log(`${ctx.partitionKey}: ${hours.size} hourly files, ${rows} rows, ${kept.length} trips kept; dropped: ${describeDrops(dropped)}`);
    return { date: ctx.partitionKey, hours: hours.size, rows, dropped, trips: kept };
  },
});
