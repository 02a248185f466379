import type { AssetGraph, PartitionContext } from '@weft/core';
import { RangeSet } from '@weft/core';
import { COLUMNS, node, type EdgeRow, type MaterializationRow, type WalkState } from './lineage-rows.js';
import { rangeEdgeReads, type RangeEdge } from './range-edges.js';
import type { SqlDatabase } from './sql-client.js';

/**
 * Downstream provenance, level by level: one query per level for one-partition inputs (which
 * point at the materialization they read) and one per level and downstream asset for range
 * inputs reading a frontier partition (candidates found through the mappings of the asset graph,
 * kept when their stored range holds the partition).
 */
export async function walkDownstream(db: SqlDatabase, graph: AssetGraph, ctx: PartitionContext, rootId: number, limit: number, state: WalkState): Promise<void> {
  const { nodes, rows, edges } = state;
  let frontier = [rootId];
  for (let depth = 1; depth <= limit && frontier.length > 0; depth++) {
    const next: MaterializationRow[] = [];
    {
      const edgeRows = await db.query<EdgeRow>(
        'SELECT materialization_id, input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last FROM weft_input_edges WHERE upstream_materialization_id = ANY($1::bigint[])',
        [frontier],
      );
      for (const e of edgeRows) edges.push({ downstreamId: Number(e.materialization_id), upstreamId: Number(e.upstream_materialization_id), inputName: e.input_name });
      const ids = edgeRows.map((e) => Number(e.materialization_id));
      if (ids.length > 0) next.push(...(await db.query<MaterializationRow>(`SELECT ${COLUMNS} FROM weft_materializations WHERE id = ANY($1::bigint[])`, [ids])));
      // Range inputs reading a frontier partition: found through the mappings of the asset graph.
      for (const id of frontier) {
        const up = rows.get(id);
        const upNode = up && graph.nodes.get(up.asset_key);
        if (!up || !upNode) continue;
        const index = upNode.partitions.indexOf(up.partition_key, ctx);
        if (index === undefined) continue;
        for (const { assetKey, input } of upNode.downstream) {
          if (input.cardinality !== 'many') continue;
          const downDef = graph.node(assetKey).partitions;
          const downKeys = [...input.mapping.downstreamFor(RangeSet.range(index, index + 1), { upstream: upNode.partitions, downstream: downDef, partitions: ctx }).values()].map((i) => downDef.keyAt(i, ctx));
          if (downKeys.length === 0) continue;
          const found = await db.query<MaterializationRow & RangeEdge>(
            `SELECT reader.${COLUMNS.split(', ').join(', reader.')}, edge.upstream_asset, edge.range_first, edge.range_last, edge.range_count, edge.range_set
             FROM weft_materializations reader JOIN weft_input_edges edge ON edge.materialization_id = reader.id AND edge.input_name = $3 AND edge.range_count IS NOT NULL AND edge.upstream_asset = $5
             WHERE reader.asset_key = $1 AND reader.partition_key = ANY($2::text[]) AND reader.inputs_as_of >= $4
               AND reader.inputs_as_of < coalesce((SELECT min(successor.event_id) FROM weft_materializations successor WHERE successor.asset_key = $5 AND successor.partition_key = $6 AND successor.id > $7), 9223372036854775807)`,
            [assetKey, downKeys, input.name, Number(up.event_id ?? 0), up.asset_key, up.partition_key, id],
          );
          // Only readers whose stored range holds the partition: the mapping's downstream partitions
          // may read other partitions of its range (one zone's days, not every zone's).
          const reads = rangeEdgeReads(graph, upNode.partitions, ctx, index);
          for (const f of found) {
            if (!reads(f, { assetKey, partitionKey: f.partition_key, inputName: input.name })) continue;
            edges.push({ downstreamId: Number(f.id), upstreamId: id, inputName: input.name });
            next.push(f);
          }
        }
      }
    }
    frontier = [];
    for (const row of next) {
      const rid = Number(row.id);
      if (nodes.has(rid)) continue;
      nodes.set(rid, node(row, depth));
      rows.set(rid, row);
      frontier.push(rid);
    }
  }
}
