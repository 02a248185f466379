/**
 * What `weft materialize`, `weft backfill` and `weft retry` do once the API has taken their
 * requests: follow them with progress (unless `--no-wait`), say how they ended, which failures
 * they met, and pick the exit code.
 */
import { parseAge, AgeError } from '@weft/core';
import type { Output } from '../database.js';
import { EXIT } from '../exit-codes.js';
import { oneLine, plural } from '../format/text.js';
import { OptionError } from '../options.js';
import type { GraphQLClient } from './client.js';
import { ProgressView, type ProgressMode } from './progress.js';
import { followRequests, type RequestState } from './requests.js';
import { outcomeOf, ownCounts } from './outcome.js';

/** Options shared by the commands that submit requests. */
export interface WaitOptions {
  /** Follow the requests to the end. @default true */
  readonly wait: boolean;
  /** Stop following after this age (`30m`); exit code 4. */
  readonly timeout?: string | undefined;
  readonly json: boolean;
  /** Poll instead of the subscription. */
  readonly poll?: boolean;
  readonly location?: string | undefined;
}

interface FailureGroup {
  readonly assetKey: string;
  readonly fingerprint: string;
  readonly failureClass: string;
  readonly partitionCount: number;
  readonly lastSeen: string;
  readonly sampleMessage: string;
  readonly partitions: string[];
}

/** The progress mode for this output: bars on a terminal, lines otherwise, none for --json. */
export function progressMode(json: boolean, stream: NodeJS.WriteStream = process.stdout): ProgressMode {
  if (json) return 'none';
  return stream.isTTY ? 'bars' : 'lines';
}

function timeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseAge(text, '--timeout');
  } catch (error) {
    throw error instanceof AgeError ? new OptionError(error.message) : error;
  }
}

/** Follows submitted requests as the options say, reports them, and returns the exit code. */
export async function awaitRequests(command: string, client: GraphQLClient, submitted: readonly RequestState[], woken: boolean, options: WaitOptions, out: Output): Promise<number> {
  const limit = timeoutMs(options.timeout);
  if (!options.json) {
    for (const r of submitted) out.log(`weft ${command}: request ${r.id} for ${r.assetKey} (${r.partitionCount === null ? 'every partition' : plural(r.partitionCount, 'partition')}; progress counts them with what they need upstream)`);
    if (!woken) out.log(`weft ${command}: the reconcile loop could not be woken now; it picks the requests up at its next tick`);
  }
  if (!options.wait) {
    if (options.json) out.log(JSON.stringify({ outcome: 'submitted', woken, requests: submitted }));
    return EXIT.ok;
  }
  const view = new ProgressView(progressMode(options.json));
  const labels = new Map<string, number>();
  for (const r of submitted) labels.set(r.assetKey, (labels.get(r.assetKey) ?? 0) + 1);
  for (const r of submitted) view.add(r, (labels.get(r.assetKey) ?? 0) > 1 ? `${r.assetKey} (${r.id})` : r.assetKey);
  const stop = new AbortController();
  let why: 'timeout' | 'interrupted' | undefined;
  const onSignal = (): void => {
    why = 'interrupted';
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  const timer = limit === undefined ? undefined : setTimeout(() => ((why = 'timeout'), stop.abort()), limit);
  let states: RequestState[];
  try {
    states = await followRequests(client, submitted, { location: options.location, signal: stop.signal, onChange: (s) => view.update(s), poll: options.poll ?? false });
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    view.stop();
  }
  if (why) {
    const code = why === 'timeout' ? EXIT.timeout : EXIT.interrupted;
    if (options.json) out.log(JSON.stringify({ outcome: why, woken, requests: states }));
    else out.error(`weft ${command}: ${why === 'timeout' ? `still running after ${options.timeout}` : 'interrupted'}; the requests go on (${states.map((s) => s.id).join(', ')}): follow them again with \`weft requests follow ${states.map((s) => s.id).join(' ')}\`, or in the UI`);
    return code;
  }
  const counts = await Promise.all(states.map((s) => ownCounts(client, s, options.location)));
  const { code, word } = outcomeOf(states, counts);
  const since = Math.min(...states.map((s) => Date.parse(s.createdAt)));
  const failures = word === 'ok' ? [] : await currentFailures(client, options.location, since);
  if (options.json) {
    out.log(JSON.stringify({ outcome: word, woken, requests: states.map((s, i) => ({ ...s, partitions: counts[i] })), failures }));
    return code;
  }
  states.forEach((s, i) => {
    const c = counts[i]!;
    out.log(`weft ${command}: ${s.assetKey}: ${s.status === 'CANCELLED' ? 'cancelled; ' : ''}${c.fresh} of ${plural(c.total, 'partition')} fresh, ${c.failed} failed or blocked (request ${s.id})`);
  });
  for (const f of failures.slice(0, 10)) {
    out.error(`  failed: ${f.assetKey} ${f.partitions.slice(0, 5).join(', ')}${f.partitionCount > 5 ? ` and ${f.partitionCount - 5} more` : ''}: ${oneLine(f.sampleMessage)} (${f.failureClass.toLowerCase()}, fingerprint ${f.fingerprint})`);
  }
  if (failures.length > 0) out.error(`  see \`weft failures\` and \`weft why <asset> <partition>\`; once fixed, \`weft retry --fingerprint <fingerprint>\``);
  if (word === 'cancelled') out.error(`weft ${command}: a request was cancelled before it was done`);
  return code;
}

/** Failures partitions fail with now, those seen during the requests first. */
async function currentFailures(client: GraphQLClient, location: string | undefined, since: number): Promise<FailureGroup[]> {
  const data = await client.request<{ failures: FailureGroup[] }>(
    `query Failures($location: String) { failures(location: $location, onlyCurrent: true) { assetKey fingerprint failureClass partitionCount lastSeen sampleMessage partitions(first: 20) } }`,
    { location: location ?? null },
  );
  // (A little slack for the clocks of two machines.)
  const recent = (f: FailureGroup): number => (Date.parse(f.lastSeen) >= since - 5000 ? 0 : 1);
  return [...data.failures].sort((a, b) => recent(a) - recent(b));
}
