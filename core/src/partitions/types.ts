/**
 * The partition model's shared types. Every partitions definition numbers the partitions that
 * exist into a dense index space `0 … count(ctx) - 1`; partition sets and mappings work on those
 * indices (never on lists of key strings), and keys are produced only at the edges.
 */

/** A partition key as users and the store see it, e.g. `2024-01-31`, `us`, or `date=2024-01-31|region=us`. */
export type PartitionKey = string;

/** What partitions exist depends on the clock and on dynamic keys added at run time. */
export interface PartitionContext {
  /** Now, in epoch milliseconds. Core never reads the wall clock itself. */
  readonly now: number;
  /** The keys added so far to the dynamic partitions definition `name`, in insertion order. */
  dynamicKeys(name: string): readonly PartitionKey[];
}

/** Time-window granularities; `cron` windows run between consecutive fire times of a cron expression. */
export type TimeGranularity = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year' | 'cron';

/** A JSON description of a partitions definition: equal definitions give deep-equal specs. */
export type PartitionsSpec =
  | {
      readonly kind: 'time';
      readonly granularity: TimeGranularity;
      readonly timezone: string;
      /** ISO instant of the first window's start. */
      readonly start: string;
      /** ISO instant after which no window starts, if any. */
      readonly end: string | null;
      /** Cron expression for `cron` granularity, else null. */
      readonly cron: string | null;
      /** Minutes after a window closes before its partition exists. */
      readonly lagMinutes: number;
      /** First day of the week for `week` (1 = Monday … 7 = Sunday), else null. */
      readonly weekStartsOn: number | null;
    }
  | { readonly kind: 'unpartitioned' }
  | { readonly kind: 'static'; readonly keys: readonly PartitionKey[] }
  | { readonly kind: 'dynamic'; readonly name: string }
  | { readonly kind: 'multi'; readonly dimensions: ReadonlyArray<{ readonly name: string; readonly spec: PartitionsSpec }> };

interface PartitionsDefinitionBase {
  /** Number of partitions that exist in `ctx`; they are indexed 0 … count - 1. */
  count(ctx: PartitionContext): number;
  /** Key of the partition at `index`. Throws a RangeError when `index` is outside 0 … count - 1. */
  keyAt(index: number, ctx: PartitionContext): PartitionKey;
  /**
   * Index of `key`, or undefined when it is malformed or names a partition that does not exist in
   * `ctx` (a time window not yet closed, a dynamic key not yet added, a key outside start/end).
   */
  indexOf(key: PartitionKey, ctx: PartitionContext): number | undefined;
  /** Why `key` is malformed for this definition, or undefined when it is well-formed (existence is not checked). */
  checkKey(key: PartitionKey): string | undefined;
  /** A short human description, e.g. `daily from 2024-01-01 (UTC)`. */
  describe(): string;
  /** Canonical JSON description (deployments, code versions, equality). */
  toSpec(): PartitionsSpec;
}

/** A window of time, `[start, end)` in epoch milliseconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Time-window partitions: window `i` is the i-th window from `start`. */
export interface TimeWindowPartitions extends PartitionsDefinitionBase {
  readonly kind: 'time';
  readonly granularity: TimeGranularity;
  /** IANA time zone the windows and keys are laid out in. */
  readonly timezone: string;
  /** Start of window 0, epoch ms. */
  readonly startMs: number;
  /** No window starts at or after this instant (epoch ms), or undefined for open-ended definitions. */
  readonly endMs: number | undefined;
  /** Delay after a window closes before its partition exists, in ms. */
  readonly lagMs: number;
  /**
   * Window `index` (any integer, also negative or beyond `count`: windows extend in both
   * directions; only 0 … count - 1 exist).
   */
  windowAt(index: number): TimeWindow;
  /** Index of the window containing `instant` (may be negative or ≥ count). */
  indexAtInstant(instant: number): number;
  /** Key of window `index`, without checking that the window exists. */
  formatKey(index: number): PartitionKey;
  /** Index of a well-formed key, without checking existence; undefined when malformed or not a window boundary. */
  parseKey(key: PartitionKey): number | undefined;
}

/** A fixed list of keys. */
export interface StaticPartitions extends PartitionsDefinitionBase {
  readonly kind: 'static';
  readonly keys: readonly PartitionKey[];
}

/** Keys added at run time (by a sensor, a source, or a user), in insertion order. */
export interface DynamicPartitions extends PartitionsDefinitionBase {
  readonly kind: 'dynamic';
  readonly name: string;
}

/** One named dimension of a multi-dimensional definition. */
export interface PartitionDimension {
  readonly name: string;
  readonly definition: SingleDimensionPartitions;
}

/**
 * The product of any number of dimensions (at most one of them time-based). Keys are
 * `name=value` pairs sorted by dimension name and joined with `|`; `\`, `|` and `=` inside names
 * and values are escaped with `\`. Indices are mixed-radix: the time dimension (if any) is the
 * most significant digit, so new time windows append at the end; the others follow in name order.
 */
export interface MultiPartitions extends PartitionsDefinitionBase {
  readonly kind: 'multi';
  /** Dimensions sorted by name. */
  readonly dimensions: readonly PartitionDimension[];
  /** Dimensions in index digit order (time first, then by name). */
  readonly digitOrder: readonly PartitionDimension[];
  /** Per-dimension indices of a multi index (in `dimensions` order). */
  decompose(index: number, ctx: PartitionContext): number[];
  /** Multi index of per-dimension indices (in `dimensions` order). */
  compose(indices: readonly number[], ctx: PartitionContext): number;
  /** The per-dimension values of a key, by dimension name; undefined when malformed. */
  splitKey(key: PartitionKey): Record<string, PartitionKey> | undefined;
  /** The key of per-dimension values given by dimension name. */
  joinKey(values: Readonly<Record<string, PartitionKey>>): PartitionKey;
}

export type SingleDimensionPartitions = TimeWindowPartitions | StaticPartitions | DynamicPartitions;

/**
 * The definition of an asset without partitions: exactly one partition, index 0, whose key is the
 * empty string (stored and hashed as "no partition").
 */
export interface Unpartitioned extends PartitionsDefinitionBase {
  readonly kind: 'unpartitioned';
}

/** Any partitions definition. */
export type PartitionsDefinition = SingleDimensionPartitions | MultiPartitions | Unpartitioned;
