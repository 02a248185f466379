import type { AssetGraph, PartitionContext, PartitionKey } from '@weft/core';
import { WeftError } from '@weft/core';
import { walkDownstream } from './lineage-downstream.js';
import { COLUMNS, node, type MaterializationRow } from './lineage-rows.js';
import { walkUpstream } from './lineage-upstream.js';
import type { SqlDatabase } from './sql-client.js';
import type { Lineage, LineageEdge, LineageNode } from './types.js';

/**
 * Reads the provenance graph around a partition's current (or a given) materialization, `depth`
 * levels upstream (lineage-upstream.ts: nodes nearest first) or downstream (lineage-downstream.ts).
 */
export async function readLineage(
  db: SqlDatabase,
  graph: AssetGraph,
  ctx: PartitionContext,
  options: { assetKey: string; partitionKey: PartitionKey; direction: 'upstream' | 'downstream'; depth: number; materializationId?: number; location?: string },
): Promise<Lineage> {
  if (!Number.isSafeInteger(options.depth) || options.depth < 0 || options.depth > 100) {
    throw new WeftError('definition.bad_option', `lineage depth must be an integer in 0…100, got ${options.depth}`, { field: 'depth' });
  }
  const rootRows = options.materializationId
    ? await db.query<MaterializationRow>(`SELECT ${COLUMNS} FROM weft_materializations WHERE id = $1`, [options.materializationId])
    : await db.query<MaterializationRow>(
        `SELECT ${COLUMNS} FROM weft_materializations WHERE id = (SELECT materialization_id FROM weft_partition_state WHERE location = $3 AND asset_key = $1 AND partition_key = $2)`,
        [options.assetKey, options.partitionKey, options.location ?? 'default'],
      );
  const rootRow = rootRows[0];
  if (!rootRow) return { root: undefined, nodes: [], edges: [], unresolved: [] };
  const nodes = new Map<number, LineageNode>([[Number(rootRow.id), node(rootRow, 0)]]);
  const rows = new Map<number, MaterializationRow>([[Number(rootRow.id), rootRow]]);
  const edges: LineageEdge[] = [];
  const unresolved: Array<Lineage['unresolved'][number]> = [];
  if (options.direction === 'upstream') {
    await walkUpstream(db, graph, ctx, Number(rootRow.id), options.depth, { nodes, rows, edges, unresolved });
    // Nearest first (a stable sort keeps the order of discovery within a level).
    const depthOf = (id: number): number => nodes.get(id)?.depth ?? 0;
    edges.sort((a, b) => depthOf(a.downstreamId) - depthOf(b.downstreamId));
    return { root: nodes.get(Number(rootRow.id)), nodes: [...nodes.values()].sort((a, b) => a.depth - b.depth), edges, unresolved };
  }
  await walkDownstream(db, graph, ctx, Number(rootRow.id), options.depth, { nodes, rows, edges, unresolved });
  return { root: nodes.get(Number(rootRow.id)), nodes: [...nodes.values()], edges, unresolved };
}
