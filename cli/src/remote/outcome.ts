/**
 * How requests ended, judged on the partitions they name (not on what they needed upstream, which
 * the request's own progress counts too): how many are fresh and how many failed or are blocked.
 */
import { EXIT } from '../exit-codes.js';
import type { GraphQLClient } from './client.js';
import type { RequestState, StatusCounts } from './requests.js';

/** A request's own partitions: fresh, failed (failed, check failed or blocked), other. */
export interface OwnCounts {
  readonly total: number;
  readonly fresh: number;
  readonly failed: number;
}

/** At most this many keys are looked up one by one (one query of aliases). */
const LOOKUP_KEYS = 30;

const own = (c: Omit<StatusCounts, 'total'>): OwnCounts => ({
  total: c.fresh + c.stale + c.missing + c.running + c.failed + c.blocked + c.checkFailed,
  fresh: c.fresh,
  failed: c.failed + c.checkFailed + c.blocked,
});

/**
 * Counts a request's own partitions by state now: every partition of the asset, each of a few
 * keys, or the span from its first to its last key (exact for a range, which is contiguous).
 */
export async function ownCounts(client: GraphQLClient, request: RequestState, location: string | undefined): Promise<OwnCounts> {
  const l = location ?? null;
  const { request: r } = await client.request<{ request: { allPartitions: boolean; partitionKeys: string[] | null } }>(
    'query Keys($id: ID!, $l: String, $n: Int) { request(id: $id, location: $l) { ... on Request { allPartitions partitionKeys(first: $n) } } }',
    { id: request.id, l, n: 1000 },
  );
  const counts = 'fresh stale missing running failed blocked checkFailed';
  if (r.allPartitions || !r.partitionKeys) {
    const data = await client.request<{ asset: { statusCounts?: StatusCounts } }>(`query All($k: String!, $l: String) { asset(key: $k, location: $l) { ... on Asset { statusCounts { ${counts} total } } } }`, { k: request.assetKey, l });
    return data.asset.statusCounts ? own(data.asset.statusCounts) : { total: 0, fresh: 0, failed: 0 };
  }
  const keys = r.partitionKeys;
  if (keys.length <= LOOKUP_KEYS) {
    const fields = keys.map((_, i) => `p${i}: partition(assetKey: $k, partitionKey: $p${i}, location: $l) { ... on Partition { status } }`).join(' ');
    const vars = keys.map((_, i) => `$p${i}: String!`).join(', ');
    const data = await client.request<Record<string, { status?: string }>>(`query Own($k: String!, $l: String, ${vars}) { ${fields} }`, { k: request.assetKey, l, ...Object.fromEntries(keys.map((k, i) => [`p${i}`, k])) });
    const statuses = Object.values(data).map((p) => p.status ?? '');
    return { total: statuses.length, fresh: statuses.filter((s) => s === 'FRESH').length, failed: statuses.filter((s) => s === 'FAILED' || s === 'BLOCKED' || s === 'CHECK_FAILED').length };
  }
  const data = await client.request<{ asset: { statusRuns?: { runs: Array<{ status: string; count: number }> } } }>(
    'query Span($k: String!, $l: String, $from: String!, $to: String!, $n: Int) { asset(key: $k, location: $l) { ... on Asset { statusRuns(from: $from, to: $to, first: $n) { runs { status count } } } } }',
    { k: request.assetKey, l, from: keys[0], to: keys[keys.length - 1], n: 10_000 },
  );
  const sum = (s: string): number => (data.asset.statusRuns?.runs ?? []).filter((run) => run.status === s).reduce((n, run) => n + run.count, 0);
  return own({ fresh: sum('FRESH'), stale: sum('STALE'), missing: sum('MISSING'), running: sum('RUNNING'), failed: sum('FAILED'), blocked: sum('BLOCKED'), checkFailed: sum('CHECK_FAILED') });
}

/** The exit code of ended requests: ok, failed (none fresh, or one cancelled) or partly failed. */
export function outcomeOf(states: readonly RequestState[], counts: readonly OwnCounts[]): { code: number; word: 'ok' | 'failed' | 'partial' | 'cancelled' } {
  if (states.some((s) => s.status === 'CANCELLED')) return { code: EXIT.failed, word: 'cancelled' };
  const fresh = counts.reduce((n, c) => n + c.fresh, 0);
  const failed = counts.reduce((n, c) => n + c.failed, 0);
  if (failed === 0) return { code: EXIT.ok, word: 'ok' };
  return fresh === 0 ? { code: EXIT.failed, word: 'failed' } : { code: EXIT.partial, word: 'partial' };
}
