/**
 * The time-window partitions definition shared by every granularity: a window layout (where
 * windows lie) plus a key codec (how they are named). A window exists once it has closed and its
 * lag has passed: `count(ctx)` is the number of windows `i ≥ 0` with
 * `windowAt(i).end + lagMs <= ctx.now` that start before `endMs`.
 */
import type { PartitionContext, PartitionKey, PartitionsSpec, TimeGranularity, TimeWindow, TimeWindowPartitions } from '../types.js';
import { MINUTE_MS } from './civil-date.js';
import type { TimeKeyCodec } from './time-key.js';
import type { WindowLayout } from './time-layout.js';
import { weekdayName } from './time-options.js';
import type { TimeZone } from './time-zone.js';

/** Largest instant a JavaScript `Date` can hold, in ms from the epoch either way. */
const MAX_INSTANT = 8.64e15;

/** Everything a time-window definition is made of, validated. */
export interface TimeWindowConfig {
  readonly granularity: TimeGranularity;
  readonly zone: TimeZone;
  /** Start of window 0 (aligned, or the first fire time for cron). */
  readonly startMs: number;
  readonly endMs: number | undefined;
  readonly lagMinutes: number;
  /** 1 = Monday … 7 = Sunday for `week`, else null. */
  readonly weekStartsOn: number | null;
  /** The cron expression for `cron`, else null. */
  readonly cron: string | null;
  readonly layout: WindowLayout;
  readonly codec: TimeKeyCodec;
}

const ADJECTIVES: Record<TimeGranularity, string> = {
  minute: 'minutely',
  hour: 'hourly',
  day: 'daily',
  week: 'weekly',
  month: 'monthly',
  year: 'yearly',
  cron: 'cron',
};

/** Slots of the formatted-key cache of a definition (a power of two). */
const KEY_CACHE_SIZE = 256;

/** Throws a RangeError unless `index` is a safe integer. */
function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index)) throw new RangeError(`partition index ${index} is not an integer`);
}

/** The time-window partitions of a validated configuration. */
export class TimeWindowDefinition implements TimeWindowPartitions {
  readonly kind = 'time' as const;
  readonly granularity: TimeGranularity;
  readonly timezone: string;
  readonly startMs: number;
  readonly endMs: number | undefined;
  readonly lagMs: number;
  private countNow = Number.NaN;
  private countValue = 0;
  private readonly cachedIndex = new Float64Array(KEY_CACHE_SIZE).fill(Number.NaN);
  private readonly cachedKey: Array<PartitionKey | undefined> = new Array<PartitionKey | undefined>(KEY_CACHE_SIZE);

  constructor(private readonly config: TimeWindowConfig) {
    this.granularity = config.granularity;
    this.timezone = config.zone.name;
    this.startMs = config.startMs;
    this.endMs = config.endMs;
    this.lagMs = config.lagMinutes * MINUTE_MS;
  }

  /** A name for messages: `daily`, `weekly (weeks start on Monday)`, `cron "0 6 * * *"`. */
  get label(): string {
    const { granularity, weekStartsOn, cron } = this.config;
    if (granularity === 'week') return `weekly (weeks start on ${weekdayName(weekStartsOn ?? 1)})`;
    if (granularity === 'cron') return `cron "${cron ?? ''}"`;
    return ADJECTIVES[granularity];
  }

  count(ctx: PartitionContext): number {
    // (A pure function of the clock: the last answer is kept, a planner asks at one `now` many times.)
    if (ctx.now === this.countNow) return this.countValue;
    const count = this.countAt(ctx.now);
    this.countNow = ctx.now;
    this.countValue = count;
    return count;
  }

  private countAt(now: number): number {
    const closedBy = now - this.lagMs;
    if (!(closedBy >= this.startMs)) return 0;
    const { layout } = this.config;
    const closed = layout.indexAt(closedBy);
    if (closed <= 0 || this.endMs === undefined || layout.startOf(closed - 1) < this.endMs) return Math.max(0, closed);
    return layout.indexAt(this.endMs - 1) + 1;
  }

