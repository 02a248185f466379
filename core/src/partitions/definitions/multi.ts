/**
 * Multi-dimensional partitions: the product of any number (≥ 2) of single-dimension definitions,
 * at most one of them time-based. Keys are `name=value` pairs sorted by dimension name (see
 * `multi-key.ts`); indices are mixed-radix with the time dimension most significant, so new time
 * windows append at the end of the index space.
 *
 * @example
 * ```ts
 * const byDayAndRegion = multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu', 'us']) });
 * byDayAndRegion.keyAt(3, ctx); // 'date=2024-01-02|region=us'
 * ```
 */
import { DefinitionError } from '../../errors.js';
import type { MultiPartitions, PartitionContext, PartitionDimension, PartitionKey, PartitionsSpec, SingleDimensionPartitions } from '../types.js';
import { floorMod } from './civil-date.js';
import { decodeMultiKey, encodeMultiKey, type KeyPair } from './multi-key.js';

const DIMENSION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Code-unit order, the order dimension names are sorted in (not locale order). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Throws a `definition.bad_option` error about the dimensions. */
function badDimensions(message: string, field = 'partitions.dimensions'): never {
  throw new DefinitionError('definition.bad_option', message, { field });
}

/** A value that makes a readable example key for a dimension. */
function exampleValue(definition: SingleDimensionPartitions): string {
  if (definition.kind === 'time') return definition.formatKey(0);
  if (definition.kind === 'static') return definition.keys[0] ?? 'key';
  return 'key';
}

/** The product of validated dimensions. */
class MultiDefinition implements MultiPartitions {
  readonly kind = 'multi' as const;
  readonly digitOrder: readonly PartitionDimension[];
  /** `digitOrder[k]` is `dimensions[positions[k]]`. */
  private readonly positions: readonly number[];
  /** Whether digit 0 is a time dimension (its digit may be any integer, like a window index). */
  private readonly timeFirst: boolean;

  constructor(readonly dimensions: readonly PartitionDimension[]) {
    const time = dimensions.findIndex((d) => d.definition.kind === 'time');
    this.positions = time < 0 ? dimensions.map((_, i) => i) : [time, ...dimensions.map((_, i) => i).filter((i) => i !== time)];
    this.digitOrder = this.positions.map((i) => dimensions[i] as PartitionDimension);
    this.timeFirst = time >= 0;
  }

  count(ctx: PartitionContext): number {
    return this.counts(ctx).reduce((product, count) => this.checked(product * count), 1);
  }

