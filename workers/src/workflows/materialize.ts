import { ActivityFailure, ApplicationFailure, CancellationScope, getExternalWorkflowHandle, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { MaterializeBatchInput, MaterializeBatchResult, WeftActivities } from '../activities/index.js';
import { ACTIONABLE_FAILURE, reconcileWorkflowId } from './ids.js';
import { wakeSignal } from './reconcile.js';

/** Input of {@link materialize}: the batch and the asset's retry policy and time limit. */
export interface MaterializeInput extends MaterializeBatchInput {
  readonly retry?: { maximumAttempts?: number; initialIntervalMs?: number; backoffCoefficient?: number; maximumIntervalMs?: number };
  /** Time limit of one partition (the activity's is this times the batch's size, plus a minute). @default 3600000 */
  readonly timeoutMs?: number;
  /** How long a silent (crashed) worker keeps the batch before it is retried elsewhere, ms. @default 30000 */
  readonly heartbeatTimeoutMs?: number;
}

// Bookkeeping is the store's: it retries until the store answers (a bad value is refused at once and
// named, never retried into a loop: the activity checks before it writes).
const bookkeeping = proxyActivities<WeftActivities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '10 seconds' } });

/** Wakes the location's reconcile loop; one that is not running (terminated, failed) is started again. */
async function wakeReconciler(location: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(reconcileWorkflowId(location)).signal(wakeSignal, 'materialized');
  } catch {
    await bookkeeping.wakeReconciler({ location, reason: 'materialized' });
  }
}

/**
 * Materializes one batch of partitions (its workflow id is the hash of the batch's tokens, so
 * identical batches running at once run once). Every partition of the batch ends with an outcome
 * in the store: the activity records each one; a transient failure of the activity is retried with
 * the asset's backoff, and when the retries run out (or the batch is cancelled) what is left is
 * settled here. Either way the reconcile loop is woken, and restarted if it is gone.
 */
export async function materialize(input: MaterializeInput): Promise<MaterializeBatchResult> {
  const retry = input.retry ?? {};
  const maximumIntervalMs = retry.maximumIntervalMs ?? 60_000;
  const maximumAttempts = retry.maximumAttempts ?? 5;
  const acts = proxyActivities<WeftActivities>({
    startToCloseTimeout: Math.max(60_000, (input.timeoutMs ?? 3_600_000) * Math.max(1, input.batch.partitions.length) + 60_000),
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 30_000,
    retry: {
      maximumAttempts,
      initialInterval: retry.initialIntervalMs ?? 1000,
      backoffCoefficient: retry.backoffCoefficient ?? 2,
      maximumInterval: maximumIntervalMs,
      nonRetryableErrorTypes: [ACTIONABLE_FAILURE],
    },
  });
  try {
    return await acts.materializeBatch(input);
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => bookkeeping.settleBatch({ batch: input.batch, release: 'batch cancelled' }));
      throw error;
    }
    const cause = error instanceof ActivityFailure ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    const actionable = cause instanceof ApplicationFailure && cause.type === ACTIONABLE_FAILURE;
    // The activity recorded an outcome for what it got to; the rest fails here: transient (the
    // planner tries again after the longest backoff) or, when the batch itself is at fault, actionable.
    await bookkeeping.settleBatch({
      batch: input.batch,
      failure: actionable
        ? { message, failureClass: 'actionable', retryAfterMs: null, attempts: 1 }
        : { message: `retries exhausted: ${message}`, failureClass: 'transient', retryAfterMs: maximumIntervalMs, attempts: maximumAttempts },
    });
    // A failed workflow may run again under the same id.
    throw ApplicationFailure.nonRetryable(message, actionable ? ACTIONABLE_FAILURE : 'WeftRetriesExhausted');
  } finally {
    await CancellationScope.nonCancellable(() => wakeReconciler(input.location));
  }
}
