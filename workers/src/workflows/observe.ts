import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { WeftActivities } from '../activities/index.js';
import { reconcileWorkflowId } from './ids.js';
import { wakeSignal } from './reconcile.js';

const acts = proxyActivities<WeftActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/** Observes one source through its connector (started by the source's schedule); wakes the loop on news. */
export async function observeSource(input: { location: string; sourceKey: string }): Promise<{ changed: number }> {
  const result = await acts.observeSource({ sourceKey: input.sourceKey });
  if (result.changed > 0) {
    try {
      await getExternalWorkflowHandle(reconcileWorkflowId(input.location)).signal(wakeSignal, 'source_observed');
    } catch {
      // The loop is not running: it finds the observation when it starts.
    }
  }
  return result;
}
