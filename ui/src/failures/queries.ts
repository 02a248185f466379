/** What the triage page asks of the API. */
import type { Status } from '../components/status';

export interface FailureGroup {
  readonly assetKey: string;
  readonly fingerprint: string;
  readonly failureClass: 'TRANSIENT' | 'ACTIONABLE';
  readonly occurrences: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly sampleMessage: string;
  readonly lastStack: string | null;
  readonly partitionCount: number;
  readonly partitions: readonly string[];
  readonly asset: { readonly group: string } | null;
}

export const FAILURES_QUERY = `query Failures($location: String, $onlyCurrent: Boolean) {
  failures(location: $location, onlyCurrent: $onlyCurrent) {
    assetKey fingerprint failureClass occurrences firstSeen lastSeen sampleMessage lastStack partitionCount
    partitions(first: 200)
    asset { group }
  }
}`;

export interface LatestFailure {
  readonly partition:
    | {
        readonly __typename: 'Partition';
        readonly key: string;
        readonly status: string;
        readonly failure: { readonly message: string; readonly fingerprint: string; readonly retryAt: string | null; readonly token: string } | null;
        readonly attempts: readonly { readonly attempt: number; readonly status: string; readonly message: string | null; readonly fingerprint: string | null; readonly stack: string | null }[];
        readonly failureLogs: readonly { readonly at: string; readonly level: string; readonly message: string; readonly attempt: number }[];
      }
    | { readonly __typename: string; readonly message?: string };
}

/** The latest failed attempt of one partition of the group: its full message, attempts and log. */
export const LATEST_FAILURE_QUERY = `query LatestFailure($location: String, $asset: String!, $partition: String!) {
  partition(location: $location, assetKey: $asset, partitionKey: $partition) {
    __typename
    ... on Partition {
      key status
      failure { message fingerprint retryAt token }
      attempts { attempt status message fingerprint stack }
      failureLogs(first: 200) { at level message attempt }
    }
    ... on Error { message }
  }
}`;

export const RETRY_MUTATION = `mutation RetryGroup($location: String, $asset: String!, $fingerprint: String!) {
  retry(location: $location, assetKey: $asset, fingerprint: $fingerprint) {
    __typename
    ... on RequestsSubmitted { woken requests { id partitionCount partitionKeys(first: 20) } }
    ... on Error { message }
  }
}`;

export type RetryResult =
  | { readonly __typename: 'RequestsSubmitted'; readonly woken: boolean; readonly requests: readonly { readonly id: string; readonly partitionCount: number | null; readonly partitionKeys: readonly string[] | null }[] }
  | { readonly __typename: 'Forbidden' | 'NotFound' | 'InvalidInput' | 'InvalidPartition' | 'Unavailable'; readonly message: string };

export type { Status };
