/**
 * Status summaries of an asset's partitions from one status code per partition (an index of
 * `PARTITION_STATUSES`, by the definition's partition index): runs of one status, and counts per
 * calendar bucket (year → month → day → hour) for time windows or per key for other dimensions,
 * per dimension for multi-dimensional assets. Everything here is a pass over a byte array: a
 * million partitions take milliseconds.
 */
import { DateTime } from 'luxon';
import type { PartitionContext, PartitionKey, PartitionsDefinition, SingleDimensionPartitions, TimeWindowPartitions } from '../partitions/types.js';
import { PARTITION_STATUSES, type PartitionStatus } from './types.js';

/** A calendar level of time buckets, coarsest first. */
export type SummaryLevel = 'year' | 'month' | 'day' | 'hour';
export const SUMMARY_LEVELS: readonly SummaryLevel[] = ['year', 'month', 'day', 'hour'];

/** Partitions by status over a run of partitions. */
export type StatusCounts = Record<PartitionStatus, number>;

/** One bucket of a summary: a calendar period or a key, with its partitions' counts by status. */
export interface StatusBucket {
  /** `2024`, `2024-03`, `2024-03-01`, `2024-03-01T05` for time buckets; the key for others. */
  readonly label: string;
  /** Index range `[fromIndex, toIndex)` of the dimension's partitions (of the asset's, for one dimension). */
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly firstKey: PartitionKey;
  readonly lastKey: PartitionKey;
  readonly count: number;
  readonly counts: StatusCounts;
}

/** A run of consecutive partitions with one status. */
export interface StatusRun {
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly status: PartitionStatus;
}

