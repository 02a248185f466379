import { ActivityFailure, ApplicationFailure, getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { MaterializeBatchInput, MaterializeBatchResult, WeftActivities } from '../activities/index.js';
import { ACTIONABLE_FAILURE, reconcileWorkflowId } from './ids.js';
import { wakeSignal } from './reconcile.js';

/** Input of {@link materialize}: the batch and the asset's retry policy and time limit. */
export interface MaterializeInput extends MaterializeBatchInput {
  readonly retry?: { maximumAttempts?: number; initialIntervalMs?: number; backoffCoefficient?: number; maximumIntervalMs?: number };
  readonly timeoutMs?: number;
  /** How long a silent (crashed) worker keeps the batch before it is retried elsewhere, ms. @default 30000 */
  readonly heartbeatTimeoutMs?: number;
}

async function wakeReconciler(location: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(reconcileWorkflowId(location)).signal(wakeSignal, 'materialized');
  } catch {
    // No reconcile loop running: it will find the results when it starts.
  }
}

/**
 * Materializes one batch of partitions (its workflow id is the hash of the batch's tokens, so
 * identical batches run once). Transient failures are retried with the asset's backoff;
 * actionable ones are recorded and not retried. Either way the reconcile loop is woken.
 */
export async function materialize(input: MaterializeInput): Promise<MaterializeBatchResult> {
  const retry = input.retry ?? {};
  const maximumIntervalMs = retry.maximumIntervalMs ?? 60_000;
  const acts = proxyActivities<WeftActivities>({
    startToCloseTimeout: Math.max(60_000, (input.timeoutMs ?? 3_600_000) * Math.max(1, input.batch.partitions.length) + 60_000),
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000,
    retry: {
      maximumAttempts: retry.maximumAttempts ?? 5,
      initialInterval: retry.initialIntervalMs ?? 1000,
      backoffCoefficient: retry.backoffCoefficient ?? 2,
      maximumInterval: maximumIntervalMs,
      nonRetryableErrorTypes: [ACTIONABLE_FAILURE],
    },
  });
  const bookkeeping = proxyActivities<WeftActivities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '10 seconds' } });
  try {
    const result = await acts.materializeBatch(input);
    await wakeReconciler(input.location);
    return result;
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    const actionable = cause instanceof ApplicationFailure && cause.type === ACTIONABLE_FAILURE;
    if (!actionable) {
      const message = cause instanceof Error ? cause.message : String(cause);
      await bookkeeping.recordBatchFailure({ batch: input.batch, message: `retries exhausted: ${message}`, failureClass: 'transient', retryAfterMs: maximumIntervalMs });
    }
    await wakeReconciler(input.location);
    // A failed workflow may run again under the same id (ALLOW_DUPLICATE_FAILED_ONLY).
    throw ApplicationFailure.nonRetryable(cause instanceof Error ? cause.message : String(cause), actionable ? ACTIONABLE_FAILURE : 'WeftRetriesExhausted');
  }
}
