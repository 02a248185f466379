import type { AssetGraph } from '@weft/core';
import { WeftError } from '@weft/core';
import { RangeSet } from '@weft/core';
import type { PartitionContext, PartitionKey } from '@weft/core';
import type { SqlDatabase } from './sql-client.js';
import type { Lineage, LineageEdge, LineageNode } from './types.js';

interface MaterializationRow {
  id: string;
  asset_key: string;
  partition_key: string;
  token: string;
  code_version: string;
  data_version: string;
  finished_at: Date | string;
  event_id: string | null;
  inputs_as_of: string;
}

interface EdgeRow {
  materialization_id: string;
  input_name: string;
  upstream_asset: string;
  upstream_partition: string | null;
  upstream_materialization_id: string | null;
  data_version: string | null;
  range_first: string | null;
  range_last: string | null;
}

const COLUMNS = 'id, asset_key, partition_key, token, code_version, data_version, finished_at, event_id, inputs_as_of';

function node(row: MaterializationRow, depth: number): LineageNode {
  return {
    materializationId: Number(row.id),
    assetKey: row.asset_key,
    partitionKey: row.partition_key,
    token: row.token,
    codeVersion: row.code_version,
    dataVersion: row.data_version,
    finishedAt: new Date(row.finished_at).getTime(),
    depth,
  };
}

/** The keys of a range input (first … last in the upstream definition's order). */
function rangeKeys(graph: AssetGraph, ctx: PartitionContext, assetKey: string, first: PartitionKey, last: PartitionKey): PartitionKey[] {
  const def = graph.nodes.get(assetKey)?.partitions;
  if (!def) return [];
  const a = def.indexOf(first, ctx);
  const b = def.indexOf(last, ctx);
  if (a === undefined || b === undefined) return [first, last];
  const keys: PartitionKey[] = [];
  for (let i = a; i <= b; i++) keys.push(def.keyAt(i, ctx));
  return keys;
}

/**
 * Reads the provenance graph around a materialization level by level: one query per level for
 * one-partition inputs (which point at the materialization they read) and one per level and
 * upstream asset for range inputs (expanded to the materializations current when they were read).
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
  let frontier = [Number(rootRow.id)];
  for (let depth = 1; depth <= options.depth && frontier.length > 0; depth++) {
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
          const found = await db.query<MaterializationRow>(
            `SELECT reader.${COLUMNS.split(', ').join(', reader.')} FROM weft_materializations reader JOIN weft_input_edges edge ON edge.materialization_id = reader.id AND edge.input_name = $3 AND edge.range_count IS NOT NULL
             WHERE reader.asset_key = $1 AND reader.partition_key = ANY($2::text[]) AND reader.inputs_as_of >= $4
               AND reader.inputs_as_of < coalesce((SELECT min(successor.event_id) FROM weft_materializations successor WHERE successor.asset_key = $5 AND successor.partition_key = $6 AND successor.id > $7), 9223372036854775807)`,
            [assetKey, downKeys, input.name, Number(up.event_id ?? 0), up.asset_key, up.partition_key, id],
          );
          for (const f of found) {
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
  return { root: nodes.get(Number(rootRow.id)), nodes: [...nodes.values()], edges, unresolved };
}

interface WalkState {
  readonly nodes: Map<number, LineageNode>;
  readonly rows: Map<number, MaterializationRow>;
  readonly edges: LineageEdge[];
  readonly unresolved: Array<Lineage['unresolved'][number]>;
}

type WalkRow = MaterializationRow & { depth: number; down: string | null; via: string | null };

/**
 * Upstream provenance: one recursive query follows every one-partition input (they point at the
 * materialization they read) down to the depth limit; then the range inputs of what was reached
 * are expanded (one query per upstream asset) and the walk continues from there. A chain of one
 * partition inputs costs one round trip whatever its depth.
 */
async function walkUpstream(db: SqlDatabase, graph: AssetGraph, ctx: PartitionContext, rootId: number, limit: number, state: WalkState): Promise<void> {
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
         SELECT edge.materialization_id, edge.input_name, edge.upstream_asset, edge.upstream_partition, edge.upstream_materialization_id, edge.data_version, edge.range_first, edge.range_last
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
      for (const key of rangeKeys(graph, ctx, e.upstream_asset, e.range_first, e.range_last)) {
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
