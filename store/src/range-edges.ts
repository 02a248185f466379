/**
 * The partitions a stored range input read, expanded on demand: every partition from its first to
 * its last key, or exactly those of its partition set (`range_set`, see core's
 * `encodePartitionSet`) when first…last does not say it (one zone's days of a zone × day asset).
 */
import { decodePartitionSet, parseStoredPartitionSet, type AssetGraph, type PartitionContext, type PartitionKey, type PartitionSet, type PartitionsDefinition, type StoredPartitionSet } from '@weft/core';

/** The range columns of an input edge. */
export interface RangeEdge {
  readonly upstream_asset: string;
  readonly range_first: string | null;
  readonly range_last: string | null;
  /** The stored set (jsonb: an object, or its text from a driver that does not parse it), NULL for first…last. */
  readonly range_set?: unknown;
}

/** A `range_set` column as a stored set: undefined for NULL (first…last) and for what is not one. */
export function rangeSetColumn(raw: unknown): StoredPartitionSet | undefined {
  if (raw === null || raw === undefined) return undefined;
  return parseStoredPartitionSet(typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw);
}

/** The set read, numbered in `def` at `ctx`, and the keys it names that `ctx` cannot number. */
function expand(def: PartitionsDefinition, ctx: PartitionContext, edge: RangeEdge): { set: PartitionSet | undefined; unresolved: PartitionKey[] } | undefined {
  if (edge.range_first === null || edge.range_last === null) return undefined;
  // (Written by the store only after the same check: a set that fails it is not one the store wrote.)
  const stored = edge.range_set === null || edge.range_set === undefined ? { runs: [[edge.range_first, edge.range_last] as const] } : rangeSetColumn(edge.range_set);
  if (stored === undefined) return { set: undefined, unresolved: [edge.range_first, edge.range_last] };
  return decodePartitionSet(def, stored, ctx);
}

/**
 * The keys of the upstream partitions a range edge read, in the upstream definition's order, then
 * the keys it read that the current definition cannot number (looked up by key, they come out
 * unresolved). Nothing when the upstream asset is no longer in the graph. With `page`, only the
 * keys at positions `offset … offset + limit - 1` of that list.
 */
export function rangeEdgeKeys(graph: AssetGraph, ctx: PartitionContext, edge: RangeEdge, page?: { readonly offset: number; readonly limit: number }): PartitionKey[] {
  const def = graph.nodes.get(edge.upstream_asset)?.partitions;
  if (!def) return [];
  const read = expand(def, ctx, edge);
  if (!read) return [];
  if (!page) return [...(read.set ? read.set.keys(ctx) : []), ...read.unresolved];
  // (A page of a million-partition range without listing the million.)
  const count = read.set?.count ?? 0;
  const keys = read.set ? read.set.page(ctx, page.offset, page.limit) : [];
  return [...keys, ...read.unresolved.slice(Math.max(0, page.offset - count), Math.max(0, page.offset + page.limit - count))];
}

/**
 * A test of whether range edges of one upstream asset read its partition `index` (as numbered at
 * `ctx`), caching each distinct stored range: for many readers of one partition.
 */
export function rangeEdgeReads(def: PartitionsDefinition, ctx: PartitionContext, index: number): (edge: RangeEdge) => boolean {
  const seen = new Map<string, boolean>();
  return (edge) => {
    const key = `${edge.range_first}\u0000${edge.range_last}\u0000${typeof edge.range_set === 'string' ? edge.range_set : JSON.stringify(edge.range_set ?? null)}`;
    let hit = seen.get(key);
    if (hit === undefined) {
      hit = expand(def, ctx, edge)?.set?.indices.has(index) ?? false;
      seen.set(key, hit);
    }
    return hit;
  };
}
