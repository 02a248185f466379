/**
 * `weft requests`: the requests and backfills the API knows (`list`), following open ones again
 * after a Ctrl-C or a `--timeout` (`follow`), and cancelling one (`cancel`).
 */
import type { Output } from '../database.js';
import { EXIT } from '../exit-codes.js';
import { table, when } from '../format/text.js';
import { OptionError } from '../options.js';
import { ERROR_FIELDS, unwrap, type UnionResult } from '../remote/api-error.js';
import { awaitRequests, type WaitOptions } from '../remote/await-requests.js';
import { fetchRequest, REQUEST_FIELDS, tally, type RequestState } from '../remote/requests.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** Options of `weft requests list`. */
export interface RequestsListOptions extends RemoteOptions {
  readonly status?: string | undefined;
  readonly asset?: string | undefined;
  readonly first: number;
  readonly json: boolean;
}

const STATUSES = ['open', 'done', 'cancelled'] as const;

/** `weft requests list`: newest first, with their progress. */
export async function runRequestsList(options: RequestsListOptions, out: Output): Promise<number> {
  const status = options.status?.toLowerCase();
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new OptionError(`--status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(options.status)}`);
  const client = connect(options);
  const { requests } = await client.request<{ requests: Array<RequestState & { requestedBy: string | null }> }>(
    `query Requests($status: RequestStatus, $asset: String, $first: Int, $location: String) {
      requests(status: $status, assetKey: $asset, first: $first, location: $location) { ${REQUEST_FIELDS} requestedBy }
    }`,
    { status: status?.toUpperCase() ?? null, asset: options.asset ?? null, first: options.first, location: options.location ?? null },
  );
  if (options.json) {
    out.log(JSON.stringify({ requests }));
    return EXIT.ok;
  }
  if (requests.length === 0) {
    out.log(`no ${status ?? ''}${status ? ' ' : ''}requests${options.asset ? ` of ${options.asset}` : ''}`);
    return EXIT.ok;
  }
  const rows = requests.map((r) => {
    const t = tally(r);
    return [r.id, r.action.toLowerCase(), r.assetKey, r.status.toLowerCase(), `${t.done}/${t.total}`, String(t.running), String(t.failed), r.requestedBy ?? '-', when(r.createdAt)];
  });
  out.log(table([['REQUEST', 'ACTION', 'ASSET', 'STATUS', 'FRESH', 'RUNNING', 'FAILED', 'BY', 'CREATED'], ...rows], new Set([5, 6])));
  if (requests.some((r) => r.status === 'OPEN')) out.log('\nfollow open ones with `weft requests follow <id>`; cancel one with `weft requests cancel <id>`');
  return EXIT.ok;
}

/** Options of `weft requests follow`. */
export type RequestsFollowOptions = RemoteOptions & Omit<WaitOptions, 'wait'>;

/** `weft requests follow <id...>`: follows requests already submitted, with progress and the same exit codes as `weft materialize`. */
export async function runRequestsFollow(ids: readonly string[], options: RequestsFollowOptions, out: Output): Promise<number> {
  const client = connect(options);
  const states = await Promise.all(ids.map((id) => fetchRequest(client, id, options.location)));
  return awaitRequests('requests follow', client, states, true, { ...options, wait: true }, out);
}

/** Options of `weft requests cancel`. */
export interface RequestsCancelOptions extends RemoteOptions {
  readonly json: boolean;
}

/** `weft requests cancel <id>`: nothing more starts for it; what runs finishes. */
export async function runRequestsCancel(id: string, options: RequestsCancelOptions, out: Output): Promise<number> {
  const client = connect(options);
  const data = await client.request<{ cancelRequest: UnionResult }>(
    `mutation Cancel($id: ID!, $location: String) { cancelRequest(id: $id, location: $location) { ${ERROR_FIELDS} ... on Request { ${REQUEST_FIELDS} } } }`,
    { id, location: options.location ?? null },
  );
  const request = unwrap<UnionResult & RequestState>(data.cancelRequest, 'Request');
  // (Cancelling a cancelled request again is fine; one that was done already had nothing left to cancel.)
  const cancelled = request.status === 'CANCELLED';
  if (options.json) out.log(JSON.stringify({ cancelled, request }));
  else if (cancelled) out.log(`weft requests cancel: request ${request.id} (${request.action.toLowerCase()} of ${request.assetKey}) is cancelled; nothing more starts for it, what was running finishes`);
  else out.error(`weft requests cancel: request ${request.id} (${request.action.toLowerCase()} of ${request.assetKey}) was already done: nothing to cancel`);
  return cancelled ? EXIT.ok : EXIT.failed;
}
