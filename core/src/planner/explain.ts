import type { PartitionKey } from '../partitions/types.js';
import { RangeSet } from '../partitions/sets/range-set.js';
import type { AssetIndex } from './asset-index.js';
import { UPSTREAM, upstreamState, type EvaluationEnv } from './evaluate.js';
import { S, publicStatus } from './status-codes.js';
import type { PartitionStatus, Reason } from './types.js';

const LISTED = 10;

function keysOf(up: AssetIndex, indices: number[], env: EvaluationEnv): { partitions: PartitionKey[]; more: number } {
  return { partitions: indices.slice(0, LISTED).map((u) => up.definition.keyAt(u, env.ctx)), more: Math.max(0, indices.length - LISTED) };
}

/**
 * Why partition `i` is in its status: machine-readable reasons naming the inputs and upstream
 * partitions involved. Computed on demand (the planner keeps only one status byte per partition).
 */
export function explainPartition(index: AssetIndex, i: number, env: EvaluationEnv): { status: PartitionStatus; reasons: Reason[] } {
  const materialized = index.materialized[i] === 1;
  const status = publicStatus(index.status[i] as number, materialized);
  const reasons: Reason[] = [];
  const running = index.running.get(i);
  if (running) reasons.push({ kind: 'running', token: running.token, since: running.since });
  if (index.isSource) return { status, reasons: materialized ? reasons : [{ kind: 'never_materialized' }] };
  if (!materialized) reasons.push({ kind: 'never_materialized' });
  else {
    const made = index.codeVersions[index.codeVersionId[i] as number] ?? 'unknown';
    if (made !== index.currentCodeVersion) reasons.push({ kind: 'code_changed', from: made, to: index.currentCodeVersion });
  }
  const verifiedSeq = index.verifiedSeq[i] as number;
  const single = RangeSet.range(i, i + 1);
  for (const input of index.node.inputs) {
    const up = env.index(input.upstreamKey);
    const r = input.mapping.upstreamFor(single, env.mappingContext(input, index));
    const missing = [...r.missing.values()].slice(0, LISTED + 1);
    if (missing.length > 0 || r.missingKeys.length > 0) {
      const listed = [
        ...r.missingKeys,
        ...missing.map((u) => (up.definition.kind === 'time' ? up.definition.formatKey(u) : String(u))),
      ];
      reasons.push({ kind: 'upstream_missing', assetKey: up.node.key, input: input.name, partitions: listed.slice(0, LISTED), more: Math.max(0, r.missing.size + r.missingKeys.length - LISTED) });
    }
    const failed: number[] = [];
    const blocked: number[] = [];
    const checkFailed: number[] = [];
    const notFresh: number[] = [];
    const unobserved: number[] = [];
    const changed: number[] = [];
    for (const u of r.existing.values()) {
      const state = upstreamState(up, u, input);
      if (state === UPSTREAM.BLOCKED) {
        if (up.checkFailures.has(u)) checkFailed.push(u);
        else if (up.isSource) unobserved.push(u);
        else if (up.failures.has(u) && up.status[u] === S.FAILED) failed.push(u);
        else blocked.push(u);
      } else if (state === UPSTREAM.WAITING) notFresh.push(u);
      else if (materialized && (up.changedSeq[u] as number) > verifiedSeq) changed.push(u);
    }
    const base = { assetKey: up.node.key, input: input.name };
    if (unobserved.length) reasons.push({ kind: 'upstream_missing', ...base, ...keysOf(up, unobserved, env) });
    if (failed.length) reasons.push({ kind: 'upstream_failed', ...base, ...keysOf(up, failed, env) });
    if (blocked.length) reasons.push({ kind: 'upstream_blocked', ...base, ...keysOf(up, blocked, env) });
    if (checkFailed.length) reasons.push({ kind: 'upstream_check_failed', ...base, ...keysOf(up, checkFailed, env) });
    if (notFresh.length) reasons.push({ kind: 'upstream_not_fresh', ...base, ...keysOf(up, notFresh, env) });
    if (changed.length) reasons.push({ kind: 'upstream_changed', ...base, ...keysOf(up, changed, env) });
  }
  const failure = index.failures.get(i);
  if (failure && status === 'failed') reasons.push({ kind: 'failed', fingerprint: failure.fingerprint, failureClass: failure.failureClass, message: failure.message, retryAt: failure.retryAt });
  const check = index.checkFailures.get(i);
  if (check) reasons.push({ kind: 'check_failed', check: check.check, message: check.message });
  if (status === 'stale' && reasons.length === 0) reasons.push({ kind: 'inputs_changed' });
  return { status, reasons };
}
