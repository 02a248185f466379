/**
 * Cron windows: window `i` runs from the i-th fire time (counting from the first at or after the
 * definition's start) to the next one. Fire times come from croner (DST rules included) and are
 * cached incrementally in growing typed arrays, forward from the start and backward before it, so
 * repeated lookups cost a binary search and croner is asked for each fire time once.
 */
import { Cron } from 'croner';
import type { WindowLayout } from './time-layout.js';
import type { TimeZone } from './time-zone.js';

/** At most this many fire times are cached in each direction (about 8 years of a per-minute cron). */
export const MAX_CRON_WINDOWS = 1 << 22;

/** A growing array of fire times, monotonic in one direction. */
class FireTimes {
  private values = new Float64Array(64);
  length = 0;
  exhausted = false;

  constructor(first?: number) {
    if (first !== undefined) this.push(first);
  }

  at(index: number): number {
    return this.values[index] ?? Number.NaN;
  }

  push(value: number): void {
    if (this.length === MAX_CRON_WINDOWS) {
      throw new RangeError(`cron windows: more than ${MAX_CRON_WINDOWS} windows needed; use a fixed granularity instead`);
    }
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** Creates a croner evaluator (never scheduled) for a 5-field pattern in `zone`; throws croner's error when invalid. */
export function compileCron(pattern: string, zone: TimeZone): Cron {
  const cron = new Cron(pattern, { ...(zone.isUtc ? { utcOffset: 0 } : { timezone: zone.name }), mode: '5-part', paused: true });
  if (cron.getPattern() === undefined) throw new TypeError('a date is not a cron expression');
  return cron;
}

/** The first fire time at or after `instant`, or undefined when there is none. */
export function firstFireAtOrAfter(cron: Cron, instant: number): number | undefined {
  let fire = cron.nextRun(new Date(instant - 1000))?.getTime();
  while (fire !== undefined && fire < instant) fire = cron.nextRun(new Date(fire))?.getTime();
  return fire;
}

/** The windows between consecutive fire times of a cron expression; window 0 starts at `startMs`. */
export class CronLayout implements WindowLayout {
  /** `forward.at(k)` is the start of window k. */
  private readonly forward: FireTimes;
  /** `backward.at(k)` is the start of window −(k + 1). */
  private readonly backward = new FireTimes();

  /** `startMs` must be a fire time of `cron`. */
  constructor(
    private readonly cron: Cron,
    readonly startMs: number,
  ) {
    this.forward = new FireTimes(startMs);
  }

  startOf(index: number): number {
    if (index >= 0) {
      while (this.forward.length <= index) this.extendForward(true);
      return this.forward.at(index);
    }
    const k = -index - 1;
    while (this.backward.length <= k) this.extendBackward(true);
    return this.backward.at(k);
  }

  indexAt(instant: number): number {
    if (instant >= this.startMs) {
      const times = this.forward;
      while (times.at(times.length - 1) <= instant && !times.exhausted) this.extendForward(false);
      // Largest k with times[k] <= instant (times ascending, times[0] <= instant).
      let low = 0;
      let high = times.length - 1;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (times.at(mid) <= instant) low = mid;
        else high = mid - 1;
      }
      return low;
    }
    const times = this.backward;
    while ((times.length === 0 || times.at(times.length - 1) > instant) && !times.exhausted) this.extendBackward(false);
    if (times.length === 0 || times.at(times.length - 1) > instant) {
      throw new RangeError(`cron "${this.cron.getPattern() ?? ''}" has no fire time at or before ${new Date(instant).toISOString()}`);
    }
    // Smallest k with times[k] <= instant (times descending).
    let low = 0;
    let high = times.length - 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (times.at(mid) <= instant) high = mid;
      else low = mid + 1;
    }
    return -(low + 1);
  }

  private extendForward(required: boolean): void {
    const times = this.forward;
    const last = times.at(times.length - 1);
    const next = times.exhausted ? undefined : this.cron.nextRun(new Date(last))?.getTime();
    if (next === undefined || !(next > last)) {
      times.exhausted = true;
      if (required) throw new RangeError(`cron "${this.cron.getPattern() ?? ''}" has no fire time after ${new Date(last).toISOString()}`);
      return;
    }
    times.push(next);
  }

  private extendBackward(required: boolean): void {
    const times = this.backward;
    const last = times.length === 0 ? this.startMs : times.at(times.length - 1);
    const previous = times.exhausted ? undefined : this.cron.previousRuns(1, new Date(last))[0]?.getTime();
    if (previous === undefined || !(previous < last)) {
      times.exhausted = true;
      if (required) throw new RangeError(`cron "${this.cron.getPattern() ?? ''}" has no fire time before ${new Date(last).toISOString()}`);
      return;
    }
    times.push(previous);
  }
}
