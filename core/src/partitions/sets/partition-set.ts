/**
 * A set of partitions of one partitions definition: a {@link RangeSet} of partition indices bound
 * to the definition that numbers them. Planning works on the indices; keys appear only at the edges
 * (parsing requests, paging keys to the API, summaries for humans).
 */
import { WeftError } from '../../errors.js';
import type { MultiPartitions, PartitionContext, PartitionKey, PartitionsDefinition } from '../types.js';
import { BoxSet } from './box-set.js';
import { RangeSet, RangeSetBuilder } from './range-set.js';

/** One run of consecutive partitions in a {@link PartitionSet.summarize} result. */
export interface PartitionRangeSummary {
  /** Key of the run's first partition. */
  readonly firstKey: PartitionKey;
  /** Key of the run's last partition (inclusive). */
  readonly lastKey: PartitionKey;
  /** Number of partitions in the run. */
  readonly count: number;
  /** Index of the run's first partition. */
  readonly firstIndex: number;
  /** Index of the run's last partition (inclusive). */
  readonly lastIndex: number;
}

/** Result of {@link PartitionSet.fromKeys}: the keys that resolved, and those that did not. */
export interface PartitionSetFromKeys {
  /** The partitions of the keys that are well-formed and exist in the context. */
  readonly set: PartitionSet;
  /** Keys that are malformed or name a partition that does not exist in the context, in input order. */
  readonly unknown: PartitionKey[];
}

const specKeys = new WeakMap<PartitionsDefinition, string>();

/** JSON with object keys sorted, so equal specs give equal strings whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The canonical spec string of a definition, cached per definition object. */
function specKey(definition: PartitionsDefinition): string {
  let key = specKeys.get(definition);
  if (key === undefined) {
    key = canonicalJson(definition.toSpec());
    specKeys.set(definition, key);
  }
  return key;
}

/** Position in `dimensions` of each dimension of `digitOrder`. */
function digitPermutation(definition: MultiPartitions): number[] {
  const names = definition.dimensions.map((dimension) => dimension.name);
  return definition.digitOrder.map((dimension) => {
    const position = names.indexOf(dimension.name);
    if (position < 0) throw new WeftError('internal', `digitOrder names dimension "${dimension.name}" missing from dimensions`, { field: 'digitOrder' });
    return position;
  });
}

function inverse(permutation: readonly number[]): number[] {
  const out = new Array<number>(permutation.length);
  permutation.forEach((target, position) => (out[target] = position));
  return out;
}

function requireMulti(definition: PartitionsDefinition, what: string): MultiPartitions {
  if (definition.kind !== 'multi') {
    throw new WeftError('internal', `${what} needs a multi-dimensional partitions definition, got ${definition.describe()}`);
  }
  return definition;
}

/**
 * An immutable set of partitions of one definition, stored as ranges of partition indices
 * (`0 … definition.count(ctx) - 1`). Set algebra delegates to {@link RangeSet} and throws when the
 * two sets belong to different definitions (compared by canonical `toSpec()` JSON).
 *
 * A set does not depend on the context: indices stay valid as time windows close and dynamic keys
 * are added. Producing keys (`keys`, `page`, `summarize`) needs a context in which every member
 * exists; `keyAt` throws a RangeError otherwise (see {@link PartitionSet.existing}).
 *
 * @example
 * ```ts
 * const { set, unknown } = PartitionSet.fromKeys(daily, ['2024-01-01', '2024-01-02', 'nope'], ctx);
 * set.summarize(ctx); // [{ firstKey: '2024-01-01', lastKey: '2024-01-02', count: 2, … }]
 * unknown; // ['nope']
 * ```
 */
export class PartitionSet {
  private constructor(
    /** The definition whose partition indices this set holds. */
    readonly definition: PartitionsDefinition,
    /** The partition indices. */
    readonly indices: RangeSet,
  ) {}

  /** No partitions of `definition`. */
  static empty(definition: PartitionsDefinition): PartitionSet {
    return new PartitionSet(definition, RangeSet.EMPTY);
  }

  /** Every partition of `definition` that exists in `ctx`. */
  static all(definition: PartitionsDefinition, ctx: PartitionContext): PartitionSet {
    return new PartitionSet(definition, RangeSet.range(0, definition.count(ctx)));
  }

  /** The partitions at `indices` (not checked against any context). */
  static fromIndices(definition: PartitionsDefinition, indices: RangeSet): PartitionSet {
    return new PartitionSet(definition, indices);
  }

  /**
   * The partitions named by `keys` (any order, duplicates fine). Malformed keys and keys of
   * partitions that do not exist in `ctx` are returned in `unknown`, never thrown.
   */
  static fromKeys(definition: PartitionsDefinition, keys: Iterable<PartitionKey>, ctx: PartitionContext): PartitionSetFromKeys {
    const builder = new RangeSetBuilder();
    const unknown: PartitionKey[] = [];
    for (const key of keys) {
      const index = definition.indexOf(key, ctx);
      if (index === undefined) unknown.push(key);
      else builder.add(index);
    }
    return { set: new PartitionSet(definition, builder.build()), unknown };
  }

