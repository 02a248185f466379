/**
 * `weft retry`: retries failed partitions through the API's `retry` mutation (one partition, the
 * partitions a fingerprint fails now, or every failed partition), then follows the requests.
 */
import type { Output } from '../database.js';
import { OptionError } from '../options.js';
import { ApiError, ERROR_FIELDS, unwrap, type UnionResult } from '../remote/api-error.js';
import { awaitRequests, type WaitOptions } from '../remote/await-requests.js';
import type { GraphQLClient } from '../remote/client.js';
import { REQUEST_FIELDS, type RequestState } from '../remote/requests.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** Options of `weft retry`. */
export interface RetryOptions extends RemoteOptions, WaitOptions {
  readonly asset?: string | undefined;
  readonly partition?: string | undefined;
  /** A failure fingerprint, or a prefix of one (at least 6 characters). */
  readonly fingerprint?: string | undefined;
  readonly allFailed?: boolean | undefined;
}

interface Submitted extends UnionResult {
  readonly woken: boolean;
  readonly requests: RequestState[];
}

const MUTATION = `mutation Retry($asset: String!, $partition: String, $fingerprint: String, $allFailed: Boolean, $location: String) {
  retry(assetKey: $asset, partitionKey: $partition, fingerprint: $fingerprint, allFailed: $allFailed, location: $location) {
    ${ERROR_FIELDS}
    ... on RequestsSubmitted { woken requests { ${REQUEST_FIELDS} } }
  }
}`;

type Target = { asset: string; partition?: string; fingerprint?: string; allFailed?: true };

/** Which retry mutations the options mean (one per asset), checking they name exactly one thing. */
function checkOptions(o: RetryOptions): void {
  const modes = [o.partition !== undefined, o.fingerprint !== undefined, o.allFailed === true].filter(Boolean).length;
  if (modes !== 1) throw new OptionError('say what to retry: --asset <key> --partition <key>, --fingerprint <fingerprint> (--asset optional), or --all-failed (--asset optional)');
  if (o.partition !== undefined && o.asset === undefined) throw new OptionError('--partition needs --asset <key>');
  if (o.fingerprint !== undefined && o.fingerprint.length < 6) throw new OptionError(`--fingerprint ${JSON.stringify(o.fingerprint)}: give at least its first 6 characters`);
}

async function targets(client: GraphQLClient, o: RetryOptions): Promise<Target[]> {
  if (o.partition !== undefined) return [{ asset: o.asset!, partition: o.partition }];
  if (o.allFailed && o.asset !== undefined) return [{ asset: o.asset, allFailed: true }];
  const { failures } = await client.request<{ failures: Array<{ assetKey: string; fingerprint: string }> }>(
    'query Failing($asset: String, $location: String) { failures(assetKey: $asset, location: $location, onlyCurrent: true) { assetKey fingerprint } }',
    { asset: o.asset ?? null, location: o.location ?? null },
  );
  if (o.allFailed) {
    const assets = [...new Set(failures.map((f) => f.assetKey))];
    if (assets.length === 0) throw new ApiError('no partition is failed now: nothing to retry', '`weft status` shows each asset’s partitions by state', 'NothingToRetry');
    return assets.map((asset) => ({ asset, allFailed: true }));
  }
  const matching = failures.filter((f) => f.fingerprint.startsWith(o.fingerprint!));
  const fingerprints = new Set(matching.map((f) => f.fingerprint));
  if (fingerprints.size > 1) throw new OptionError(`--fingerprint ${o.fingerprint} matches ${fingerprints.size} fingerprints (${[...fingerprints].join(', ')}): give more of it`);
  if (matching.length === 0) {
    throw new ApiError(`no partition${o.asset ? ` of ${o.asset}` : ''} fails with fingerprint ${o.fingerprint} now`, '`weft failures` lists the fingerprints partitions fail with now (`--all` for past ones)', 'NotFound');
  }
  return matching.map((f) => ({ asset: f.assetKey, fingerprint: f.fingerprint }));
}

/** `weft retry`: submits the retries and follows them. */
export async function runRetry(options: RetryOptions, out: Output): Promise<number> {
  checkOptions(options);
  const client = connect(options);
  const requests: RequestState[] = [];
  let woken = true;
  for (const t of await targets(client, options)) {
    const data = await client.request<{ retry: UnionResult }>(MUTATION, {
      asset: t.asset,
      partition: t.partition ?? null,
      fingerprint: t.fingerprint ?? null,
      allFailed: t.allFailed ?? null,
      location: options.location ?? null,
    });
    const result = unwrap<Submitted>(data.retry, 'RequestsSubmitted');
    requests.push(...result.requests);
    woken &&= result.woken;
  }
  return awaitRequests('retry', client, requests, woken, options, out);
}
