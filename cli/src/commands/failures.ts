/**
 * `weft failures [--asset <key>]`: failures grouped by fingerprint (one problem each): how often,
 * first and last seen, the message, and sample partitions failing with it now.
 */
import type { Output } from '../database.js';
import { oneLine, plural, when } from '../format/text.js';
import { unwrap, type UnionResult } from '../remote/api-error.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** Options of `weft failures`. */
export interface FailuresOptions extends RemoteOptions {
  readonly asset?: string | undefined;
  /** Also groups no partition fails with any more. */
  readonly all?: boolean | undefined;
  /** The whole stack trace, not only its top frames. */
  readonly stack?: boolean | undefined;
  readonly json: boolean;
}

/** A failure group as `--json` prints it (the API's field names). */
export interface FailureGroup {
  readonly assetKey: string;
  readonly fingerprint: string;
  readonly failureClass: 'ACTIONABLE' | 'TRANSIENT';
  readonly occurrences: number;
  readonly partitionCount: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly sampleMessage: string;
  /** The stack trace of its latest failure that had one. */
  readonly lastStack: string | null;
  readonly partitions: string[];
}

const QUERY = `query Failures($asset: String, $location: String, $onlyCurrent: Boolean) {
  failures(assetKey: $asset, location: $location, onlyCurrent: $onlyCurrent) {
    assetKey fingerprint failureClass occurrences partitionCount firstSeen lastSeen sampleMessage lastStack partitions(first: 10)
  }
}`;

/** `weft failures`. */
export async function runFailures(options: FailuresOptions, out: Output): Promise<number> {
  const client = connect(options);
  if (options.asset !== undefined) {
    // An unknown asset is an error, not an empty list.
    const { asset } = await client.request<{ asset: UnionResult }>('query Asset($k: String!, $l: String) { asset(key: $k, location: $l) { __typename ... on Error { message } ... on NotFound { kind key } } }', { k: options.asset, l: options.location ?? null });
    unwrap(asset, 'Asset');
  }
  const { failures } = await client.request<{ failures: FailureGroup[] }>(QUERY, { asset: options.asset ?? null, location: options.location ?? null, onlyCurrent: !options.all });
  if (options.json) {
    out.log(JSON.stringify({ failures }));
    return 0;
  }
  const scope = `${options.asset ? ` of ${options.asset}` : ''}`;
  if (failures.length === 0) {
    out.log(options.all ? `no failures${scope} recorded` : `no partition${scope} is failed now${options.all ? '' : ' (--all shows past failures too)'}`);
    return 0;
  }
  out.log(`${plural(failures.length, 'failure group')}${scope}${options.all ? '' : ' with partitions failing now'}, most recent first:`);
  for (const f of failures) {
    out.log('');
    out.log(`${f.assetKey}  fingerprint ${f.fingerprint}  ${f.failureClass.toLowerCase()}`);
    out.log(`  ${plural(f.partitionCount, 'partition')} failing now, ${plural(f.occurrences, 'failed attempt')} in all; first seen ${when(f.firstSeen)}, last seen ${when(f.lastSeen)}`);
    out.log(`  message: ${oneLine(f.sampleMessage, 300)}`);
    const frames = stackHead(f.lastStack, options.stack ? Infinity : 4);
    if (frames.length > 0) out.log(`  stack (latest${options.stack ? '' : ', top frames; --stack for all'}):\n${frames.map((l) => `    ${l.trim()}`).join('\n')}`);
    if (f.partitions.length > 0) out.log(`  partitions: ${f.partitions.join(', ')}${f.partitionCount > f.partitions.length ? ` and ${f.partitionCount - f.partitions.length} more` : ''}`);
    if (f.partitionCount > 0) {
      out.log(
        f.failureClass === 'TRANSIENT'
          ? '  transient: retried automatically with backoff'
          : `  once fixed: weft retry --fingerprint ${f.fingerprint}${options.asset ? ` --asset ${f.assetKey}` : ''}   (weft why ${f.assetKey} ${f.partitions[0] ?? '<partition>'} for one partition)`,
      );
    }
  }
  return 0;
}

/** The error line and the first `frames` frames of a stack trace (every line with Infinity). */
function stackHead(stack: string | null, frames: number): string[] {
  if (!stack) return [];
  const lines = stack.split('\n').filter((l) => l.trim() !== '');
  const out: string[] = [];
  let seen = 0;
  for (const line of lines) {
    const frame = /^\s+at /.test(line);
    if (frame && seen >= frames) continue;
    if (frame) seen++;
    out.push(line);
    if (!frame && out.length > 1 && seen >= frames) break;
  }
  return out;
}
