/**
 * Factories of time-window partitions: `minutely`, `hourly`, `daily`, `weekly`, `monthly`,
 * `yearly` and `cronWindows`. A window is a partition once it has closed (plus `lagMinutes`); the
 * open window is not a partition.
 *
 * @example
 * ```ts
 * const days = daily({ start: '2024-01-01', timezone: 'America/New_York' });
 * days.count({ now: Date.parse('2024-01-03T05:00:00Z'), dynamicKeys: () => [] }); // 2
 * days.formatKey(0); // '2024-01-01'
 * ```
 */
import type { TimeGranularity, TimeWindowPartitions } from '../types.js';
import { CronLayout, compileCron, firstFireAtOrAfter } from './cron-layout.js';
import { timeKeyCodec } from './time-key.js';
import { alignDown, fixedLayout, type FixedGranularity, type WindowLayout } from './time-layout.js';
import {
  badOption,
  checkOptionNames,
  parseInstantOption,
  parseLagOption,
  parseTimeZoneOption,
  parseWeekStartsOnOption,
  weekdayName,
  type CronWindowOptions,
  type TimeWindowOptions,
  type WeeklyOptions,
} from './time-options.js';
import { TimeWindowDefinition } from './time-window-partitions.js';
import type { TimeZone } from './time-zone.js';

export type { CronWindowOptions, TimeWindowOptions, Weekday, WeeklyOptions } from './time-options.js';

const COMMON_OPTIONS = ['start', 'end', 'timezone', 'lagMinutes'] as const;

const ALIGNMENT_RULES: Record<FixedGranularity, string> = {
  minute: 'minutely windows start on a whole minute',
  hour: 'hourly windows start on the hour (local minutes and seconds zero)',
  day: 'daily windows start at local midnight',
  week: 'weekly windows start at local midnight on the first day of the week',
  month: 'monthly windows start at local midnight on the 1st',
  year: 'yearly windows start at local midnight on January 1st',
};

/** Every minute (absolute minutes). */
export function minutely(options: TimeWindowOptions): TimeWindowPartitions {
  return build('minute', 'minutely', options, COMMON_OPTIONS);
}

/** Every hour (absolute hours: a fall-back day has 25 partitions, a spring-forward day 23). */
export function hourly(options: TimeWindowOptions): TimeWindowPartitions {
  return build('hour', 'hourly', options, COMMON_OPTIONS);
}

/** Every local calendar day (a DST day lasts 23 or 25 hours). */
export function daily(options: TimeWindowOptions): TimeWindowPartitions {
  return build('day', 'daily', options, COMMON_OPTIONS);
}

/** Every local calendar week, starting on `weekStartsOn` (Monday by default); keyed by its first day. */
export function weekly(options: WeeklyOptions): TimeWindowPartitions {
  return build('week', 'weekly', options, [...COMMON_OPTIONS, 'weekStartsOn']);
}

/** Every local calendar month, keyed `YYYY-MM`. */
export function monthly(options: TimeWindowOptions): TimeWindowPartitions {
  return build('month', 'monthly', options, COMMON_OPTIONS);
}

/** Every local calendar year, keyed `YYYY`. */
export function yearly(options: TimeWindowOptions): TimeWindowPartitions {
  return build('year', 'yearly', options, COMMON_OPTIONS);
}

/**
 * Windows between consecutive fire times of a 5-field cron expression in `timezone` (croner's DST
 * rules: a fixed-time job skipped by a gap fires after it, an interval job fires in both passes of
 * a repeated hour). Window 0 starts at the first fire time at or after `start`. Fire times are
 * computed once and cached, so the first look far from `start` costs one croner call per window.
 */
export function cronWindows(options: CronWindowOptions): TimeWindowPartitions {
  return build('cron', 'cronWindows', options, [...COMMON_OPTIONS, 'cron']);
}

/** Validates the options of `factory` and builds the definition. */
function build(granularity: TimeGranularity, factory: string, options: unknown, known: readonly string[]): TimeWindowPartitions {
  checkOptionNames(options, factory, known);
  const raw = options as Partial<WeeklyOptions & CronWindowOptions>;
  const zone = parseTimeZoneOption(raw.timezone);
  const lagMinutes = parseLagOption(raw.lagMinutes);
  const weekStartsOn = granularity === 'week' ? parseWeekStartsOnOption(raw.weekStartsOn) : null;
  const requested = parseInstantOption(raw.start, zone, 'partitions.start');
  const codec = timeKeyCodec(granularity, zone);

  let startMs = requested;
  let layout: WindowLayout;
  let cron: string | null = null;
  if (granularity === 'cron') {
    cron = parseCronOption(raw.cron);
    const compiled = compileCronOption(cron, zone);
    const first = firstFireAtOrAfter(compiled, requested);
    if (first === undefined) badOption('partitions.cron', `partitions.cron "${cron}" never fires at or after ${raw.start ?? ''} in ${zone.name}`, cron);
    startMs = first;
    layout = new CronLayout(compiled, first);
  } else {
    const layoutOptions = { zone, weekStartsOn: weekStartsOn ?? 1 };
    const aligned = alignDown(granularity, requested, layoutOptions);
    if (aligned !== requested) {
      const next = fixedLayout(granularity, aligned, layoutOptions).startOf(1);
      const rule = granularity === 'week' ? `${ALIGNMENT_RULES.week} (${weekdayName(weekStartsOn ?? 1)})` : ALIGNMENT_RULES[granularity];
      badOption(
        'partitions.start',
        `partitions.start "${raw.start ?? ''}" is not aligned to a window in ${zone.name}: ${rule}; use "${codec.format(aligned)}" or "${codec.format(next)}"`,
        raw.start,
      );
    }
    layout = fixedLayout(granularity, startMs, layoutOptions);
  }

  let endMs: number | undefined;
  if (raw.end !== undefined) {
    endMs = parseInstantOption(raw.end, zone, 'partitions.end');
    if (endMs <= startMs) {
      badOption('partitions.end', `partitions.end "${raw.end}" must be after the start of the first window (${new Date(startMs).toISOString()})`, raw.end);
    }
  }
  return new TimeWindowDefinition({ granularity, zone, startMs, endMs, lagMinutes, weekStartsOn, cron, layout, codec });
}

/** The `cron` option, a non-empty string. */
function parseCronOption(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    badOption('partitions.cron', `partitions.cron must be a cron expression such as "0 6 * * *", got ${JSON.stringify(value) ?? 'nothing'}`, value);
  }
  return value;
}

/** Compiles the `cron` option with croner, turning its errors into a DefinitionError. */
function compileCronOption(cron: string, zone: TimeZone) {
  try {
    return compileCron(cron, zone);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return badOption('partitions.cron', `partitions.cron "${cron}" is not a valid 5-field cron expression: ${reason}`, cron);
  }
}
