/**
 * Per-zone aggregates: zone × day (two dimensions), rolled up to zone × month, and a rolling
 * 7-day window per zone.
 */
import { asset, daily, dimension, input, monthly, multiPartitions, perDimension, rollup, staticPartitions, window } from '@weft/core';
import { zoneDay, zoneMonth, zoneRolling } from '../src/metrics.js';
import { MONTHS, RANGE, ZONES, type Zone } from '../src/schema.js';
import { tripsClean } from './trips.js';

const zone = staticPartitions(ZONES);

// Keys look like `date=2024-01-22|zone=midtown`.
export const zoneDaily = asset({
  key: 'zone_daily',
  group: 'zones',
  description: 'Trips, passengers, distance, fares, tips and trip times per pickup zone and day',
  partitions: multiPartitions({ date: daily(RANGE), zone }),
  batchSize: 6, // small partitions: six share one materialization activity
  // Every zone of a day reads that day's cleaned trips.
  inputs: { day: input(tripsClean, dimension('date')) },
  compute: ({ day }, ctx) => {
    const [clean] = day.values(); // dimension() gives a map: here it holds the one day
    if (clean === undefined) throw new Error(`no cleaned trips for ${ctx.partitionKey}`);
    return zoneDay(ctx.dimensions?.['zone'] as Zone, clean.date, clean.trips);
  },
});

// Keys look like `date=2024-01|zone=midtown`: the days of the month, per zone.
export const zoneMonthly = asset({
  key: 'zone_monthly',
  group: 'zones',
  description: 'Each zone’s month: totals, trips per day and its busiest day',
  partitions: multiPartitions({ date: monthly(MONTHS), zone }),
  inputs: { days: input(zoneDaily, perDimension({ date: rollup() })) },
  compute: ({ days }, ctx) => zoneMonth(ctx.dimensions?.['zone'] as Zone, ctx.dimensions?.['date'] as string, [...days.values()]),
});

// The zone's last 7 days, ending on the partition's day.
export const zoneRolling7d = asset({
  key: 'zone_rolling_7d',
  group: 'zones',
  description: 'Each zone’s last 7 days: trips, revenue, tip rate, and the day against the week',
  partitions: multiPartitions({ date: daily(RANGE), zone }),
  batchSize: 6,
  inputs: { days: input(zoneDaily, perDimension({ date: window(7) })) },
  compute: ({ days }, ctx) => zoneRolling(ctx.dimensions?.['zone'] as Zone, ctx.dimensions?.['date'] as string, [...days.values()]),
});
