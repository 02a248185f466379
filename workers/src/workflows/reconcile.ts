import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { PlanSummary, WeftActivities } from '../activities/index.js';
import type { WakeReason } from './ids.js';

/** Wakes the reconcile loop: something changed (a materialization finished, a source, a request, a deployment). */
export const wakeSignal = defineSignal<[WakeReason]>('wake');

/** The reconcile loop's current view. */
export interface ReconcileView {
  readonly location: string;
  readonly ticks: number;
  readonly plannerQueue: string | undefined;
  readonly lastPlan: PlanSummary | undefined;
  readonly lastWakeReasons: readonly WakeReason[];
  readonly plannerErrors: number;
}
export const viewQuery = defineQuery<ReconcileView>('view');

/** Input of {@link reconcile} (carried across continue-as-new). */
export interface ReconcileInput {
  readonly location: string;
  /** Longest sleep without news, ms. @default 60000 */
  readonly maxSleepMs?: number;
  readonly ticks?: number;
  readonly plannerQueue?: string;
  readonly plannerErrors?: number;
}

const shared = proxyActivities<WeftActivities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' } });

/**
 * The durable reconcile loop of one code location: plan (an activity on the worker that holds
 * the warm planner) → the plan starts materializations → wait for a signal or the next timer →
 * repeat. It never waits for results, and continues as new when its history grows.
 */
export async function reconcile(input: ReconcileInput): Promise<void> {
  const maxSleepMs = input.maxSleepMs ?? 60_000;
  let pending = true;
  let reasons: WakeReason[] = [];
  let queue = input.plannerQueue;
  let view: ReconcileView = { location: input.location, ticks: input.ticks ?? 0, plannerQueue: queue, lastPlan: undefined, lastWakeReasons: [], plannerErrors: input.plannerErrors ?? 0 };
  setHandler(wakeSignal, (reason) => {
    pending = true;
    if (reasons.length < 16) reasons.push(reason);
  });
  setHandler(viewQuery, () => view);

  for (;;) {
    if (queue === undefined) queue = await shared.plannerQueue();
    // The planner's index is warm in one worker: plan there; if that worker is gone, pick another.
    const planner = proxyActivities<WeftActivities>({ taskQueue: queue, scheduleToStartTimeout: '15 seconds', startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 1 } });
    const woken = reasons;
    pending = false;
    reasons = [];
    let summary: PlanSummary;
    try {
      summary = await planner.plan({ location: input.location });
    } catch {
      view = { ...view, plannerQueue: undefined, plannerErrors: view.plannerErrors + 1 };
      queue = undefined;
      pending = true;
      await sleep(Math.min(30_000, 500 * 2 ** Math.min(6, view.plannerErrors)));
      continue;
    }
    view = { ...view, ticks: view.ticks + 1, plannerQueue: queue, lastPlan: summary, lastWakeReasons: woken, plannerErrors: 0 };
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof reconcile>({ location: input.location, maxSleepMs, ticks: view.ticks, plannerQueue: queue, plannerErrors: 0 });
    }
    if (pending) continue;
    const untilWake = summary.wakeAt === null ? maxSleepMs : Math.max(0, Math.min(maxSleepMs, summary.wakeAt - Date.now()));
    await condition(() => pending, untilWake);
  }
}
