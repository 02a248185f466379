import { RangeSet } from '../sets/range-set.js';
import type { PartitionContext, PartitionsDefinition, TimeWindowPartitions } from '../types.js';
import type { UpstreamPartitions } from './types.js';

const NO_KEYS: readonly string[] = [];

/**
 * Splits candidate upstream indices into the ones that exist and the ones that are required but
 * missing. Indices past the existing ones are missing (not closed yet) unless they lie after the
 * definition's end; indices before 0 or after the end are outside the definition: dropped, or
 * missing when the mapping is strict.
 */
export function splitByExistence(up: PartitionsDefinition, candidates: RangeSet, ctx: PartitionContext, strict: boolean): UpstreamPartitions {
  const count = up.count(ctx);
  const existing = candidates.clamp(0, count);
  if (existing.size === candidates.size) return { existing, missing: RangeSet.EMPTY, missingKeys: NO_KEYS };
  const endIndex = up.kind === 'time' && up.endMs !== undefined ? up.indexAtInstant(up.endMs - 1) + 1 : Number.MAX_SAFE_INTEGER;
  const notYet = candidates.clamp(count, endIndex);
  const outside = strict ? candidates.clamp(Number.MIN_SAFE_INTEGER, 0).union(candidates.clamp(Math.max(endIndex, count), Number.MAX_SAFE_INTEGER)) : RangeSet.EMPTY;
  return { existing, missing: notYet.union(outside), missingKeys: NO_KEYS };
}

/**
 * {@link splitByExistence} of one candidate range `[start, end)`, with the upstream's count and end
 * computed once: the returned function writes the existing part to `out` and returns false when
 * a required index is missing (not closed yet, or outside the definition of a strict mapping).
 */
export function prepareSplit(up: PartitionsDefinition, ctx: PartitionContext, strict: boolean): (start: number, end: number, out: Float64Array) => boolean {
  const count = up.count(ctx);
  const endIndex = up.kind === 'time' && up.endMs !== undefined ? up.indexAtInstant(up.endMs - 1) + 1 : Number.MAX_SAFE_INTEGER;
  const outsideFrom = Math.max(endIndex, count);
  return (start, end, out) => {
    const a = start > 0 ? start : 0;
    const b = end < count ? end : count;
    out[0] = a;
    out[1] = b > a ? b : a;
    if (end <= start || (a === start && b === end)) return true;
    if ((end < endIndex ? end : endIndex) > (start > count ? start : count)) return false;
    return !(strict && (start < 0 || end > outsideFrom));
  };
}

/** Writes `[start, end)` clamped to `[0, count)` to `out` (the downstream side of a prepared mapping). */
export function clampInto(start: number, end: number, count: number, out: Float64Array): void {
  const a = start > 0 ? start : 0;
  const b = end < count ? end : count;
  out[0] = a;
  out[1] = b > a ? b : a;
}

/** Builds a RangeSet by mapping each range of `source` to one range (empty ranges skipped). */
export function mapRanges(source: RangeSet, map: (start: number, end: number) => readonly [number, number]): RangeSet {
  const out: Array<readonly [number, number]> = [];
  for (const [start, end] of source.ranges()) {
    const r = map(start, end);
    if (r[1] > r[0]) out.push(r);
  }
  return RangeSet.fromRanges(out);
}

/**
 * The upstream windows overlapping downstream windows `[a, b)`: a contiguous range because
 * windows are ordered in time.
 */
export function overlappingWindows(up: TimeWindowPartitions, down: TimeWindowPartitions, a: number, b: number): readonly [number, number] {
  const start = down.windowAt(a).start;
  const end = down.windowAt(b - 1).end;
  return [up.indexAtInstant(start), up.indexAtInstant(end - 1) + 1];
}

/** Describes a definition for error messages. */
export function describeDef(def: PartitionsDefinition): string {
  return def.describe();
}

/** True when both definitions are equal (same spec). */
export function sameDefinition(a: PartitionsDefinition, b: PartitionsDefinition): boolean {
  return JSON.stringify(a.toSpec()) === JSON.stringify(b.toSpec());
}

/** Calendar-based granularities have windows of varying length; ordered finest first. */
export const GRANULARITY_ORDER = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
