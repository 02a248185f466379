/**
 * Cleaning of one landed hourly file. Rows that break a rule are dropped and counted by reason
 * (dirty data is normal: a few voided fares, clock glitches). A file that is broken as a whole —
 * a different header, a row with the wrong number of fields, a file cut off mid-row — throws:
 * an unknown number of its rows is lost, so the day it belongs to must not be published.
 */
import { COLUMNS, isZone, noDrops, type DropCounts, type DropReason, type PaymentType, type Trip } from './schema.js';

/** The trips of one hour that passed cleaning, and what was dropped. */
export interface CleanHour {
  readonly trips: Trip[];
  readonly rows: number;
  readonly dropped: DropCounts;
}

/** A landed file that cannot be read as a whole; the message names the hour and the line. */
export class BrokenFileError extends Error {
  override readonly name = 'BrokenFileError';
}

const HOUR_MS = 3_600_000;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The rule `fields` breaks first, or the trip they make. */
function check(fields: readonly string[], hourStart: number): DropReason | Trip {
  const [id = '', pickupAt = '', dropoffAt = '', zone = '', dropoffZone = '', passengers, miles, fare, tip, payment] = fields;
  const numbers = [passengers, miles, fare, tip].map((v) => (v === undefined || v.trim() === '' ? Number.NaN : Number(v)));
  const [p = Number.NaN, m = Number.NaN, f = Number.NaN, t = Number.NaN] = numbers;
  if (!TIME.test(pickupAt) || !TIME.test(dropoffAt) || numbers.some((n) => !Number.isFinite(n)) || (payment !== 'card' && payment !== 'cash')) return 'unparseable';
  const pickup = Date.parse(pickupAt);
  if (pickup < hourStart || pickup >= hourStart + HOUR_MS) return 'pickup_outside_hour';
  if (Date.parse(dropoffAt) <= pickup) return 'dropoff_before_pickup';
  if (m <= 0) return 'zero_distance';
  if (f < 0 || t < 0) return 'negative_fare';
  if (!Number.isInteger(p) || p < 1 || p > 6) return 'bad_passenger_count';
  if (!isZone(zone) || !isZone(dropoffZone)) return 'unknown_zone';
  return { id, pickupAt, dropoffAt, zone, dropoffZone, passengers: p, miles: m, fareUsd: f, tipUsd: t, payment: payment as PaymentType };
}

/**
 * Parses and cleans the file of `hour` (`YYYY-MM-DDTHH:00`, UTC). Throws a {@link BrokenFileError}
 * when the file as a whole cannot be trusted.
 */
export function cleanHour(hour: string, bytes: Uint8Array): CleanHour {
  const text = new TextDecoder().decode(bytes);
  const broken = (message: string): never => {
    throw new BrokenFileError(`trips ${hour}: ${message}`);
  };
  if (text.length > 0 && !text.endsWith('\n')) {
    const lines = text.split('\n');
    broken(`the file does not end with a newline: it was cut off after ${lines.length - 2} complete rows (line ${lines.length} is ${JSON.stringify(lines.at(-1))}); land the complete file again`);
  }
  const lines = text.split('\n').slice(0, -1);
  if (lines[0] !== COLUMNS.join(',')) broken(`line 1 is not the expected header ${JSON.stringify(COLUMNS.join(','))}: ${JSON.stringify(lines[0] ?? '')}`);
  const hourStart = Date.parse(`${hour}:00Z`);
  const trips: Trip[] = [];
  const dropped = noDrops();
  for (let i = 1; i < lines.length; i++) {
    const fields = (lines[i] as string).split(',');
    if (fields.length !== COLUMNS.length) broken(`line ${i + 1} has ${fields.length} fields, expected ${COLUMNS.length}`);
    const result = check(fields, hourStart);
    if (typeof result === 'string') dropped[result]++;
    else trips.push(result);
  }
  return { trips, rows: lines.length - 1, dropped };
}
