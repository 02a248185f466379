/** Workflow ids and names shared by workflows, activities and clients (no imports: workflow-safe). */

/** The reconcile loop of a code location. */
export function reconcileWorkflowId(location: string): string {
  return `weft/reconcile/${location}`;
}

/** The materialize workflow of a batch (its id is the hash of the batch's sorted tokens). */
export function materializeWorkflowId(location: string, batchId: string): string {
  return `weft/materialize/${location}/${batchId}`;
}

/** The task queue of one deployment of a location (its batches run there). */
export function deploymentQueue(taskQueue: string, deploymentId: string): string {
  return `${taskQueue}/deployment/${deploymentId}`;
}

/** The source observation workflow of a source. */
export function observeWorkflowId(location: string, sourceKey: string): string {
  return `weft/observe/${location}/${sourceKey}`;
}

/** The schedule observing a source periodically. */
export function observeScheduleId(location: string, sourceKey: string): string {
  return `weft-observe-${location}-${sourceKey.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The schedule applying a location's retention policy. */
export function retentionScheduleId(location: string): string {
  return `weft-retention-${location}`;
}

/** The workflow a retention schedule starts (one at a time: overlaps are skipped). */
export function retentionWorkflowId(location: string): string {
  return `weft/retention/${location}`;
}

/** Why the reconciler was woken up. */
export type WakeReason = 'materialized' | 'source_observed' | 'deployed' | 'request' | 'started';

/** ApplicationFailure type of a batch that failed for good (user code threw, bad data): not retried. */
export const ACTIONABLE_FAILURE = 'WeftActionableFailure';
/** ApplicationFailure type of a plan refused because a newer deployment of the location has workers (it plans). */
export const PLANNER_SUPERSEDED = 'WeftPlannerSuperseded';
/** ApplicationFailure type of a transient failure (retried with backoff). */
export const TRANSIENT_FAILURE = 'WeftTransientFailure';
