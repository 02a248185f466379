import type { ResolvedInput } from '../definitions/graph.js';
import type { MappingContext, PreparedMapping } from '../partitions/mappings/types.js';
import { RangeSet } from '../partitions/sets/range-set.js';
import type { AssetIndex } from './asset-index.js';

/**
 * Reads what one input of an asset maps to, one partition at a time, for one partition context:
 * through the mapping's prepared form when it has one (no allocation per partition), else through
 * `upstreamFor`/`downstreamFor` of a one-partition set. Results stay valid until the next call.
 */
export class InputReader {
  /** Existing upstream ranges of the last {@link read}: `[bounds[2k], bounds[2k + 1])` for `k < rangeCount`. */
  bounds: Float64Array = new Float64Array(2);
  rangeCount = 0;
  /** Downstream ranges of the last {@link readDown}, in the same form. */
  downBounds: Float64Array = new Float64Array(2);
  downCount = 0;
  private readonly prepared: PreparedMapping | undefined;

  constructor(
    readonly input: ResolvedInput,
    /** The upstream asset's index. */
    readonly up: AssetIndex,
    readonly ctx: MappingContext,
  ) {
    this.prepared = input.mapping.prepare?.(ctx);
  }

  /**
   * Reads the upstream partitions downstream partition `i` maps to; returns false when a required
   * one does not exist (the partition is blocked), leaving the ranges undefined.
   */
  read(i: number): boolean {
    if (this.prepared !== undefined) {
      const complete = this.prepared.upstreamOf(i, this.bounds);
      this.rangeCount = (this.bounds[1] as number) > (this.bounds[0] as number) ? 1 : 0;
      return complete;
    }
    const r = this.input.mapping.upstreamFor(RangeSet.range(i, i + 1), this.ctx);
    if (!r.missing.isEmpty() || r.missingKeys.length > 0) return false;
    this.bounds = copyRanges(r.existing, this.bounds);
    this.rangeCount = r.existing.rangeCount;
    return true;
  }

  /** The ranges of the last {@link read} as a set. */
  existing(): RangeSet {
    if (this.rangeCount === 1) return RangeSet.range(this.bounds[0] as number, this.bounds[1] as number);
    const ranges: Array<[number, number]> = [];
    for (let k = 0; k < this.rangeCount; k++) ranges.push([this.bounds[2 * k] as number, this.bounds[2 * k + 1] as number]);
    return RangeSet.fromRanges(ranges);
  }

  /** Reads the downstream partitions that read upstream partition `u` (into {@link downBounds}). */
  readDown(u: number): void {
    if (this.prepared !== undefined) {
      this.prepared.downstreamOf(u, this.downBounds);
      this.downCount = (this.downBounds[1] as number) > (this.downBounds[0] as number) ? 1 : 0;
      return;
    }
    const down = this.input.mapping.downstreamFor(RangeSet.range(u, u + 1), this.ctx);
    this.downBounds = copyRanges(down, this.downBounds);
    this.downCount = down.rangeCount;
  }
}

function copyRanges(set: RangeSet, into: Float64Array): Float64Array {
  const out = into.length >= 2 * set.rangeCount ? into : new Float64Array(2 * set.rangeCount);
  let k = 0;
  set.forEachRange((a, b) => {
    out[k++] = a;
    out[k++] = b;
  });
  return out;
}