  keyAt(index: number, ctx: PartitionContext): PartitionKey {
    const count = this.count(ctx);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(`partition index ${index} is outside 0 … ${count - 1} of ${this.describe()}`);
    }
    const digits = this.decompose(index, ctx);
    return encodeMultiKey(this.dimensions.map((d, i) => [d.name, d.definition.keyAt(digits[i] ?? 0, ctx)]));
  }

  indexOf(key: PartitionKey, ctx: PartitionContext): number | undefined {
    const values = this.splitKey(key);
    if (values === undefined) return undefined;
    const digits: number[] = [];
    for (const { name, definition } of this.dimensions) {
      const digit = definition.indexOf(values[name] ?? '', ctx);
      if (digit === undefined) return undefined;
      digits.push(digit);
    }
    return this.compose(digits, ctx);
  }

  checkKey(key: PartitionKey): string | undefined {
    const explain = (problem: string) =>
      `${JSON.stringify(key)} is not a valid key of ${this.describe()}: ${problem}; expected name=value pairs sorted by name and joined with "|", e.g. "${encodeMultiKey(this.dimensions.map((d) => [d.name, exampleValue(d.definition)]))}"`;
    if (typeof key !== 'string') return explain('it is not a string');
    const pairs = decodeMultiKey(key);
    if (typeof pairs === 'string') return explain(pairs);
    const names = pairs.map(([name]) => name);
    const expected = this.dimensions.map((d) => d.name);
    if (names.join('\u0000') !== expected.join('\u0000')) {
      return explain(`it names the dimensions ${names.map((n) => `"${n}"`).join(', ')} but needs exactly ${expected.map((n) => `"${n}"`).join(', ')} in that order`);
    }
    for (const [i, { name, definition }] of this.dimensions.entries()) {
      const problem = definition.checkKey(pairs[i]?.[1] ?? '');
      if (problem !== undefined) return explain(`dimension "${name}": ${problem}`);
    }
    return undefined;
  }

  describe(): string {
    return `multi(${this.dimensions.map((d) => `${d.name}: ${d.definition.describe()}`).join(' × ')})`;
  }

  toSpec(): PartitionsSpec {
    return { kind: 'multi', dimensions: this.dimensions.map((d) => ({ name: d.name, spec: d.definition.toSpec() })) };
  }

  decompose(index: number, ctx: PartitionContext): number[] {
    if (!Number.isSafeInteger(index)) throw new RangeError(`partition index ${index} is not an integer`);
    const counts = this.counts(ctx);
    const digits = new Array<number>(this.dimensions.length).fill(0);
    let rest = index;
    for (let k = this.positions.length - 1; k >= 1; k--) {
      const position = this.positions[k] ?? 0;
      const radix = counts[position] ?? 0;
      if (radix === 0) throw new RangeError(`dimension "${this.dimensions[position]?.name}" has no partitions yet`);
      digits[position] = floorMod(rest, radix);
      rest = Math.floor(rest / radix);
    }
    const first = this.positions[0] ?? 0;
    if (!this.timeFirst && (rest < 0 || rest >= (counts[first] ?? 0))) {
      throw new RangeError(`partition index ${index} is outside 0 … ${this.count(ctx) - 1} of ${this.describe()}`);
    }
    digits[first] = rest;
    return digits;
  }

  compose(indices: readonly number[], ctx: PartitionContext): number {
    if (indices.length !== this.dimensions.length) {
      throw new RangeError(`compose() needs ${this.dimensions.length} indices (one per dimension), got ${indices.length}`);
    }
    const counts = this.counts(ctx);
    let index = 0;
    for (const [k, position] of this.positions.entries()) {
      const digit = indices[position] ?? Number.NaN;
      const radix = counts[position] ?? 0;
      const unbounded = k === 0 && this.timeFirst;
      if (!Number.isSafeInteger(digit) || (!unbounded && (digit < 0 || digit >= radix))) {
        throw new RangeError(`index ${digit} of dimension "${this.dimensions[position]?.name}" is outside 0 … ${radix - 1}`);
      }
      index = this.checked(index * radix + digit);
    }
    return index;
  }

  splitKey(key: PartitionKey): Record<string, PartitionKey> | undefined {
    const pairs = typeof key === 'string' ? decodeMultiKey(key) : undefined;
    if (pairs === undefined || typeof pairs === 'string' || pairs.length !== this.dimensions.length) return undefined;
    if (pairs.some(([name], i) => name !== this.dimensions[i]?.name)) return undefined;
    return Object.fromEntries(pairs);
  }

  joinKey(values: Readonly<Record<string, PartitionKey>>): PartitionKey {
    const pairs: KeyPair[] = this.dimensions.map(({ name }) => {
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (typeof value !== 'string') throw new RangeError(`joinKey(): no value for dimension "${name}"`);
      return [name, value];
    });
    const extra = Object.keys(values).filter((name) => !this.dimensions.some((d) => d.name === name));
    if (extra.length > 0) throw new RangeError(`joinKey(): unknown dimensions ${extra.map((n) => `"${n}"`).join(', ')}`);
    return encodeMultiKey(pairs);
  }

  /** Partition counts per dimension in `dimensions` order. */
  private counts(ctx: PartitionContext): number[] {
    return this.dimensions.map((d) => d.definition.count(ctx));
  }

  /** `value`, or a RangeError when it leaves the safe-integer range. */
  private checked(value: number): number {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${this.describe()} has more partitions than indices can number (2^53)`);
    return value;
  }
}

/**
 * Partitions over the product of named dimensions (≥ 2, at most one time-based). Names match
 * `/^[A-Za-z_][A-Za-z0-9_]*$/` and are sorted in code-unit order (`Z` before `a`).
 */
export function multiPartitions(dimensions: Readonly<Record<string, SingleDimensionPartitions>>): MultiPartitions {
  if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) {
    badDimensions(`multiPartitions() takes an object of named dimensions such as { date: daily(…), region: staticPartitions(…) }`);
  }
  const entries = Object.entries(dimensions).sort(([a], [b]) => byCodeUnits(a, b));
  if (entries.length < 2) {
    badDimensions(`multiPartitions() needs at least 2 dimensions, got ${entries.length}${entries.length === 1 ? ` ("${entries[0]?.[0]}")` : ''}`);
  }
  for (const [name, definition] of entries) {
    const field = `partitions.dimensions.${name}`;
    if (!DIMENSION_NAME.test(name)) badDimensions(`dimension name "${name}" must match /^[A-Za-z_][A-Za-z0-9_]*$/`, field);
    const kind: unknown = (definition as { kind?: unknown } | null)?.kind;
    if (kind === 'multi') badDimensions(`dimension "${name}" is itself multi-dimensional; list its dimensions directly instead`, field);
    if (kind === 'unpartitioned') badDimensions(`dimension "${name}" is unpartitioned; leave it out`, field);
    if (kind !== 'time' && kind !== 'static' && kind !== 'dynamic') badDimensions(`dimension "${name}" is not a partitions definition`, field);
  }
  const time = entries.filter(([, definition]) => definition.kind === 'time').map(([name]) => `"${name}"`);
  if (time.length > 1) badDimensions(`multiPartitions() allows at most one time dimension, got ${time.length}: ${time.join(', ')}`);
  return new MultiDefinition(entries.map(([name, definition]) => ({ name, definition })));
}
