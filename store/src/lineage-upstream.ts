import type { AssetGraph, PartitionContext } from '@weft/core';
import { COLUMNS, node, type EdgeRow, type MaterializationRow, type WalkState } from './lineage-rows.js';
import { rangeEdgeKeys } from './range-edges.js';
import type { SqlDatabase } from './sql-client.js';

type WalkRow = MaterializationRow & { depth: number; down: string | null; via: string | null };

/**
 * Upstream provenance: one recursive query follows every one-partition input (they point at the
 * materialization they read) down to the depth limit; then the range inputs of what was reached
 * are expanded (one query per upstream asset) and the walk continues from there. A chain of one
 * partition inputs costs one round trip whatever its depth.
 */
export async function walkUpstream(db: SqlDatabase, graph: AssetGraph, ctx: PartitionContext, rootId: number, limit: number, state: WalkState): Promise<void> {
  const seenEdges = new Set<string>();
  const addEdge = (down: number, up: number, input: string): void => {
    const key = `${down}/${up}/${input}`;
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    state.edges.push({ downstreamId: down, upstreamId: up, inputName: input });
  };
  let frontier: Array<{ id: number; depth: number }> = [{ id: rootId, depth: 0 }];
  const exploredAll = new Set<number>();
  while (frontier.length > 0) {
    // One statement: the walk along one-partition inputs, and the other inputs of what it explored.
    // A few roots (chains) walk recursively to the depth limit; a wide frontier (a rollup's
    // partitions) takes one plain step, which PostgreSQL plans far better for hundreds of nodes.
    const recursive = frontier.length <= 16;
    const walk = recursive
      ? `WITH RECURSIVE walk(id, depth, down, via) AS (
           SELECT seed.id, seed.depth, NULL::bigint, NULL::text FROM unnest($1::bigint[], $2::int[]) AS seed(id, depth)
           UNION
           -- LATERAL: an index lookup per reached node (a recursive term's join may hash the whole table)
           SELECT hop.upstream_materialization_id, walked.depth + 1, walked.id, hop.input_name
           FROM walk walked CROSS JOIN LATERAL (
             SELECT edge.upstream_materialization_id, edge.input_name FROM weft_input_edges edge
             WHERE edge.materialization_id = walked.id AND edge.upstream_materialization_id IS NOT NULL
           ) hop
           WHERE walked.depth < $3
         ),
         explored AS (SELECT DISTINCT id FROM walk WHERE depth < $3),`
      : `WITH frontier AS (SELECT * FROM unnest($1::bigint[], $2::int[]) AS seed(id, depth)),
         walk AS (
           SELECT frontier.id, frontier.depth, NULL::bigint AS down, NULL::text AS via FROM frontier
           UNION ALL
           SELECT edge.upstream_materialization_id, frontier.depth + 1, frontier.id, edge.input_name
           FROM frontier JOIN weft_input_edges edge ON edge.materialization_id = frontier.id AND edge.upstream_materialization_id IS NOT NULL
           WHERE frontier.depth < $3
         ),
         explored AS (SELECT id FROM frontier WHERE depth < $3),`;
    const result = await db.query<{ t: 'n' | 'e'; j: WalkRow | EdgeRow }>(
      `${walk}
       reached AS (SELECT walked.depth, walked.down, walked.via, mat.${COLUMNS.split(', ').join(', mat.')} FROM walk walked JOIN weft_materializations mat ON mat.id = walked.id),
       others AS (
         SELECT edge.materialization_id, edge.input_name, edge.upstream_asset, edge.upstream_partition, edge.upstream_materialization_id, edge.data_version, edge.range_first, edge.range_last, edge.range_count, edge.range_set
         FROM weft_input_edges edge JOIN explored ON edge.materialization_id = explored.id
         WHERE edge.upstream_materialization_id IS NULL
       )
       SELECT 'n' AS t, row_to_json(reached) AS j FROM reached
       UNION ALL
       SELECT 'e', row_to_json(others) FROM others`,
      [frontier.map((f) => f.id), frontier.map((f) => f.depth), limit],
    );
    const walked = result.filter((r) => r.t === 'n').map((r) => r.j as WalkRow);
    const others = result.filter((r) => r.t === 'e').map((r) => r.j as EdgeRow);
    const reached = new Map<number, number>();
    for (const w of walked) {
      const id = Number(w.id);
      if (w.down !== null && w.via !== null) addEdge(Number(w.down), id, w.via);
      const known = state.nodes.get(id);
      if (!known || known.depth > w.depth) {
        state.nodes.set(id, node(w, w.depth));
        state.rows.set(id, w);
      }
      reached.set(id, Math.min(reached.get(id) ?? Number.POSITIVE_INFINITY, w.depth));
    }
    const byAsset = new Map<string, { down: number[]; keys: string[]; asOf: number[]; input: string[] }>();
    for (const e of others) {
      if (e.upstream_partition !== null) {
        state.unresolved.push({ downstreamId: Number(e.materialization_id), inputName: e.input_name, assetKey: e.upstream_asset, partitionKey: e.upstream_partition, dataVersion: e.data_version });
        continue;
      }
      if (e.range_first === null || e.range_last === null) continue;
      const down = state.rows.get(Number(e.materialization_id));
      if (!down) continue;
      const group = byAsset.get(e.upstream_asset) ?? { down: [], keys: [], asOf: [], input: [] };
      for (const key of rangeEdgeKeys(graph, ctx, e, { reader: { assetKey: down.asset_key, partitionKey: down.partition_key, inputName: e.input_name } })) {
        group.down.push(Number(e.materialization_id));
        group.keys.push(key);
        group.asOf.push(Number(down.inputs_as_of));
        group.input.push(e.input_name);
      }
      byAsset.set(e.upstream_asset, group);
    }
    const next = new Map<number, number>();
    for (const [assetKey, g] of byAsset) {
      if (graph.nodes.get(assetKey)?.definition.kind === 'source') {
        // Source partitions are leaves: observed, never materialized.
        g.keys.forEach((key, k) => state.unresolved.push({ downstreamId: g.down[k] as number, inputName: g.input[k] as string, assetKey, partitionKey: key, dataVersion: null }));
        continue;
      }
      const found = await db.query<MaterializationRow & { down: string; input_name: string; wanted: string }>(
        `SELECT given.down, given.input_name, given.k AS wanted, mat.${COLUMNS.split(', ').join(', mat.')}
         FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS given(down, k, as_of, input_name, n)
         LEFT JOIN LATERAL (
           SELECT ${COLUMNS} FROM weft_materializations candidate
           WHERE candidate.asset_key = $1 AND candidate.partition_key = given.k AND coalesce(candidate.event_id, 0) <= given.as_of
           ORDER BY candidate.id DESC LIMIT 1
         ) mat ON true
         ORDER BY given.n`,
        [assetKey, g.down, g.keys, g.asOf, g.input],
      );
      for (const f of found) {
        if (f.id === null || f.id === undefined) {
          state.unresolved.push({ downstreamId: Number(f.down), inputName: f.input_name, assetKey, partitionKey: f.wanted, dataVersion: null });
          continue;
        }
        const id = Number(f.id);
        const depth = (reached.get(Number(f.down)) ?? 0) + 1;
        addEdge(Number(f.down), id, f.input_name);
        const known = state.nodes.get(id);
        if (!known || known.depth > depth) {
          state.nodes.set(id, node(f, depth));
          state.rows.set(id, f);
          next.set(id, Math.min(next.get(id) ?? Number.POSITIVE_INFINITY, depth));
        }
      }
    }
    if (recursive) {
      for (const [id, depth] of reached) if (depth < limit) exploredAll.add(id);
    } else {
      for (const f of frontier) exploredAll.add(f.id);
      for (const [id, depth] of reached) if (!exploredAll.has(id) && depth < limit) next.set(id, Math.min(next.get(id) ?? Number.POSITIVE_INFINITY, depth));
    }
    frontier = [...next].filter(([id]) => !exploredAll.has(id)).map(([id, depth]) => ({ id, depth }));
  }
}
