/**
 * Requests (materialize, backfill, retry) as the API reports them, and following them to the end:
 * through the `request(id)` subscription (server-sent events), or by polling when a stream cannot
 * be had or breaks off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { unwrap, ERROR_FIELDS, type UnionResult } from './api-error.js';
import type { GraphQLClient } from './client.js';

/** Partitions by status, as the planner last counted them. */
export interface StatusCounts {
  readonly fresh: number;
  readonly stale: number;
  readonly missing: number;
  readonly running: number;
  readonly failed: number;
  readonly blocked: number;
  readonly checkFailed: number;
  readonly total: number;
}

/** A request and its progress (the API's `Request`). */
export interface RequestState {
  readonly id: string;
  readonly assetKey: string;
  readonly action: 'MATERIALIZE' | 'BACKFILL' | 'RETRY';
  readonly status: 'OPEN' | 'DONE' | 'CANCELLED';
  readonly done: boolean;
  readonly partitionCount: number | null;
  readonly total: number | null;
  readonly progress: StatusCounts | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** The counts a person reads: done (fresh), running, failed (failed, check failed or blocked), pending. */
export interface Tally {
  readonly total: number;
  readonly done: number;
  readonly running: number;
  readonly failed: number;
  readonly pending: number;
  /** Done or failed: nothing more happens to them. */
  readonly settled: number;
}

/** The selection of a request, for queries, mutations and the subscription. */
export const REQUEST_FIELDS = 'id assetKey action status done partitionCount total createdAt finishedAt progress { fresh stale missing running failed blocked checkFailed total }';

/** The tally of a request (all zero until the planner has counted it). */
export function tally(r: RequestState): Tally {
  const p = r.progress;
  if (!p) return { total: r.total ?? r.partitionCount ?? 0, done: 0, running: 0, failed: 0, pending: r.total ?? r.partitionCount ?? 0, settled: 0 };
  const failed = p.failed + p.checkFailed + p.blocked;
  const pending = p.stale + p.missing;
  return { total: p.total, done: p.fresh, running: p.running, failed, pending, settled: p.fresh + failed };
}

const QUERY = `query Request($id: ID!, $location: String) { request(id: $id, location: $location) { ${ERROR_FIELDS} ... on Request { ${REQUEST_FIELDS} } } }`;
const SUBSCRIPTION = `subscription FollowRequest($id: ID!, $location: String) { request(id: $id, location: $location) { ${REQUEST_FIELDS} } }`;

/** Reads a request once. */
export async function fetchRequest(client: GraphQLClient, id: string, location: string | undefined): Promise<RequestState> {
  const data = await client.request<{ request: UnionResult }>(QUERY, { id, location: location ?? null });
  return unwrap<UnionResult & RequestState>(data.request, 'Request');
}

/** Options of {@link followRequests}. */
export interface FollowOptions {
  readonly location?: string | undefined;
  /** Stops following (the requests go on). */
  readonly signal: AbortSignal;
  /** Called with each new state of a request. */
  readonly onChange: (state: RequestState) => void;
  /** Poll interval when no subscription can be had, ms. @default 1000 */
  readonly pollMs?: number;
  /** Poll instead of subscribing. @default false */
  readonly poll?: boolean;
}

/** Follows requests until each is done or cancelled, or the signal stops it; returns their last states. */
export async function followRequests(client: GraphQLClient, requests: readonly RequestState[], options: FollowOptions): Promise<RequestState[]> {
  return Promise.all(requests.map((r) => followOne(client, r, options)));
}

async function followOne(client: GraphQLClient, initial: RequestState, options: FollowOptions): Promise<RequestState> {
  const { signal, onChange } = options;
  const pollMs = options.pollMs ?? 1000;
  const variables = { id: initial.id, location: options.location ?? null };
  let state = initial;
  let subscribe = !options.poll;
  const see = (next: RequestState): void => {
    state = next;
    onChange(next);
  };
  while (!state.done && !signal.aborted) {
    if (subscribe) {
      try {
        for await (const data of client.subscribe<{ request: RequestState }>(SUBSCRIPTION, variables, signal)) {
          see(data.request);
          if (state.done) return state;
        }
      } catch {
        if (signal.aborted) break;
        // No stream (a proxy that buffers, an old server): poll from now on.
        subscribe = false;
      }
    }
    // The stream ended without the request being done (a restart), or polling: ask.
    see(await fetchRequest(client, initial.id, options.location));
    if (state.done) break;
    await sleep(pollMs, undefined, { signal }).catch(() => {});
  }
  return state;
}