  /**
   * The partitions of a multi-dimensional definition given as a {@link BoxSet} whose dimension `i`
   * is `definition.dimensions[i]` (name order, like `compose`/`decompose`), holding per-dimension
   * indices. Throws a RangeError for indices outside the dimensions' counts in `ctx`.
   */
  static fromBoxes(definition: MultiPartitions, boxes: BoxSet, ctx: PartitionContext): PartitionSet {
    requireMulti(definition, 'PartitionSet.fromBoxes');
    if (boxes.dims !== definition.dimensions.length) {
      throw new RangeError(`PartitionSet.fromBoxes: ${definition.describe()} has ${definition.dimensions.length} dimensions, the box set ${boxes.dims}`);
    }
    const order = digitPermutation(definition);
    const radices = definition.digitOrder.map((dimension) => dimension.definition.count(ctx));
    return new PartitionSet(definition, boxes.permute(order).toFlat(radices));
  }

  /** Number of partitions in the set. */
  get count(): number {
    return this.indices.size;
  }

  /** True when the set has no partitions. */
  isEmpty(): boolean {
    return this.indices.isEmpty();
  }

  /** Whether the partition of `key` is in the set (false for malformed or non-existent keys). */
  has(key: PartitionKey, ctx: PartitionContext): boolean {
    const index = this.definition.indexOf(key, ctx);
    return index !== undefined && this.indices.has(index);
  }

  /** The members that exist in `ctx` (indices below `definition.count(ctx)`). */
  existing(ctx: PartitionContext): PartitionSet {
    return this.withIndices(this.indices.clamp(0, this.definition.count(ctx)));
  }

  /** Partitions in either set. Throws when the sets belong to different definitions. */
  union(o: PartitionSet): PartitionSet {
    this.checkSameDefinition(o, 'union');
    return this.withIndices(this.indices.union(o.indices));
  }

  /** Partitions in both sets. Throws when the sets belong to different definitions. */
  intersect(o: PartitionSet): PartitionSet {
    this.checkSameDefinition(o, 'intersect');
    return this.withIndices(this.indices.intersect(o.indices));
  }

  /** Partitions of this set not in `o`. Throws when the sets belong to different definitions. */
  difference(o: PartitionSet): PartitionSet {
    this.checkSameDefinition(o, 'difference');
    return this.withIndices(this.indices.difference(o.indices));
  }

  /** Whether both sets hold the same partitions. Throws when the sets belong to different definitions. */
  equals(o: PartitionSet): boolean {
    this.checkSameDefinition(o, 'equals');
    return this.indices.equals(o.indices);
  }

  /** The same definition with other indices. */
  withIndices(indices: RangeSet): PartitionSet {
    return indices === this.indices ? this : new PartitionSet(this.definition, indices);
  }

  /** The keys of the members, in index order. */
  *keys(ctx: PartitionContext): IterableIterator<PartitionKey> {
    for (const index of this.indices.values()) yield this.definition.keyAt(index, ctx);
  }

  /** The keys of the members at positions `offset … offset + limit - 1` (fewer past the end). */
  page(ctx: PartitionContext, offset: number, limit: number): PartitionKey[] {
    return this.indices.page(offset, limit).map((index) => this.definition.keyAt(index, ctx));
  }

  /**
   * One entry per run of consecutive indices, in index order: the run's first and last keys and
   * its size. For multi-dimensional definitions a run is a run of flat indices (e.g. all regions
   * of consecutive days). With `maxRanges`, only the first `maxRanges` runs are returned; compare
   * with `indices.rangeCount` to tell that the summary was cut.
   */
  summarize(ctx: PartitionContext, maxRanges = Number.POSITIVE_INFINITY): PartitionRangeSummary[] {
    const out: PartitionRangeSummary[] = [];
    for (const [start, end] of this.indices.ranges()) {
      if (out.length >= maxRanges) break;
      out.push({
        firstKey: this.definition.keyAt(start, ctx),
        lastKey: this.definition.keyAt(end - 1, ctx),
        count: end - start,
        firstIndex: start,
        lastIndex: end - 1,
      });
    }
    return out;
  }

  /**
   * The members of a multi-dimensional definition as a {@link BoxSet} whose dimension `i` is
   * `definition.dimensions[i]` (name order, like `compose`/`decompose`). Throws for other definitions.
   */
  toBoxes(ctx: PartitionContext): BoxSet {
    const definition = requireMulti(this.definition, 'PartitionSet.toBoxes');
    const order = digitPermutation(definition);
    const radices = definition.digitOrder.map((dimension) => dimension.definition.count(ctx));
    return BoxSet.fromFlat(this.indices, radices).permute(inverse(order));
  }

  /** The indices as `[start, end)` pairs (see {@link RangeSet.toJSON}); the definition is not included. */
  toJSON(): Array<[number, number]> {
    return this.indices.toJSON();
  }

  private checkSameDefinition(o: PartitionSet, operation: string): void {
    if (o.definition === this.definition || specKey(o.definition) === specKey(this.definition)) return;
    throw new WeftError('internal', `PartitionSet.${operation}: cannot combine partitions of ${this.definition.describe()} with partitions of ${o.definition.describe()}`, {
      left: this.definition.describe(),
      right: o.definition.describe(),
    });
  }
}
