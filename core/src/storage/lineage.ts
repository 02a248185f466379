import type { AssetGraph } from '../definitions/graph.js';
import { WeftError } from '../errors.js';
import { RangeSet } from '../partitions/sets/range-set.js';
import type { PartitionContext, PartitionKey } from '../partitions/types.js';
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
  options: { assetKey: string; partitionKey: PartitionKey; direction: 'upstream' | 'downstream'; depth: number; materializationId?: number },
): Promise<Lineage> {
  if (!Number.isSafeInteger(options.depth) || options.depth < 0 || options.depth > 100) {
    throw new WeftError('definition.bad_option', `lineage depth must be an integer in 0…100, got ${options.depth}`, { field: 'depth' });
  }
  const rootRows = options.materializationId
    ? await db.query<MaterializationRow>(`SELECT ${COLUMNS} FROM weft_materializations WHERE id = $1`, [options.materializationId])
    : await db.query<MaterializationRow>(
        `SELECT ${COLUMNS} FROM weft_materializations WHERE id = (SELECT materialization_id FROM weft_partition_state WHERE asset_key = $1 AND partition_key = $2)`,
        [options.assetKey, options.partitionKey],
      );
  const rootRow = rootRows[0];
  if (!rootRow) return { root: undefined, nodes: [], edges: [], unresolved: [] };
  const nodes = new Map<number, LineageNode>([[Number(rootRow.id), node(rootRow, 0)]]);
  const rows = new Map<number, MaterializationRow>([[Number(rootRow.id), rootRow]]);
  const edges: LineageEdge[] = [];
  const unresolved: Array<Lineage['unresolved'][number]> = [];
  let frontier = [Number(rootRow.id)];
  for (let depth = 1; depth <= options.depth && frontier.length > 0; depth++) {
    const next: MaterializationRow[] = [];
    if (options.direction === 'upstream') {
      // One round trip per level: the edges with the materializations one-partition inputs point at.
      const joined = await db.query<EdgeRow & { [K in keyof MaterializationRow as `u_${K}`]: MaterializationRow[K] | null }>(
        `SELECT e.materialization_id, e.input_name, e.upstream_asset, e.upstream_partition, e.upstream_materialization_id, e.data_version, e.range_first, e.range_last,
           u.id AS u_id, u.asset_key AS u_asset_key, u.partition_key AS u_partition_key, u.token AS u_token, u.code_version AS u_code_version,
           u.data_version AS u_data_version, u.finished_at AS u_finished_at, u.event_id AS u_event_id, u.inputs_as_of AS u_inputs_as_of
         FROM weft_input_edges e LEFT JOIN weft_materializations u ON u.id = e.upstream_materialization_id
         WHERE e.materialization_id = ANY($1::bigint[])`,
        [frontier],
      );
      const edgeRows: EdgeRow[] = joined;
      for (const j of joined) {
        if (j.u_id === null || j.u_id === undefined) continue;
        next.push({
          id: j.u_id,
          asset_key: j.u_asset_key as string,
          partition_key: j.u_partition_key as string,
          token: j.u_token as string,
          code_version: j.u_code_version as string,
          data_version: j.u_data_version as string,
          finished_at: j.u_finished_at as Date,
          event_id: j.u_event_id,
          inputs_as_of: j.u_inputs_as_of as string,
        });
      }
      for (const e of edgeRows) {
        if (e.upstream_materialization_id !== null) edges.push({ downstreamId: Number(e.materialization_id), upstreamId: Number(e.upstream_materialization_id), inputName: e.input_name });
        else if (e.upstream_partition !== null) unresolved.push({ downstreamId: Number(e.materialization_id), inputName: e.input_name, assetKey: e.upstream_asset, partitionKey: e.upstream_partition, dataVersion: e.data_version });
      }
      // Range inputs: per upstream asset, the latest materialization of each key as of the read.
      const byAsset = new Map<string, { down: number[]; keys: string[]; asOf: number[]; input: string[] }>();
      for (const e of edgeRows) {
        if (e.range_first === null || e.range_last === null) continue;
        const down = rows.get(Number(e.materialization_id));
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
      for (const [assetKey, g] of byAsset) {
        const found = await db.query<MaterializationRow & { down: string; n: string; input_name: string; wanted: string }>(
          `SELECT u.down, u.n, u.input_name, u.k AS wanted, m.${COLUMNS.split(', ').join(', m.')}
           FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS u(down, k, as_of, input_name, n)
           LEFT JOIN LATERAL (
             SELECT ${COLUMNS} FROM weft_materializations x
             WHERE x.asset_key = $1 AND x.partition_key = u.k AND coalesce(x.event_id, 0) <= u.as_of
             ORDER BY x.id DESC LIMIT 1
           ) m ON true
           ORDER BY u.n`,
          [assetKey, g.down, g.keys, g.asOf, g.input],
        );
        for (const f of found) {
          if (f.id === null || f.id === undefined) {
            unresolved.push({ downstreamId: Number(f.down), inputName: f.input_name, assetKey, partitionKey: f.wanted, dataVersion: null });
            continue;
          }
          edges.push({ downstreamId: Number(f.down), upstreamId: Number(f.id), inputName: f.input_name });
          next.push(f);
        }
      }
    } else {
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
            `SELECT m.${COLUMNS.split(', ').join(', m.')} FROM weft_materializations m JOIN weft_input_edges e ON e.materialization_id = m.id AND e.input_name = $3 AND e.range_count IS NOT NULL
             WHERE m.asset_key = $1 AND m.partition_key = ANY($2::text[]) AND m.inputs_as_of >= $4
               AND m.inputs_as_of < coalesce((SELECT min(n.event_id) FROM weft_materializations n WHERE n.asset_key = $5 AND n.partition_key = $6 AND n.id > $7), 9223372036854775807)`,
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