  keyAt(index: number, ctx: PartitionContext): PartitionKey {
    const count = this.count(ctx);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(`partition index ${index} is outside 0 … ${count - 1} of ${this.describe()}`);
    }
    return this.formatKey(index);
  }

  indexOf(key: PartitionKey, ctx: PartitionContext): number | undefined {
    const parsed = typeof key === 'string' ? this.config.codec.parse(key) : undefined;
    if (parsed === undefined || 'problem' in parsed) return undefined;
    // Cheap bounds first: a window starting at or after `now - lag` has not closed yet.
    if (parsed.instant < this.startMs || parsed.instant >= ctx.now - this.lagMs) return undefined;
    const index = this.locate(key, parsed.instant).index;
    return index !== undefined && index < this.count(ctx) ? index : undefined;
  }

  checkKey(key: PartitionKey): string | undefined {
    return this.resolve(key).problem;
  }

  describe(): string {
    const end = this.endMs === undefined ? '' : ` until ${this.instantLabel(this.endMs)}`;
    const lag = this.config.lagMinutes === 0 ? '' : `, ${this.config.lagMinutes} min lag`;
    return `${this.label} from ${this.instantLabel(this.startMs)}${end} (${this.timezone})${lag}`;
  }

  toSpec(): PartitionsSpec {
    const { granularity, cron, lagMinutes, weekStartsOn } = this.config;
    return {
      kind: 'time',
      granularity,
      timezone: this.timezone,
      start: new Date(this.startMs).toISOString(),
      end: this.endMs === undefined ? null : new Date(this.endMs).toISOString(),
      cron: granularity === 'cron' ? cron : null,
      lagMinutes,
      weekStartsOn: granularity === 'week' ? weekStartsOn : null,
    };
  }

  windowAt(index: number): TimeWindow {
    assertIndex(index);
    return { start: this.startOf(index), end: this.startOf(index + 1) };
  }

  indexAtInstant(instant: number): number {
    if (!(Math.abs(instant) <= MAX_INSTANT)) throw new RangeError(`instant ${instant} is not a valid time`);
    return this.config.layout.indexAt(instant);
  }

  formatKey(index: number): PartitionKey {
    // Keys formatted recently, direct-mapped by index: a planner hashing tokens asks for the same
    // keys again and again (a partition's own, its window's first and last upstream keys).
    const slot = index & (KEY_CACHE_SIZE - 1);
    if (this.cachedIndex[slot] === index) return this.cachedKey[slot] as PartitionKey;
    assertIndex(index);
    const key = this.config.codec.format(this.startOf(index));
    this.cachedIndex[slot] = index;
    this.cachedKey[slot] = key;
    return key;
  }

  parseKey(key: PartitionKey): number | undefined {
    return this.resolve(key).index;
  }

  /** Start of window `index`, checked to be a representable instant. */
  private startOf(index: number): number {
    const start = this.config.layout.startOf(index);
    if (!(Math.abs(start) <= MAX_INSTANT)) throw new RangeError(`window ${index} of ${this.label} windows lies outside the representable time range`);
    return start;
  }

  /** The key of the window starting at `instant` if there is one, else its ISO form. */
  private instantLabel(instant: number): string {
    const { layout, codec } = this.config;
    return layout.startOf(layout.indexAt(instant)) === instant ? codec.format(instant) : new Date(instant).toISOString();
  }

  /** The index a key names, or why it is malformed. */
  private resolve(key: PartitionKey): { index?: number; problem?: string } {
    if (typeof key !== 'string') return { problem: this.explain(key, 'it is not a string') };
    const parsed = this.config.codec.parse(key);
    return 'problem' in parsed ? { problem: this.explain(key, parsed.problem) } : this.locate(key, parsed.instant);
  }

  /** The index of the window a parsed key names: it must start at `instant` and be spelt canonically. */
  private locate(key: PartitionKey, instant: number): { index?: number; problem?: string } {
    const { codec, layout } = this.config;
    try {
      const index = layout.indexAt(instant);
      const start = layout.startOf(index);
      if (start !== instant) return { problem: this.explain(key, `it is not the start of a window; the window containing it is "${codec.format(start)}"`) };
      // (Formatting is most of the cost of reading a key: skipped when parsing was exact already.)
      if (codec.parsesOnlyCanonical) return { index };
      const canonical = codec.format(start);
      if (canonical !== key) return { problem: this.explain(key, `the canonical form of this key is "${canonical}"`) };
      return { index };
    } catch (error) {
      if (error instanceof RangeError) return { problem: this.explain(key, error.message) };
      throw error;
    }
  }

  /** A full explanation of a malformed key, with the expected format and an example. */
  private explain(key: unknown, problem: string): string {
    const { codec } = this.config;
    return `${JSON.stringify(key)} is not a valid ${this.label} partition key in ${this.timezone}: ${problem}; expected ${codec.pattern}, e.g. "${codec.format(this.startMs)}"`;
  }
}
