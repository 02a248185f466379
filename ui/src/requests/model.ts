/** What the requests pages ask of the API. */
import type { Counts } from '../graph/model';

export interface RequestRow {
  readonly id: string;
  readonly action: 'MATERIALIZE' | 'BACKFILL' | 'RETRY';
  readonly assetKey: string;
  readonly asset: { readonly group: string } | null;
  readonly requestedBy: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly status: 'OPEN' | 'DONE' | 'CANCELLED';
  readonly done: boolean;
  readonly fractionDone: number | null;
  readonly total: number | null;
  readonly partitionCount: number | null;
  readonly allPartitions: boolean;
  readonly priority: number;
  readonly progress: Counts | null;
}

export const REQUEST_FIELDS = `id action assetKey asset { group } requestedBy createdAt finishedAt status done fractionDone total partitionCount allPartitions priority
  progress { fresh stale failed checkFailed running blocked missing total }`;

export const REQUESTS_QUERY = `query Requests($location: String, $status: RequestStatus, $before: ID, $first: Int) {
  requests(location: $location, status: $status, before: $before, first: $first) { ${REQUEST_FIELDS} }
}`;

export const REQUEST_QUERY = `query Request($location: String, $id: ID!) {
  request(location: $location, id: $id) {
    __typename
    ... on Request { ${REQUEST_FIELDS} }
    ... on Error { message }
  }
}`;

export const REQUEST_SUBSCRIPTION = `subscription RequestLive($location: String, $id: ID!) {
  request(location: $location, id: $id) { ${REQUEST_FIELDS} }
}`;

export const CANCEL_MUTATION = `mutation CancelRequest($location: String, $id: ID!) {
  cancelRequest(location: $location, id: $id) {
    __typename
    ... on Request { ${REQUEST_FIELDS} }
    ... on Error { message }
  }
}`;

export type CancelResult = ({ readonly __typename: 'Request' } & RequestRow) | { readonly __typename: 'Forbidden' | 'NotFound' | 'InvalidInput' | 'InvalidPartition' | 'Unavailable'; readonly message: string };

/** Settled partitions (not running, stale or missing), as `fractionDone` counts them. */
export function settled(p: Counts): number {
  return p.total - p.running - p.stale - p.missing;
}

export interface Outcome {
  readonly key: string;
  readonly status: string;
  readonly failure: { readonly message: string } | null;
  readonly running: { readonly since: string | null } | null;
  readonly current: { readonly id: string; readonly finishedAt: string } | null;
}

const OUTCOME_FIELDS = 'key status failure { message } running { since } current { id finishedAt }';

/** One page of the partitions the request names, each with where it stands now. */
export function outcomesByKeyQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$k${i}: String!`).join(', ');
  const fields = Array.from({ length: count }, (_, i) => `p${i}: partition(key: $k${i}) { ${OUTCOME_FIELDS} }`).join('\n      ');
  return `query RequestOutcomes${count}($location: String, $asset: String!${count ? `, ${vars}` : ''}) {
  asset(location: $location, key: $asset) {
    __typename
    ... on Asset {
      ${fields || '__typename'}
    }
    ... on Error { message }
  }
}`;
}

/** The keys a request names, up to `first`. */
export const REQUEST_KEYS_QUERY = `query RequestKeys($location: String, $id: ID!, $first: Int) {
  request(location: $location, id: $id) { __typename ... on Request { partitionKeys(first: $first) } }
}`;

/** A page of every partition of the asset (for requests of all partitions). */
export const ALL_OUTCOMES_QUERY = `query RequestAllOutcomes($location: String, $asset: String!, $after: String, $first: Int) {
  asset(location: $location, key: $asset) {
    __typename
    ... on Asset { partitions(after: $after, first: $first) { totalCount endCursor hasNextPage nodes { ${OUTCOME_FIELDS} } } }
    ... on Error { message }
  }
}`;
