import { proxyActivities } from '@temporalio/workflow';
import type { PruneResult } from '@weft/store';
import type { WeftActivities } from '../activities/index.js';

// A prune is one transaction over the provenance tables: minutes at tens of millions of rows.
const acts = proxyActivities<WeftActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 3, initialInterval: '1 minute' } });

/** Input of {@link applyRetention}: the policy, as plain numbers (ms). */
export interface ApplyRetentionInput {
  readonly location: string;
  readonly eventsOlderThanMs?: number;
  readonly detailOlderThanMs?: number;
  readonly checksOlderThanMs?: number;
}

/** Applies a location's retention policy once (started by its retention schedule). */
export async function applyRetention(input: ApplyRetentionInput): Promise<PruneResult> {
  return acts.applyRetention(input);
}
