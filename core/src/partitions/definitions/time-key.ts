/**
 * Partition key formats of time windows, keyed by the local time of the window start:
 * minute and cron `YYYY-MM-DDTHH:mm`, hour `YYYY-MM-DDTHH:00`, day and week `YYYY-MM-DD`, month
 * `YYYY-MM`, year `YYYY`. Minute, hour and cron keys outside UTC end with the UTC offset of the
 * window start (`2024-11-03T01:00-04:00`), so the two 01:00 hours of a fall-back night differ.
 * Parsing is strict: zero-padded fields, real calendar dates, the right offset, nothing trailing.
 */
import type { PartitionKey, TimeGranularity } from '../types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, daysFromCivil, daysInMonth, formatCivilDate, monthName, pad } from './civil-date.js';
import { formatOffset, formatTimeOfDay, instantsAtLocal, localParts, startOfLocalDay, type TimeZone } from './time-zone.js';

/** Result of reading a key: the instant it names, or why it is malformed. */
export type ParsedTimeKey = { readonly instant: number } | { readonly problem: string };

/** Formats and parses the keys of one granularity in one zone. */
export interface TimeKeyCodec {
  /** The expected format, for messages, e.g. `YYYY-MM-DDTHH:00±HH:mm`. */
  readonly pattern: string;
  /** Key of the window starting at `instant`; RangeError when the key cannot express it. */
  format(instant: number): PartitionKey;
  /** The instant a key names (a window start if it is well-formed), or the problem. */
  parse(key: string): ParsedTimeKey;
  /**
   * Whether `parse` accepts only the canonical key of the instant it returns (so a parsed window
   * start needs no `format` to be checked). Not so for datetime keys with a UTC offset, where
   * `-00:00` parses like `+00:00`.
   */
  readonly parsesOnlyCanonical: boolean;
}

type Shape = 'datetime' | 'date' | 'month' | 'year';

const SHAPES: Record<TimeGranularity, Shape> = {
  minute: 'datetime',
  hour: 'datetime',
  cron: 'datetime',
  day: 'date',
  week: 'date',
  month: 'month',
  year: 'year',
};

const PATTERNS: Record<Shape, RegExp> = {
  datetime: /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?:([+-])(\d{2}):(\d{2}))?$/,
  date: /^(\d{4})-(\d{2})-(\d{2})$/,
  month: /^(\d{4})-(\d{2})$/,
  year: /^(\d{4})$/,
};

/** Why a year/month/day triple is not a calendar date, or undefined. */
export function calendarProblem(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12) return `month ${pad(month, 2)} does not exist`;
  const length = daysInMonth(year, month);
  if (day < 1 || day > length) {
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} is not a date (${monthName(month)} ${year} has ${length} days)`;
  }
  return undefined;
}

/** Builds the key codec for `granularity` in `zone`. */
export function timeKeyCodec(granularity: TimeGranularity, zone: TimeZone): TimeKeyCodec {
  const shape = SHAPES[granularity];
  const time = granularity === 'hour' ? 'HH:00' : 'HH:mm';
  const pattern = {
    datetime: `YYYY-MM-DDT${time}${zone.isUtc ? '' : '±HH:mm'}`,
    date: 'YYYY-MM-DD',
    month: 'YYYY-MM',
    year: 'YYYY',
  }[shape];

  const format = (instant: number): PartitionKey => {
    const local = localParts(zone, instant);
    if (!(local.year >= 0 && local.year <= 9999)) {
      throw new RangeError(`the window starting at ${instant} ms lies outside the years 0000–9999 that keys can express`);
    }
    const date = formatCivilDate(local);
    switch (shape) {
      case 'year':
        return date.slice(0, 4);
      case 'month':
        return date.slice(0, 7);
      case 'date':
        return date;
      case 'datetime': {
        const offset = formatOffset(local.offsetMs);
        if (local.msOfDay % MINUTE_MS !== 0 || offset === undefined) {
          throw new RangeError(`the window starting at ${new Date(instant).toISOString()} does not start on a whole minute in ${zone.name}`);
        }
        return `${date}T${formatTimeOfDay(local.msOfDay)}${zone.isUtc ? '' : offset}`;
      }
    }
  };

  const parse = (key: string): ParsedTimeKey => {
    const match = PATTERNS[shape].exec(key);
    if (!match) return { problem: 'it does not match the format' };
    const [, y = '', mo = '01', d = '01', h = '00', mi = '00', sign, oh = '00', om = '00'] = match;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    const dateProblem = calendarProblem(year, month, day);
    if (dateProblem !== undefined) return { problem: dateProblem };
    const days = daysFromCivil(year, month, day);
    if (shape !== 'datetime') return { instant: startOfLocalDay(zone, days) };

    const hour = Number(h);
    const minute = Number(mi);
    if (hour > 23 || minute > 59) return { problem: `${h}:${mi} is not a time of day` };
    if (zone.isUtc && sign !== undefined) return { problem: 'keys in UTC carry no UTC offset' };
    if (!zone.isUtc && sign === undefined) return { problem: `the UTC offset is missing (keys in ${zone.name} end with it)` };
    if (Number(oh) > 23 || Number(om) > 59) return { problem: `${sign ?? ''}${oh}:${om} is not a UTC offset` };
    const local = days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
    const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * HOUR_MS + Number(om) * MINUTE_MS);
    const instant = local - offsetMs;
    if (zone.offsetMs(instant) === offsetMs) return { instant };
    const wallClock = `${formatCivilDate({ year, month, day })}T${h}:${mi}`;
    const possible = instantsAtLocal(zone, local).map((at) => formatOffset(zone.offsetMs(at)) ?? '?');
    if (possible.length === 0) return { problem: `${wallClock} does not exist in ${zone.name} (the clocks skip it)` };
    return { problem: `wrong UTC offset ${sign ?? ''}${oh}:${om}: ${wallClock} in ${zone.name} is at ${possible.join(' or ')}` };
  };

  return { pattern, format, parse, parsesOnlyCanonical: shape !== 'datetime' || zone.isUtc };
}
