/**
 * `weft materialize <assets...> [--partitions …]` and `weft backfill <asset> --from --to`: submit
 * through the API's `materialize` and `backfill` mutations, then follow the requests.
 */
import type { Output } from '../database.js';
import { OptionError } from '../options.js';
import { ERROR_FIELDS, unwrap, type UnionResult } from '../remote/api-error.js';
import { awaitRequests, type WaitOptions } from '../remote/await-requests.js';
import { REQUEST_FIELDS, type RequestState } from '../remote/requests.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** The API's `PartitionSelectionInput`. */
export type PartitionSelection = { all: true } | { keys: string[] } | { range: { first: string; last: string } };

/**
 * Parses `--partitions`: `all`, an inclusive range `<first>..<last>`, or keys separated by commas.
 * @example parsePartitions('2024-01-01..2024-01-31') // { range: { first: '2024-01-01', last: '2024-01-31' } }
 */
export function parsePartitions(spec: string): PartitionSelection {
  const text = spec.trim();
  if (text === 'all') return { all: true };
  const dots = text.indexOf('..');
  if (dots >= 0) {
    const first = text.slice(0, dots).trim();
    const last = text.slice(dots + 2).trim();
    if (!first || !last) throw new OptionError(`--partitions ${JSON.stringify(spec)}: a range needs both ends, like 2024-01-01..2024-01-31`);
    return { range: { first, last } };
  }
  const keys = text.split(',').map((k) => k.trim());
  if (keys.some((k) => k === '')) throw new OptionError(`--partitions ${JSON.stringify(spec)}: an empty key (write keys as a,b,c, a range as first..last, or all)`);
  return { keys };
}

const SUBMITTED = `... on RequestsSubmitted { woken requests { ${REQUEST_FIELDS} } }`;

interface Submitted extends UnionResult {
  readonly woken: boolean;
  readonly requests: RequestState[];
}

/** Options of `weft materialize`. */
export interface MaterializeOptions extends RemoteOptions, WaitOptions {
  readonly partitions?: string | undefined;
  readonly priority?: number | undefined;
}

/** `weft materialize`: materializes partitions of assets now (one request per asset) and follows them. */
export async function runMaterialize(assets: readonly string[], options: MaterializeOptions, out: Output): Promise<number> {
  let partitions: PartitionSelection | undefined = options.partitions === undefined ? undefined : parsePartitions(options.partitions);
  const client = connect(options);
  if (partitions === undefined) {
    // Without --partitions only unpartitioned assets can be meant (their one partition is "").
    const graph = await client.request<{ assetGraph: { nodes: Array<{ key: string; partitionsDefinition: { kind: string } }> } }>(
      'query Kinds($location: String) { assetGraph(location: $location) { nodes { key partitionsDefinition { kind } } } }',
      { location: options.location ?? null },
    );
    const partitioned = graph.assetGraph.nodes.filter((n) => assets.includes(n.key) && n.partitionsDefinition.kind !== 'UNPARTITIONED').map((n) => n.key);
    if (partitioned.length > 0) throw new OptionError(`${partitioned.join(', ')} ${partitioned.length > 1 ? 'are' : 'is'} partitioned: say which partitions with --partitions <first>..<last>, --partitions <key>,<key>, or --partitions all`);
    partitions = { keys: [''] };
  }
  const data = await client.request<{ materialize: UnionResult }>(
    `mutation Materialize($assets: [String!]!, $partitions: PartitionSelectionInput!, $priority: Int, $location: String) {
      materialize(assetKeys: $assets, partitions: $partitions, priority: $priority, location: $location) { ${ERROR_FIELDS} ${SUBMITTED} }
    }`,
    { assets, partitions: partitions as PartitionSelection, priority: options.priority ?? 0, location: options.location ?? null },
  );
  const result = unwrap<Submitted>(data.materialize, 'RequestsSubmitted');
  return awaitRequests('materialize', client, result.requests, result.woken, options, out);
}

/** Options of `weft backfill`. */
export interface BackfillOptions extends RemoteOptions, WaitOptions {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly all?: boolean | undefined;
  readonly priority?: number | undefined;
}

/** `weft backfill`: backfills a range (or every partition) of an asset, in order, and follows it. */
export async function runBackfill(asset: string, options: BackfillOptions, out: Output): Promise<number> {
  let partitions: PartitionSelection;
  if (options.all) {
    if (options.from !== undefined || options.to !== undefined) throw new OptionError('give either --all or --from/--to, not both');
    partitions = { all: true };
  } else {
    if (options.from === undefined || options.to === undefined) throw new OptionError('weft backfill needs --from <first partition> and --to <last partition> (inclusive), or --all');
    partitions = { range: { first: options.from, last: options.to } };
  }
  const client = connect(options);
  const data = await client.request<{ backfill: UnionResult }>(
    `mutation Backfill($asset: String!, $partitions: PartitionSelectionInput!, $priority: Int, $location: String) {
      backfill(assetKey: $asset, partitions: $partitions, priority: $priority, location: $location) { ${ERROR_FIELDS} ${SUBMITTED} }
    }`,
    { asset, partitions, priority: options.priority ?? 0, location: options.location ?? null },
  );
  const result = unwrap<Submitted>(data.backfill, 'RequestsSubmitted');
  return awaitRequests('backfill', client, result.requests, result.woken, options, out);
}
