/** Test helpers for partition mappings: contexts with an explicit clock, and results as keys. */
import type { MappingContext, PartitionMapping } from '../../../src/partitions/mappings/index.js';
import { RangeSet } from '../../../src/partitions/sets/index.js';
import type { PartitionContext, PartitionKey, PartitionsDefinition } from '../../../src/partitions/types.js';

/** A partition context whose clock reads `now` (an ISO instant) and whose dynamic key sets are `dynamic`. */
export function at(now: string, dynamic: Record<string, readonly PartitionKey[]> = {}): PartitionContext {
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) throw new Error(`bad instant in test: ${now}`);
  return { now: ms, dynamicKeys: (name) => dynamic[name] ?? [] };
}

/** The mapping context of `upstream` → `downstream` at `partitions`. */
export function link(upstream: PartitionsDefinition, downstream: PartitionsDefinition, partitions: PartitionContext): MappingContext {
  return { upstream, downstream, partitions };
}

/** Indices of existing `keys` of `def` (throws on a key that does not exist, to keep tables honest). */
export function indicesOf(def: PartitionsDefinition, keys: readonly PartitionKey[], ctx: PartitionContext): RangeSet {
  return RangeSet.of(
    keys.map((key) => {
      const i = def.indexOf(key, ctx);
      if (i === undefined) throw new Error(`test key ${JSON.stringify(key)} does not exist in ${def.describe()} at ${new Date(ctx.now).toISOString()}`);
      return i;
    }),
  );
}

/** Keys of the (existing) indices of `set`, in index order. */
export function keysOf(def: PartitionsDefinition, set: RangeSet, ctx: PartitionContext): PartitionKey[] {
  return [...set.values()].map((i) => def.keyAt(i, ctx));
}

/** Keys of indices that may lie outside the definition (time windows only: `formatKey` does not check existence). */
export function windowKeysOf(def: PartitionsDefinition, set: RangeSet): PartitionKey[] {
  if (def.kind !== 'time') throw new Error(`windowKeysOf needs time windows, got ${def.describe()}`);
  return [...set.values()].map((i) => def.formatKey(i));
}

/** What a mapping reads for downstream `keys`, as keys: existing, missing (time windows) and missing keys. */
export interface UpstreamAsKeys {
  readonly existing: PartitionKey[];
  readonly missing: PartitionKey[];
  readonly missingKeys: readonly PartitionKey[];
}

/** `mapping.upstreamFor` of downstream `keys`, with every result turned into keys. */
export function upstreamKeys(mapping: PartitionMapping, up: PartitionsDefinition, down: PartitionsDefinition, keys: readonly PartitionKey[], ctx: PartitionContext): UpstreamAsKeys {
  const r = mapping.upstreamFor(indicesOf(down, keys, ctx), link(up, down, ctx));
  return {
    existing: keysOf(up, r.existing, ctx),
    missing: r.missing.isEmpty() ? [] : up.kind === 'time' ? windowKeysOf(up, r.missing) : [...r.missing.values()].map(String),
    missingKeys: r.missingKeys,
  };
}

/** `mapping.downstreamFor` of upstream `keys`, as downstream keys. */
export function downstreamKeys(mapping: PartitionMapping, up: PartitionsDefinition, down: PartitionsDefinition, keys: readonly PartitionKey[], ctx: PartitionContext): PartitionKey[] {
  return keysOf(down, mapping.downstreamFor(indicesOf(up, keys, ctx), link(up, down, ctx)), ctx);
}

/** The consecutive daily keys from `first` (YYYY-MM-DD, UTC calendar) for `n` days. */
export function days(first: string, n: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}
