/**
 * IANA time zones for time-window partitions: offsets come from luxon's `IANAZone` (the platform's
 * tz database through `Intl`, memoized in `offset-cache.ts`); this module turns them into local
 * wall-clock fields and back, including DST gaps (a local time that never happens) and overlaps
 * (one that happens twice).
 */
import { IANAZone } from 'luxon';
import { DAY_MS, MINUTE_MS, civilFromDays, floorMod, pad } from './civil-date.js';
import { OffsetCache } from './offset-cache.js';

/** A resolved time zone. */
export interface TimeZone {
  /** Normalized name: `UTC` for every UTC alias, else the IANA name (canonical case when known). */
  readonly name: string;
  /** True for UTC: keys carry no UTC offset. */
  readonly isUtc: boolean;
  /** UTC offset in ms at `instant` (local = instant + offset). */
  offsetMs(instant: number): number;
}

/** Local wall-clock fields of an instant in a zone. */
export interface LocalParts {
  /** Local day number (days since 1970-01-01). */
  readonly days: number;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** Milliseconds since local midnight (on the wall clock). */
  readonly msOfDay: number;
  readonly offsetMs: number;
}

const UTC_ALIASES = new Set([
  'utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'gmt0', 'etc/gmt0', 'gmt+0', 'etc/gmt+0', 'gmt-0',
  'etc/gmt-0', 'universal', 'etc/universal', 'zulu', 'etc/zulu', 'greenwich', 'etc/greenwich',
]);

const UTC: TimeZone = { name: 'UTC', isUtc: true, offsetMs: () => 0 };

let canonicalNames: Map<string, string> | undefined;

/** IANA names as the platform spells them, by lower case (`america/new_york` → `America/New_York`). */
function canonicalName(name: string): string {
  canonicalNames ??= new Map(Intl.supportedValuesOf('timeZone').map((tz) => [tz.toLowerCase(), tz]));
  return canonicalNames.get(name.toLowerCase()) ?? name;
}

/** One offset cache per zone, shared by every definition in that zone. */
const zones = new Map<string, TimeZone>();

/** Resolves an IANA zone name, or returns undefined when the platform does not know it. */
export function resolveTimeZone(name: string): TimeZone | undefined {
  if (UTC_ALIASES.has(name.toLowerCase())) return UTC;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) || !IANAZone.isValidZone(name)) return undefined;
  const canonical = canonicalName(name);
  let zone = zones.get(canonical);
  if (zone === undefined) {
    const luxonZone = IANAZone.create(canonical);
    const cache = new OffsetCache((instant) => Math.round(luxonZone.offset(instant) * MINUTE_MS));
    zone = { name: canonical, isUtc: false, offsetMs: (instant) => cache.offsetMs(instant) };
    zones.set(canonical, zone);
  }
  return zone;
}

/** Local wall-clock fields of `instant` in `zone`. */
export function localParts(zone: TimeZone, instant: number): LocalParts {
  const offsetMs = zone.offsetMs(instant);
  const local = instant + offsetMs;
  const days = Math.floor(local / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  return { days, year, month, day, msOfDay: local - days * DAY_MS, offsetMs };
}

/**
 * The instants whose wall-clock time in `zone` is `local` (a wall-clock time expressed as if it
 * were UTC epoch ms), ascending: none in a DST gap, two in an overlap, else one.
 */
export function instantsAtLocal(zone: TimeZone, local: number): number[] {
  if (zone.isUtc) return [local];
  const offsets = new Set([zone.offsetMs(local - DAY_MS), zone.offsetMs(local), zone.offsetMs(local + DAY_MS)]);
  const found: number[] = [];
  for (const offset of offsets) {
    const instant = local - offset;
    if (zone.offsetMs(instant) === offset && !found.includes(instant)) found.push(instant);
  }
  return found.sort((a, b) => a - b);
}

/**
 * The first instant of local day `days` in `zone`: local midnight, or the end of the DST gap when
 * midnight is skipped (as in zones that switch at 00:00).
 */
export function startOfLocalDay(zone: TimeZone, days: number): number {
  const midnight = days * DAY_MS;
  const [first] = instantsAtLocal(zone, midnight);
  if (first !== undefined) return first;
  // Midnight falls in a gap: find the first instant whose local time is at or after midnight.
  let low = midnight - zone.offsetMs(midnight + DAY_MS); // before the transition: local < midnight
  let high = midnight - zone.offsetMs(midnight - DAY_MS); // after it: local ≥ midnight
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (mid + zone.offsetMs(mid) >= midnight) high = mid;
    else low = mid;
  }
  return high;
}

/** `+HH:mm` / `-HH:mm` of an offset in ms, or undefined when it is not a whole number of minutes. */
export function formatOffset(offsetMs: number): string | undefined {
  if (offsetMs % MINUTE_MS !== 0) return undefined;
  const minutes = Math.abs(offsetMs) / MINUTE_MS;
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60), 2)}:${pad(minutes % 60, 2)}`;
}

/** `HH:mm` of a local time of day in ms (seconds are not shown). */
export function formatTimeOfDay(msOfDay: number): string {
  const minutes = Math.floor(msOfDay / MINUTE_MS);
  return `${pad(Math.floor(minutes / 60), 2)}:${pad(floorMod(minutes, 60), 2)}`;
}
