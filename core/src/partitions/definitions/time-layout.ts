/**
 * Where the windows of a fixed granularity lie: minute and hour windows are absolute (a fall-back
 * day has 25 hours), day/week/month/year windows are local calendar periods (a DST day lasts 23 or
 * 25 hours). Every operation is O(1) arithmetic, whatever the index.
 */
import type { TimeGranularity } from '../types.js';
import { HOUR_MS, MINUTE_MS, daysFromCivil, floorMod, isoWeekday } from './civil-date.js';
import { localParts, startOfLocalDay, type TimeZone } from './time-zone.js';

/** The windows of one definition, numbered from the window that starts at the definition's start. */
export interface WindowLayout {
  /** Start of window `index` (any integer), epoch ms. */
  startOf(index: number): number;
  /** Index of the window containing `instant` (any instant). */
  indexAt(instant: number): number;
}

/** Granularities with a fixed calendar rule (all but `cron`). */
export type FixedGranularity = Exclude<TimeGranularity, 'cron'>;

/** Options a calendar layout depends on. */
export interface LayoutOptions {
  readonly zone: TimeZone;
  /** First day of the week for `week` (1 = Monday … 7 = Sunday). */
  readonly weekStartsOn: number;
}

/** Windows of a fixed length in absolute time (minutes, hours). */
function absoluteLayout(startMs: number, lengthMs: number): WindowLayout {
  return {
    startOf: (index) => startMs + index * lengthMs,
    indexAt: (instant) => Math.floor((instant - startMs) / lengthMs),
  };
}

/** Month number (year × 12 + month − 1) of a local date. */
function monthNumber(year: number, month: number): number {
  return year * 12 + month - 1;
}

/** First local day (day number) of a month number. */
function firstDayOfMonth(monthNo: number): number {
  const year = Math.floor(monthNo / 12);
  return daysFromCivil(year, monthNo - year * 12 + 1, 1);
}

/** Builds the layout whose window 0 starts at `startMs`, which must be aligned (see {@link alignDown}). */
export function fixedLayout(granularity: FixedGranularity, startMs: number, options: LayoutOptions): WindowLayout {
  const { zone } = options;
  const start = localParts(zone, startMs);
  switch (granularity) {
    case 'minute':
      return absoluteLayout(startMs, MINUTE_MS);
    case 'hour':
      return absoluteLayout(startMs, HOUR_MS);
    case 'day':
      return {
        startOf: (index) => startOfLocalDay(zone, start.days + index),
        indexAt: (instant) => localParts(zone, instant).days - start.days,
      };
    case 'week':
      return {
        startOf: (index) => startOfLocalDay(zone, start.days + 7 * index),
        indexAt: (instant) => Math.floor((localParts(zone, instant).days - start.days) / 7),
      };
    case 'month': {
      const first = monthNumber(start.year, start.month);
      return {
        startOf: (index) => startOfLocalDay(zone, firstDayOfMonth(first + index)),
        indexAt: (instant) => {
          const local = localParts(zone, instant);
          return monthNumber(local.year, local.month) - first;
        },
      };
    }
    case 'year':
      return {
        startOf: (index) => startOfLocalDay(zone, daysFromCivil(start.year + index, 1, 1)),
        indexAt: (instant) => localParts(zone, instant).year - start.year,
      };
  }
}

/**
 * Start of the window of `granularity` that contains `instant`, as if windows were aligned to the
 * calendar of `zone`: the local minute or hour, local midnight, the week's first day, the 1st of
 * the month, January 1st. A definition's start is valid iff `alignDown(start) === start`.
 */
export function alignDown(granularity: FixedGranularity, instant: number, options: LayoutOptions): number {
  const { zone } = options;
  const local = localParts(zone, instant);
  switch (granularity) {
    case 'minute':
      return instant - floorMod(local.msOfDay, MINUTE_MS);
    case 'hour':
      return instant - floorMod(local.msOfDay, HOUR_MS);
    case 'day':
      return startOfLocalDay(zone, local.days);
    case 'week':
      return startOfLocalDay(zone, local.days - floorMod(isoWeekday(local.days) - options.weekStartsOn, 7));
    case 'month':
      return startOfLocalDay(zone, daysFromCivil(local.year, local.month, 1));
    case 'year':
      return startOfLocalDay(zone, daysFromCivil(local.year, 1, 1));
  }
}
