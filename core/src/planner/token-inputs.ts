import type { ResolvedInput } from '../definitions/graph.js';
import { hashCanonical } from '../hashing/canonical-encoding.js';
import { RangeHashTree, combinedHashOf, combinedHashOfDigests } from '../hashing/range-hash.js';
import type { TokenInput } from '../hashing/token.js';
import type { RangeSet } from '../partitions/sets/range-set.js';
import type { PartitionContext } from '../partitions/types.js';
import type { AssetIndex } from './asset-index.js';

/** The data version an `optional` input gets when there is no upstream partition (edge of the definition). */
export const ABSENT_INPUT = 'absent';

/** Ranges longer than this are hashed through the upstream's range-hash tree instead of from scratch. */
const TREE_THRESHOLD = 512;

/**
 * Caches a range-hash tree per upstream asset (leaf i = partition i), built on first use and kept
 * in step with data versions. Used for ranges that start at the first partition ("all" inputs).
 */
export class RangeTrees {
  private readonly trees = new Map<AssetIndex, RangeHashTree>();

  get(index: AssetIndex): RangeHashTree {
    let tree = this.trees.get(index);
    if (!tree) {
      tree = new RangeHashTree(index.count + 64);
      for (let i = 0; i < index.count; i++) if (index.materialized[i] === 1) tree.setLeaf(i, index.dataVersionHex(i));
      this.trees.set(index, tree);
    }
    return tree;
  }

  /** Keeps a built tree in step with a changed data version. */
  update(index: AssetIndex, i: number): void {
    this.trees.get(index)?.setLeaf(i, index.materialized[i] === 1 ? index.dataVersionHex(i) : undefined);
  }
}

/** One contiguous run of upstream partitions read by a range input, with their data versions. */
export interface RangeRead {
  readonly firstKey: string;
  readonly lastKey: string;
  /** Data versions in order (undefined where a partition has none). */
  readonly versions: ReadonlyArray<string | undefined>;
}

/**
 * The combined hash of a range input from the data versions it reads: what the planner puts in a
 * token, and what a materialization recomputes from the versions it finds to prove it reads what
 * was planned. Each run is hashed over positions relative to its own start and named by its first
 * and last keys, so the hash does not change when the upstream definition's start moves.
 */
export function rangeInputHashOf(runs: readonly RangeRead[]): string {
  const parts: Array<string | number> = ['weft/range-input/v1'];
  for (const run of runs) parts.push(run.firstKey, run.lastKey, run.versions.length, combinedHashOf(run.versions, 0));
  return hashCanonical(parts);
}

/**
 * {@link rangeInputHashOf} over `ranges` of an upstream asset, using the incrementally maintained
 * tree for long runs from the first partition (same result, without rehashing every version).
 */
export function rangeInputHash(up: AssetIndex, ranges: RangeSet, ctx: PartitionContext, trees: RangeTrees): string {
  const parts: Array<string | number> = ['weft/range-input/v1'];
  for (const [a, b] of ranges.ranges()) {
    let hash: string;
    if (a === 0 && b > TREE_THRESHOLD) {
      hash = trees.get(up).rangeHash(0, b);
    } else {
      hash = combinedHashOfDigests(up.dataVersion, up.materialized, a, b - a);
    }
    parts.push(up.definition.keyAt(a, ctx), up.definition.keyAt(b - 1, ctx), b - a, hash);
  }
  return hashCanonical(parts);
}

/** The token input of one input of a partition, from the upstream partitions it reads. */
export function tokenInput(input: ResolvedInput, up: AssetIndex, existing: RangeSet, ctx: PartitionContext, trees: RangeTrees): TokenInput {
  const upKeyNull = up.definition.kind === 'unpartitioned';
  if (input.cardinality === 'many') {
    return { name: input.name, assetKey: input.upstreamKey, count: existing.size, combinedHash: rangeInputHash(up, existing, ctx, trees) };
  }
  const u = existing.min();
  if (u === undefined) return { name: input.name, assetKey: input.upstreamKey, partitionKey: null, dataVersion: ABSENT_INPUT };
  return {
    name: input.name,
    assetKey: input.upstreamKey,
    partitionKey: upKeyNull ? null : up.definition.keyAt(u, ctx),
    dataVersion: up.dataVersionHex(u),
  };
}
