import type { Reason } from './types.js';

function partitionList(partitions: readonly string[], more: number): string {
  const shown = partitions.length === 0 ? '' : partitions.length <= 3 ? partitions.join(', ') : `${partitions[0]} … ${partitions.at(-1)}`;
  const count = partitions.length + more;
  if (count === 0) return '';
  if (count === 1) return `partition ${shown}`;
  return `${count} partitions (${shown}${more > 0 ? `, and ${more} more` : ''})`;
}

/**
 * One line a person on call can read for a machine-readable reason, e.g. `stale: upstream
 * raw_orders partitions 2024-03-01 … 2024-03-03 changed (input orders)`.
 */
export function describeReason(reason: Reason): string {
  switch (reason.kind) {
    case 'never_materialized':
      return 'missing: never materialized';
    case 'code_changed':
      return `stale: code changed from ${reason.from.slice(0, 12)} to ${reason.to.slice(0, 12)}`;
    case 'upstream_changed':
      return `stale: upstream ${reason.assetKey} ${partitionList(reason.partitions, reason.more)} changed (input ${reason.input})`;
    case 'upstream_not_fresh':
      return `waiting: upstream ${reason.assetKey} ${partitionList(reason.partitions, reason.more)} not fresh yet (input ${reason.input})`;
    case 'upstream_missing':
      return `waiting: upstream ${reason.assetKey} ${partitionList(reason.partitions, reason.more)} missing (input ${reason.input})`;
    case 'upstream_failed':
      return `blocked: upstream ${reason.assetKey} ${partitionList(reason.partitions, reason.more)} failed (input ${reason.input})`;
    case 'upstream_blocked':
      return `blocked: upstream ${reason.assetKey} ${partitionList(reason.partitions, reason.more)} blocked (input ${reason.input})`;
    case 'upstream_check_failed':
      return `blocked: a blocking check failed on upstream ${reason.assetKey} ${partitionList(reason.partitions, reason.more)} (input ${reason.input})`;
    case 'failed':
      return `failed: ${reason.failureClass} failure, fingerprint ${reason.fingerprint}: ${reason.message.split('\n')[0]?.slice(0, 200) ?? ''}${reason.retryAt === null ? '' : `; retry at ${new Date(reason.retryAt).toISOString()}`}`;
    case 'check_failed':
      return `check failed: ${reason.check}: ${reason.message.split('\n')[0]?.slice(0, 200) ?? ''}`;
    case 'running':
      return `running since ${new Date(reason.since).toISOString()} (token ${reason.token.slice(0, 12)})`;
    case 'inputs_changed':
      return 'stale: inputs changed while it ran; it runs again';
  }
}
