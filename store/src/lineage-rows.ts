/** The rows a lineage walk reads, and the graph it builds up. */
import type { Lineage, LineageEdge, LineageNode } from './types.js';

/** A materialization as a lineage walk reads it. */
export interface MaterializationRow {
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

/** An input edge as a lineage walk reads it. */
export interface EdgeRow {
  materialization_id: string;
  input_name: string;
  upstream_asset: string;
  upstream_partition: string | null;
  upstream_materialization_id: string | null;
  data_version: string | null;
  range_first: string | null;
  range_last: string | null;
  range_count?: number | null;
  /** The exact partition set of a range input when first…last does not say it (see range-edges.ts). */
  range_set?: unknown;
}

/** The columns of a {@link MaterializationRow}. */
export const COLUMNS = 'id, asset_key, partition_key, token, code_version, data_version, finished_at, event_id, inputs_as_of';

/** The lineage node of a materialization row found at `depth`. */
export function node(row: MaterializationRow, depth: number): LineageNode {
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

/** What a walk has found so far: nodes (with their rows), edges and inputs it could not resolve. */
export interface WalkState {
  readonly nodes: Map<number, LineageNode>;
  readonly rows: Map<number, MaterializationRow>;
  readonly edges: LineageEdge[];
  readonly unresolved: Array<Lineage['unresolved'][number]>;
}
