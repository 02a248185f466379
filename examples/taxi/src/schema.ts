/**
 * The taxi example's data model: the zones, the CSV columns of a landed hourly file, the cleaned
 * trip record and the date range the example covers. Times are UTC throughout (partition keys and
 * file paths use UTC hours, as the landing system writes them).
 */

/** Pickup zones: the static dimension of the per-zone assets. */
export const ZONES = ['airport', 'brooklyn', 'downtown', 'midtown', 'queens', 'uptown'] as const;

/** One of {@link ZONES}. */
export type Zone = (typeof ZONES)[number];

/** Whether `value` names a known zone. */
export function isZone(value: string): value is Zone {
  return (ZONES as readonly string[]).includes(value);
}

/** The header every landed hourly file starts with, in this order. */
export const COLUMNS = [
  'trip_id',
  'pickup_at',
  'dropoff_at',
  'pickup_zone',
  'dropoff_zone',
  'passenger_count',
  'distance_miles',
  'fare_usd',
  'tip_usd',
  'payment_type',
] as const;

/** How a trip was paid: tips are recorded for card payments only. */
export type PaymentType = 'card' | 'cash';

/** A trip that passed cleaning. */
export interface Trip {
  readonly id: string;
  /** ISO 8601 UTC, e.g. `2024-01-22T08:14:03Z`. */
  readonly pickupAt: string;
  readonly dropoffAt: string;
  readonly zone: Zone;
  readonly dropoffZone: Zone;
  readonly passengers: number;
  readonly miles: number;
  readonly fareUsd: number;
  readonly tipUsd: number;
  readonly payment: PaymentType;
}

/**
 * Why a row was dropped by cleaning. A row is dropped for the first rule it breaks, in this order;
 * a file that is broken as a whole (wrong header, a row with the wrong number of fields, cut off)
 * fails the day instead, since an unknown number of its rows is lost.
 */
export const DROP_REASONS = [
  'unparseable',
  'pickup_outside_hour',
  'dropoff_before_pickup',
  'zero_distance',
  'negative_fare',
  'bad_passenger_count',
  'unknown_zone',
] as const;

/** One of {@link DROP_REASONS}. */
export type DropReason = (typeof DROP_REASONS)[number];

/** Counts per drop reason, every reason present (zero when none). */
export type DropCounts = Record<DropReason, number>;

/** A fresh {@link DropCounts} of zeros. */
export function noDrops(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

/** The days the example covers: three weeks of hourly files, across a month boundary. */
export const RANGE = { start: '2024-01-22', end: '2024-02-12' } as const;

/** The months the monthly rollup covers (each month holding some of {@link RANGE}'s days). */
export const MONTHS = { start: '2024-01', end: '2024-03' } as const;

/** The seed the example's landing data is generated with. */
export const SEED = 2024;

/** The hour whose landed file is deliberately cut off mid-row (a partial upload). */
export const BROKEN_HOUR = '2024-02-02T17:00';
