import type { RangeSet } from '../sets/range-set.js';
import type { PartitionContext, PartitionKey, PartitionsDefinition } from '../types.js';

/** What a mapping works with: both definitions and the moment's partition context. */
export interface MappingContext {
  readonly upstream: PartitionsDefinition;
  readonly downstream: PartitionsDefinition;
  readonly partitions: PartitionContext;
}

/**
 * The upstream partitions that some downstream partitions read, with the partitions that exist
 * reported apart from the ones that are required but do not exist (yet).
 */
export interface UpstreamPartitions {
  /** Upstream indices that exist and are read. */
  readonly existing: RangeSet;
  /**
   * Upstream indices the mapping requires that do not exist: time windows not closed yet (indices
   * ≥ count), or — for strict mappings — windows before the upstream start (negative indices).
   */
  readonly missing: RangeSet;
  /** Required upstream keys that have no index: dynamic keys not added yet, static-map targets absent. */
  readonly missingKeys: readonly PartitionKey[];
}

/**
 * How many upstream partitions one downstream partition reads: `one` gives the compute a single
 * value (an upstream outside the upstream definition blocks the partition), `optional` a single
 * value or `undefined` at the edge of the upstream definition (offsets: the first day has no
 * previous day), `many` an ordered `Map<partitionKey, value>`.
 */
export type MappingCardinality = 'one' | 'optional' | 'many';

/** A JSON description of a mapping (deployments, code versions, UI). */
export type MappingSpec = { readonly kind: string; readonly [option: string]: unknown };

/**
 * Which upstream partitions a downstream partition reads. Implement this interface for a
 * user-defined mapping; the built-in ones use nothing else.
 */
export interface PartitionMapping<C extends MappingCardinality = MappingCardinality> {
  /** Built-in kind (`identity`, `offset`, …) or a user-chosen name. */
  readonly kind: string;
  readonly cardinality: C;
  /**
   * Strict mappings report upstream partitions outside the upstream definition (before its start,
   * after its end) as missing, which blocks the downstream; lenient ones drop them.
   */
  readonly strict: boolean;
  /** Why this mapping cannot connect these definitions, or undefined when it can. */
  validate(upstream: PartitionsDefinition, downstream: PartitionsDefinition): string | undefined;
  /** The upstream partitions read by the downstream partitions `downstream` (indices of the downstream definition). */
  upstreamFor(downstream: RangeSet, ctx: MappingContext): UpstreamPartitions;
  /** The existing downstream partitions that read any of the upstream partitions `upstream`. */
  downstreamFor(upstream: RangeSet, ctx: MappingContext): RangeSet;
  /** A short human description, e.g. `rolling window of 7 days`. */
  describe(): string;
  toSpec(): MappingSpec;
  /**
   * Optional fast path for one partition at a time: the mapping prepared for one context, or
   * undefined when one partition's image may be more than one range. It must answer exactly like
   * `upstreamFor`/`downstreamFor` of a single partition; the planner calls it once per plan and
   * then once per partition it evaluates (without allocating).
   */
  prepare?(ctx: MappingContext): PreparedMapping | undefined;
}

/**
 * A mapping prepared for one {@link MappingContext} (see `PartitionMapping.prepare`), for mappings
 * whose image of one partition is always one contiguous range. Results are written to `out`
 * (`[out[0], out[1])`, empty when `out[1] <= out[0]`).
 */
export interface PreparedMapping {
  /**
   * The existing upstream partitions downstream partition `i` reads (`upstreamFor({i}).existing`);
   * returns false when a required upstream partition is missing (`missing` or `missingKeys` of
   * `upstreamFor({i})` not empty).
   */
  upstreamOf(i: number, out: Float64Array): boolean;
  /** The existing downstream partitions that read upstream partition `u` (`downstreamFor({u})`). */
  downstreamOf(u: number, out: Float64Array): void;
}
