/**
 * `weft why <asset> <partition>`: where a partition stands and, when it is not fresh, the
 * planner's reasons in words with what to do about each.
 */
import type { Output } from '../database.js';
import { short, when } from '../format/text.js';
import { ERROR_FIELDS, unwrap, type UnionResult } from '../remote/api-error.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** Options of `weft why`. */
export interface WhyOptions extends RemoteOptions {
  readonly json: boolean;
}

/** A reason as the API gives it (`Reason`). */
export interface Reason {
  readonly kind: string;
  readonly description: string;
  readonly assetKey: string | null;
  readonly input: string | null;
  readonly partitions: string[] | null;
  readonly more: number | null;
  readonly fromCodeVersion: string | null;
  readonly toCodeVersion: string | null;
  readonly fingerprint: string | null;
  readonly failureClass: string | null;
  readonly check: string | null;
  readonly message: string | null;
}

interface Partition extends UnionResult {
  readonly status: string;
  readonly reasons: Reason[];
  readonly failure: { failureClass: string; fingerprint: string; message: string; retryAt: string | null } | null;
  readonly checkFailure: { check: string; message: string } | null;
  readonly running: { token: string; since: string | null } | null;
  readonly current: { id: string; codeVersion: string; dataVersion: string; finishedAt: string } | null;
}

const QUERY = `query Why($asset: String!, $partition: String!, $location: String) {
  partition(assetKey: $asset, partitionKey: $partition, location: $location) {
    ${ERROR_FIELDS}
    ... on Partition {
      status
      reasons { kind description assetKey input partitions more fromCodeVersion toCodeVersion fingerprint failureClass check message }
      failure { failureClass fingerprint message retryAt }
      checkFailure { check message }
      running { token since }
      current { id codeVersion dataVersion finishedAt }
    }
  }
}`;

/** What to say of a status that came without reasons. */
const NO_REASON_HINTS: Readonly<Record<string, string>> = {
  BLOCKED: 'an upstream partition it needs failed or is blocked: `weft failures` lists what fails now; fix and retry that, and this one follows',
  STALE: 'the reconcile loop recomputes it (nothing to do)',
  MISSING: 'the reconcile loop makes it once its inputs are fresh',
  RUNNING: 'it is being materialized now',
};

/** What to do about a reason, in words (empty when nothing needs doing). */
export function adviceFor(reason: Reason, asset: string, partition: string, retryAt: string | null): string {
  const upstream = reason.assetKey && reason.partitions?.[0] !== undefined ? `\`weft why ${reason.assetKey} ${reason.partitions[0]}\`` : 'its upstream';
  switch (reason.kind) {
    case 'NEVER_MATERIALIZED':
      return `the reconcile loop makes it once its inputs are fresh; to have it first: \`weft materialize ${asset} --partitions ${partition || "''"}\``;
    case 'CODE_CHANGED':
    case 'UPSTREAM_CHANGED':
    case 'INPUTS_CHANGED':
      return 'the reconcile loop recomputes it (nothing to do)';
    case 'UPSTREAM_NOT_FRESH':
      return `it is recomputed after its upstream; see ${upstream}`;
    case 'UPSTREAM_MISSING':
      return 'the upstream partitions do not exist yet (a source not observed yet, or a window not closed): it runs once they do';
    case 'UPSTREAM_FAILED':
    case 'UPSTREAM_BLOCKED':
    case 'UPSTREAM_CHECK_FAILED':
      return `fix the upstream first: ${upstream}`;
    case 'FAILED':
      return reason.failureClass === 'TRANSIENT'
        ? `a transient failure: retried automatically${retryAt ? ` at ${when(retryAt)}` : ''}`
        : `fix the cause (its code or its data), then \`weft retry --asset ${asset} --partition ${partition}\`${reason.fingerprint ? ` (or \`weft retry --fingerprint ${reason.fingerprint}\` for every partition it fails)` : ''}`;
    case 'CHECK_FAILED':
      return `a blocking check failed on its data: fix the data (or the check); what reads it waits`;
    case 'RUNNING':
      return 'it is being materialized now';
    default:
      return '';
  }
}

/** `weft why`. */
export async function runWhy(asset: string, partition: string, options: WhyOptions, out: Output): Promise<number> {
  const client = connect(options);
  const data = await client.request<{ partition: UnionResult }>(QUERY, { asset, partition, location: options.location ?? null });
  const p = unwrap<Partition>(data.partition, 'Partition');
  if (options.json) {
    const { __typename: _t, ...rest } = p;
    out.log(JSON.stringify({ assetKey: asset, partitionKey: partition, ...rest, fresh: p.status === 'FRESH' }));
    return 0;
  }
  const name = `${asset} ${partition || '(unpartitioned)'}`;
  const status = p.status.toLowerCase().replace('_', ' ');
  if (p.status === 'FRESH') {
    out.log(`${name} is fresh: made from its inputs as they are now, with the current code`);
    if (p.current) out.log(`  data ${short(p.current.dataVersion)}, code ${short(p.current.codeVersion)}, made ${when(p.current.finishedAt)} (\`weft lineage ${asset} ${partition}\` shows from what)`);
    return 0;
  }
  out.log(`${name} is ${status}${p.reasons.length ? ', because:' : ''}`);
  for (const r of p.reasons) {
    out.log(`  - ${r.description}`);
    if (r.kind === 'FAILED' && p.failure?.message && !r.description.includes(p.failure.message.split('\n')[0]!)) out.log(`      ${p.failure.message.split('\n')[0]}`);
    const advice = adviceFor(r, asset, partition, p.failure?.retryAt ?? null);
    if (advice) out.log(`    what to do: ${advice}`);
  }
  if (p.reasons.length === 0) {
    out.log('  (the planner recorded no reason with it)');
    const hint = NO_REASON_HINTS[p.status];
    if (hint) out.log(`    what to do: ${hint}`);
  }
  if (p.current) out.log(`  its current value: data ${short(p.current.dataVersion)}, code ${short(p.current.codeVersion)}, made ${when(p.current.finishedAt)}`);
  else out.log('  it has no value yet');
  return 0;
}
