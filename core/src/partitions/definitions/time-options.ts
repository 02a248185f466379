/**
 * Options of the time-window factories and their validation. Every problem is a
 * `DefinitionError` (`definition.bad_option`) whose context names the field and whose message
 * names the offending value.
 */
import { DefinitionError } from '../../errors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEKDAY_NAMES, daysFromCivil } from './civil-date.js';
import { calendarProblem } from './time-key.js';
import { instantsAtLocal, resolveTimeZone, startOfLocalDay, type TimeZone } from './time-zone.js';

/** A day of the week: 1 = Monday … 7 = Sunday (ISO 8601). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Options shared by every time-window factory. */
export interface TimeWindowOptions {
  /**
   * Start of the first window: an ISO date or date-time (`2024-01-01`, `2024-01`,
   * `2024-01-01T06:00`, `2024-01-01T06:00:00Z`, `2024-01-01T06:00+02:00`), read in `timezone`
   * unless it carries an offset. A date alone means the start of that local day. Must lie on a
   * window boundary (cron windows start at the first fire time at or after it).
   */
  readonly start: string;
  /** No window starts at or after this instant (same format as `start`); open-ended when omitted. */
  readonly end?: string;
  /** IANA time zone the windows and keys are laid out in. @default 'UTC' */
  readonly timezone?: string;
  /** Minutes after a window closes before its partition exists. @default 0 */
  readonly lagMinutes?: number;
}

/** Options of {@link weekly}. */
export interface WeeklyOptions extends TimeWindowOptions {
  /** First day of the week. @default 1 (Monday) */
  readonly weekStartsOn?: Weekday;
}

/** Options of {@link cronWindows}. */
export interface CronWindowOptions extends TimeWindowOptions {
  /** A 5-field cron expression (minute hour day-of-month month day-of-week) or a nickname like `@daily`. */
  readonly cron: string;
}

/** Throws the `definition.bad_option` error for `field`. */
export function badOption(field: string, message: string, value?: unknown): never {
  throw new DefinitionError('definition.bad_option', message, { field, ...(value === undefined ? {} : { value }) });
}

/** Rejects option names the factory does not know (a misspelt `timeZone` would otherwise be ignored). */
export function checkOptionNames(options: unknown, factory: string, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    badOption('partitions', `${factory}() takes an options object such as { start: '2024-01-01' }, got ${String(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      badOption(`partitions.${name}`, `unknown option "${name}" for ${factory}(); known options: ${known.join(', ')}`, name);
    }
  }
}

/** The zone named by the `timezone` option (UTC when omitted). */
export function parseTimeZoneOption(value: unknown): TimeZone {
  const name = value ?? 'UTC';
  const zone = typeof name === 'string' ? resolveTimeZone(name) : undefined;
  if (zone === undefined) {
    badOption('partitions.timezone', `partitions.timezone ${JSON.stringify(name)} is not a known IANA time zone (e.g. "UTC", "America/New_York", "Europe/Berlin")`, name);
  }
  return zone;
}

/** The `lagMinutes` option in ms. */
export function parseLagOption(value: unknown): number {
  const lag = value ?? 0;
  if (typeof lag !== 'number' || !Number.isSafeInteger(lag) || lag < 0) {
    badOption('partitions.lagMinutes', `partitions.lagMinutes ${String(lag)} must be a non-negative whole number of minutes`, lag);
  }
  return lag + 0; // normalizes -0
}

/** The `weekStartsOn` option. */
export function parseWeekStartsOnOption(value: unknown): Weekday {
  const day = value ?? 1;
  if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 7) {
    badOption('partitions.weekStartsOn', `partitions.weekStartsOn ${String(day)} must be 1 (Monday) … 7 (Sunday)`, day);
  }
  return day as Weekday;
}

/** Name of an ISO weekday (1 = Monday … 7 = Sunday). */
export function weekdayName(day: number): string {
  return WEEKDAY_NAMES[day] ?? `day ${day}`;
}

const INSTANT = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The instant of an ISO date or date-time option, read in `zone` when it has no offset. A date
 * alone is the first instant of that local day; a local time in a DST overlap is its first
 * occurrence; a local time the clocks skip is rejected.
 */
export function parseInstantOption(value: unknown, zone: TimeZone, field: string): number {
  if (typeof value !== 'string') {
    badOption(field, `${field} must be an ISO date string such as "2024-01-01", got ${value === undefined ? 'nothing' : JSON.stringify(value)}`, value);
  }
  const match = INSTANT.exec(value);
  if (!match) {
    badOption(field, `${field} "${value}" is not an ISO date or date-time: expected e.g. "2024-01-01", "2024-01-01T06:00" or "2024-01-01T06:00:00Z"`, value);
  }
  const [, y = '', mo = '01', d = '01', h, mi = '00', s = '00', fraction = '', offset] = match;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const dateProblem = calendarProblem(year, month, day);
  if (dateProblem !== undefined) badOption(field, `${field} "${value}" is not valid: ${dateProblem}`, value);
  const days = daysFromCivil(year, month, day);
  if (h === undefined) return startOfLocalDay(zone, days);

  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (hour > 23 || minute > 59 || second > 59) badOption(field, `${field} "${value}" is not valid: ${h}:${mi}:${s} is not a time of day`, value);
  const local = days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000 + Number(fraction.padEnd(3, '0'));
  if (offset === 'Z') return local;
  if (offset !== undefined) {
    const [oh, om] = [Number(offset.slice(1, 3)), Number(offset.slice(4, 6))];
    if (oh > 23 || om > 59) badOption(field, `${field} "${value}" is not valid: ${offset} is not a UTC offset`, value);
    return local - (offset.startsWith('-') ? -1 : 1) * (oh * HOUR_MS + om * MINUTE_MS);
  }
  const [first] = instantsAtLocal(zone, local);
  if (first === undefined) badOption(field, `${field} "${value}" does not exist in ${zone.name}: the clocks skip it (DST)`, value);
  return first;
}
