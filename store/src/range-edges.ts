/**
 * The partitions a stored range input read, expanded on demand: every partition from its first to
 * its last key, or exactly those of its partition set (`range_set`, see core's
 * `encodePartitionSet`) when first…last does not say it (one zone's days of a zone × day asset).
 * A row older than range_set whose first…last holds more partitions than it read is narrowed
 * through the mapping in force (when that gives exactly its count).
 */
import { decodePartitionSet, parseStoredPartitionSet, PartitionSet, RangeSet, type AssetGraph, type DecodedPartitionSet, type PartitionContext, type PartitionKey, type PartitionsDefinition, type StoredPartitionSet } from '@weft/core';

/** The range columns of an input edge. */
export interface RangeEdge {
  readonly upstream_asset: string;
  readonly range_first: string | null;
  readonly range_last: string | null;
  /** How many partitions were read (tells a first…last that holds others, in rows older than range_set). */
  readonly range_count?: number | null;
  /** The stored set (jsonb: an object, or its text from a driver that does not parse it), NULL for first…last. */
  readonly range_set?: unknown;
}

/** The materialization whose input an edge is: its asset, partition and the input's name. */
export interface RangeReader {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly inputName: string;
}

/** A `range_set` column as a stored set: undefined for NULL (first…last) and for what is not one. */
export function rangeSetColumn(raw: unknown): StoredPartitionSet | undefined {
  if (raw === null || raw === undefined) return undefined;
  return parseStoredPartitionSet(typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw);
}

/**
 * What a reader's input reads through the mapping in force now, within `span`, if that is exactly
 * `count` partitions. For rows written before range_set: their first…last may hold partitions they
 * did not read (one zone's days of a zone × day asset), and the mapping tells which.
 */
function throughMapping(graph: AssetGraph, ctx: PartitionContext, reader: RangeReader, span: PartitionSet, count: number): PartitionSet | undefined {
  const node = graph.nodes.get(reader.assetKey);
  const input = node?.inputs.find((i) => i.name === reader.inputName);
  const index = node?.partitions.indexOf(reader.partitionKey, ctx);
  if (!node || !input || index === undefined) return undefined;
  const read = input.mapping.upstreamFor(RangeSet.range(index, index + 1), { upstream: span.definition, downstream: node.partitions, partitions: ctx });
  const set = span.intersect(PartitionSet.fromIndices(span.definition, read.existing));
  return set.count === count ? set : undefined;
}

/** The set read, numbered in `def` at `ctx`, and the keys it names that `ctx` cannot number. */
function expand(graph: AssetGraph, def: PartitionsDefinition, ctx: PartitionContext, edge: RangeEdge, reader: RangeReader | undefined): DecodedPartitionSet | undefined {
  if (edge.range_first === null || edge.range_last === null) return undefined;
  if (edge.range_set === null || edge.range_set === undefined) {
    const span = decodePartitionSet(def, { runs: [[edge.range_first, edge.range_last]] }, ctx);
    const count = edge.range_count ?? span.set.count;
    if (reader === undefined || span.set.count <= count) return span;
    return { set: throughMapping(graph, ctx, reader, span.set, count) ?? span.set, unresolved: span.unresolved };
  }
  // (Written by the store only after the same check: a set that fails it is not one the store wrote.)
  const stored = rangeSetColumn(edge.range_set);
  if (stored === undefined) return { set: PartitionSet.empty(def), unresolved: [edge.range_first, edge.range_last] };
  return decodePartitionSet(def, stored, ctx);
}

/**
 * The keys of the upstream partitions a range edge read, in the upstream definition's order, then
 * the keys it read that the current definition cannot number (looked up by key, they come out
 * unresolved). Nothing when the upstream asset is no longer in the graph. With `page`, only the
 * keys at positions `offset … offset + limit - 1` of that list. `reader` lets a row older than
 * range_set whose first…last holds more than it read be narrowed through the mapping in force.
 */
export function rangeEdgeKeys(graph: AssetGraph, ctx: PartitionContext, edge: RangeEdge, options: { readonly reader?: RangeReader; readonly page?: { readonly offset: number; readonly limit: number } } = {}): PartitionKey[] {
  const def = graph.nodes.get(edge.upstream_asset)?.partitions;
  if (!def) return [];
  const read = expand(graph, def, ctx, edge, options.reader);
  if (!read) return [];
  const { page } = options;
  if (!page) return [...read.set.keys(ctx), ...read.unresolved];
  // (A page of a million-partition range without listing the million.)
  const count = read.set.count;
  return [...read.set.page(ctx, page.offset, page.limit), ...read.unresolved.slice(Math.max(0, page.offset - count), Math.max(0, page.offset + page.limit - count))];
}

/**
 * A test of whether a range edge of one upstream asset read its partition `index` (as numbered at
 * `ctx`), caching each distinct stored range: for many readers of one partition.
 */
export function rangeEdgeReads(graph: AssetGraph, def: PartitionsDefinition, ctx: PartitionContext, index: number): (edge: RangeEdge, reader: RangeReader) => boolean {
  const seen = new Map<string, boolean>();
  return (edge, reader) => {
    // (Rows older than range_set may be narrowed per reader: their answers are not shared.)
    const legacy = edge.range_set === null || edge.range_set === undefined ? `\u0000${reader.assetKey}\u0000${reader.partitionKey}\u0000${reader.inputName}` : '';
    const key = `${edge.range_first}\u0000${edge.range_last}\u0000${edge.range_count ?? ''}\u0000${typeof edge.range_set === 'string' ? edge.range_set : JSON.stringify(edge.range_set ?? null)}${legacy}`;
    let hit = seen.get(key);
    if (hit === undefined) {
      hit = expand(graph, def, ctx, edge, reader)?.set.indices.has(index) ?? false;
      seen.set(key, hit);
    }
    return hit;
  };
}