/** Counts of every status, zero where none. */
export function emptyCounts(): StatusCounts {
  return Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

function countsOf(histogram: Float64Array | Uint32Array, offset: number): StatusCounts {
  const counts = emptyCounts();
  PARTITION_STATUSES.forEach((s, code) => (counts[s] = histogram[offset + code] ?? 0));
  return counts;
}

/** Runs of one status over `[from, to)`, at most `limit` (the last run may be cut at the limit). */
export function statusRuns(codes: Uint8Array, from = 0, to = codes.length, limit = Infinity): StatusRun[] {
  const out: StatusRun[] = [];
  let start = from;
  for (let i = from + 1; i <= to && out.length < limit; i++) {
    if (i === to || codes[i] !== codes[start]) {
      out.push({ fromIndex: start, toIndex: i, status: PARTITION_STATUSES[codes[start] as number] as PartitionStatus });
      start = i;
    }
  }
  return out;
}

/** The total counts of `[from, to)`. */
export function totalCounts(codes: Uint8Array, from = 0, to = codes.length): StatusCounts {
  const histogram = new Uint32Array(PARTITION_STATUSES.length);
  for (let i = from; i < to; i++) histogram[codes[i] as number]!++;
  return countsOf(histogram, 0);
}

const LEVEL_FORMAT: Record<SummaryLevel, string> = { year: 'yyyy', month: 'yyyy-MM', day: 'yyyy-MM-dd', hour: "yyyy-MM-dd'T'HH" };
const GRANULARITY_LEVEL: Record<string, number> = { minute: 4, hour: 3, day: 2, week: 2, month: 1, year: 0 };

/** The finest level worth bucketing windows of this definition at (an hourly asset stops at hours). */
export function finestLevel(def: TimeWindowPartitions): SummaryLevel {
  return SUMMARY_LEVELS[Math.min(GRANULARITY_LEVEL[def.granularity] ?? 3, 3)] as SummaryLevel;
}

/** The coarsest level that splits `[from, to)` of a time definition into more than one bucket, stopping at its finest. */
export function naturalLevel(def: TimeWindowPartitions, from: number, to: number): SummaryLevel {
  const finest = SUMMARY_LEVELS.indexOf(finestLevel(def));
  if (to - from <= 1) return SUMMARY_LEVELS[finest] as SummaryLevel;
  const first = DateTime.fromMillis(def.windowAt(from).start, { zone: def.timezone });
  const last = DateTime.fromMillis(def.windowAt(to - 1).start, { zone: def.timezone });
  for (let l = 0; l < finest; l++) {
    const level = SUMMARY_LEVELS[l] as SummaryLevel;
    if (first.toFormat(LEVEL_FORMAT[level]) !== last.toFormat(LEVEL_FORMAT[level])) return level;
  }
  return SUMMARY_LEVELS[finest] as SummaryLevel;
}

/** Boundaries of calendar buckets over windows `[from, to)`: each bucket's first index, then `to`. */
function timeBuckets(def: TimeWindowPartitions, from: number, to: number, level: SummaryLevel, maxBuckets: number): { starts: number[]; labels: string[] } {
  const starts: number[] = [];
  const labels: string[] = [];
  let index = from;
  while (index < to) {
    if (starts.length >= maxBuckets) throw new RangeError(`more than ${maxBuckets} ${level} buckets: ask for a coarser level or a narrower range`);
    const begin = DateTime.fromMillis(def.windowAt(index).start, { zone: def.timezone }).startOf(level);
    starts.push(index);
    labels.push(begin.toFormat(LEVEL_FORMAT[level]));
    const next = begin.plus({ [`${level}s`]: 1 }).toMillis();
    let i = def.indexAtInstant(next);
    if (def.windowAt(i).start < next) i++;
    index = Math.max(i, index + 1);
  }
  starts.push(to);
  return { starts, labels };
}

/** Buckets of one dimension's indices `[from, to)`: calendar buckets for time, one per key (or equal chunks past `maxBuckets`) for others. */
function dimensionBuckets(def: SingleDimensionPartitions, ctx: PartitionContext, from: number, to: number, level: SummaryLevel | undefined, maxBuckets: number): { starts: number[]; labels: string[] } {
  if (def.kind === 'time') {
    const finest = SUMMARY_LEVELS.indexOf(finestLevel(def));
    const chosen = level === undefined ? naturalLevel(def, from, to) : (SUMMARY_LEVELS[Math.min(SUMMARY_LEVELS.indexOf(level), finest)] as SummaryLevel);
    return timeBuckets(def, from, to, chosen, maxBuckets);
  }
  const size = Math.max(1, Math.ceil((to - from) / maxBuckets));
  const starts: number[] = [];
  const labels: string[] = [];
  for (let i = from; i < to; i += size) {
    starts.push(i);
    labels.push(size === 1 ? def.keyAt(i, ctx) : `${def.keyAt(i, ctx)} … ${def.keyAt(Math.min(i + size, to) - 1, ctx)}`);
  }
  starts.push(to);
  return { starts, labels };
}

/** Options of {@link summarizeStatuses}. */
export interface SummaryOptions {
  /** Calendar level of time buckets. @default the coarsest level with more than one bucket */
  readonly level?: SummaryLevel;
  /** Index range of the summary (of the asset for one dimension; of the named dimension for multi). */
  readonly from?: number;
  readonly to?: number;
  /** Multi-dimensional assets: the dimension to bucket by. @default every dimension */
  readonly dimension?: string;
  /** @default 5000 */
  readonly maxBuckets?: number;
}

/** One dimension's buckets. */
export interface DimensionSummary {
  /** The dimension's name ('' for a one-dimensional asset). */
  readonly dimension: string;
  readonly buckets: readonly StatusBucket[];
}

/**
 * Counts per bucket, per dimension: for a one-dimensional asset, buckets of `[from, to)`; for a
 * multi-dimensional one, for each dimension (or the one asked for), buckets of its own partitions
 * with counts over every combination of the other dimensions.
 */
export function summarizeStatuses(def: PartitionsDefinition, ctx: PartitionContext, codes: Uint8Array, options: SummaryOptions = {}): DimensionSummary[] {
  const maxBuckets = options.maxBuckets ?? 5000;
  const S = PARTITION_STATUSES.length;
  if (def.kind !== 'multi') {
    const from = Math.max(0, options.from ?? 0);
    const to = Math.min(codes.length, options.to ?? codes.length);
    if (def.kind === 'unpartitioned') return [{ dimension: '', buckets: to > from ? [{ label: '', fromIndex: 0, toIndex: 1, firstKey: '', lastKey: '', count: 1, counts: totalCounts(codes, 0, 1) }] : [] }];
    const { starts, labels } = dimensionBuckets(def, ctx, from, to, options.level, maxBuckets);
    return [{ dimension: '', buckets: labels.map((label, b) => bucket(def, ctx, codes, label, starts[b] as number, starts[b + 1] as number)) }];
  }
  const digits = def.digitOrder;
  const counts = digits.map((d) => d.definition.count(ctx));
  const strides = counts.map((_, k) => counts.slice(k + 1).reduce((p, c) => p * c, 1));
  const out: DimensionSummary[] = [];
  digits.forEach((dim, k) => {
    if (options.dimension !== undefined && options.dimension !== dim.name) return;
    const n = counts[k] as number;
    const from = options.dimension === undefined ? 0 : Math.max(0, options.from ?? 0);
    const to = options.dimension === undefined ? n : Math.min(n, options.to ?? n);
    const { starts, labels } = dimensionBuckets(dim.definition, ctx, from, to, options.level, maxBuckets);
    const bucketOf = new Int32Array(n).fill(-1);
    for (let b = 0; b < labels.length; b++) for (let v = starts[b] as number; v < (starts[b + 1] as number); v++) bucketOf[v] = b;
    const histogram = new Float64Array(labels.length * S);
    const stride = strides[k] as number;
    for (let i = 0; i < codes.length; i++) {
      const b = bucketOf[Math.floor(i / stride) % n] as number;
      if (b >= 0) histogram[b * S + (codes[i] as number)]!++;
    }
    out.push({
      dimension: dim.name,
      buckets: labels.map((label, b) => {
        const a = starts[b] as number;
        const z = starts[b + 1] as number;
        const c = countsOf(histogram, b * S);
        return { label, fromIndex: a, toIndex: z, firstKey: dim.definition.keyAt(a, ctx), lastKey: dim.definition.keyAt(z - 1, ctx), count: (z - a) * (codes.length / n), counts: c };
      }),
    });
  });
  return out;
}

function bucket(def: PartitionsDefinition, ctx: PartitionContext, codes: Uint8Array, label: string, from: number, to: number): StatusBucket {
  return { label, fromIndex: from, toIndex: to, firstKey: def.keyAt(from, ctx), lastKey: def.keyAt(to - 1, ctx), count: to - from, counts: totalCounts(codes, from, to) };
}
