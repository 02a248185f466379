/** `weft status`: a table of assets with their partitions by state, from the API. */
import type { Output } from '../database.js';
import { table } from '../format/text.js';
import type { StatusCounts } from '../remote/requests.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** Options of `weft status`. */
export interface StatusOptions extends RemoteOptions {
  readonly json: boolean;
  readonly group?: string | undefined;
  readonly prefix?: string | undefined;
}

/** One asset's row, as `--json` prints it. */
export interface AssetStatus {
  readonly location: string;
  readonly key: string;
  readonly kind: 'asset' | 'source';
  readonly group: string;
  readonly partitions: { readonly description: string; readonly count: number };
  readonly counts: StatusCounts;
}

interface AssetNode {
  location: string;
  key: string;
  kind: 'ASSET' | 'SOURCE';
  group: string;
  partitionsDefinition: { description: string; count: number };
  statusCounts: StatusCounts;
}

const QUERY = `query Status($after: String, $location: String, $group: String, $prefix: String) {
  assets(first: 1000, after: $after, location: $location, group: $group, keyPrefix: $prefix) {
    endCursor hasNextPage
    nodes { location key kind group partitionsDefinition { description count } statusCounts { fresh stale missing running failed blocked checkFailed total } }
  }
}`;

const COLUMNS = ['fresh', 'stale', 'missing', 'running', 'failed', 'blocked', 'checkFailed'] as const;

/** Every asset the viewer may see, page by page. */
export async function assetStatuses(options: StatusOptions): Promise<AssetStatus[]> {
  const client = connect(options);
  const rows: AssetStatus[] = [];
  let after: string | null = null;
  for (;;) {
    const data: { assets: { endCursor: string | null; hasNextPage: boolean; nodes: AssetNode[] } } = await client.request(QUERY, {
      after,
      location: options.location ?? null,
      group: options.group ?? null,
      prefix: options.prefix ?? null,
    });
    for (const n of data.assets.nodes) {
      rows.push({ location: n.location, key: n.key, kind: n.kind === 'SOURCE' ? 'source' : 'asset', group: n.group, partitions: n.partitionsDefinition, counts: n.statusCounts });
    }
    if (!data.assets.hasNextPage || !data.assets.endCursor) return rows;
    after = data.assets.endCursor;
  }
}

/** Formats the status table (a location column when there is more than one). */
export function formatStatusTable(rows: readonly AssetStatus[]): string {
  const locations = new Set(rows.map((r) => r.location));
  const withLocation = locations.size > 1;
  const head = [...(withLocation ? ['LOCATION'] : []), 'ASSET', 'KIND', 'PARTITIONS', 'FRESH', 'STALE', 'MISSING', 'RUNNING', 'FAILED', 'BLOCKED', 'CHECK FAILED'];
  const first = withLocation ? 4 : 3;
  const body = rows.map((r) => [...(withLocation ? [r.location] : []), r.key, r.kind, `${r.partitions.count.toLocaleString('en-US')} ${r.partitions.description}`, ...COLUMNS.map((c) => r.counts[c].toLocaleString('en-US'))]);
  return table([head, ...body], new Set(COLUMNS.map((_, i) => first + i)));
}

/** `weft status`. */
export async function runStatus(options: StatusOptions, out: Output): Promise<number> {
  const rows = await assetStatuses(options);
  if (options.json) {
    out.log(JSON.stringify({ assets: rows }));
    return 0;
  }
  if (rows.length === 0) {
    out.log('no assets (none deployed yet, or your token may see none: `weft status` shows the assets of groups it has a role on)');
    return 0;
  }
  out.log(formatStatusTable(rows));
  return 0;
}
