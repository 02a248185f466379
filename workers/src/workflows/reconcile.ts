import { ActivityFailure, allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, defineQuery, defineSignal, isCancellation, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { PlanSummary, WeftActivities } from '../activities/index.js';
import { PLANNER_SUPERSEDED, type WakeReason } from './ids.js';

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

/** A worker shutting down tells the loop its planner queue is going away (so it does not wait for it). */
export const plannerLeavingSignal = defineSignal<[string]>('plannerLeaving');

/** Input of {@link reconcile} (carried across continue-as-new). */
export interface ReconcileInput {
  readonly location: string;
  /** Longest sleep without news, ms. @default 60000 */
  readonly maxSleepMs?: number;
  readonly ticks?: number;
  readonly plannerQueue?: string;
  readonly plannerErrors?: number;
  /** Planner queues whose workers said they are leaving (carried across continue-as-new). */
  readonly leavingQueues?: readonly string[];
}

// Answering with a queue name is instant: a task that a worker took while shutting down and never
// answered is given to another worker after 5 s, not 30.
const shared = proxyActivities<WeftActivities>({ startToCloseTimeout: '5 seconds', retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds' } });
// Planning in the worker that runs the loop's task, when it is the planner: no activity task to
// dispatch and no extra workflow task (a reaction's two slowest hops). Not retried: the loop's own
// error path backs off, as for a remote plan. (A crash mid-plan times the workflow task out, and the
// task's retry plans again, wherever the loop then runs.)
const here = proxyLocalActivities<WeftActivities>({ startToCloseTimeout: '10 minutes', retry: { maximumAttempts: 1 } });
/** Patch id of planning as a local activity (histories from before it plan on the planner's queue only). */
const PLAN_HERE = 'weft-plan-here';

/**
 * The durable reconcile loop of one code location: plan (on the worker that holds the warm
 * planner: a local activity when that worker runs the loop's task, else an activity on its own
 * queue) → the plan starts materializations → wait for a signal or the next timer →
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
  // Carried across continue-as-new: a run that forgot them would plan on a gone worker's queue and
  // wait out the schedule-to-start timeout.
  const leaving = new Set<string>(input.leavingQueues ?? []);
  // The plan in flight: cancelled when its worker says it is leaving.
  let planning: { queue: string; scope: CancellationScope } | undefined;
  setHandler(plannerLeavingSignal, (q) => {
    leaving.add(q);
    if (leaving.size > 64) leaving.delete(leaving.values().next().value as string);
    pending = true;
    if (planning?.queue === q) planning.scope.cancel();
  });
  const continueAsNewIfSuggested = async (): Promise<void> => {
    if (!workflowInfo().continueAsNewSuggested) return;
    await condition(allHandlersFinished);
    await continueAsNew<typeof reconcile>({
      location: input.location,
      maxSleepMs,
      ticks: view.ticks,
      plannerQueue: queue !== undefined && leaving.has(queue) ? undefined : queue,
      plannerErrors: view.plannerErrors,
      leavingQueues: [...leaving],
    });
  };

  // A planner queue that is not the one of the worker running this loop: planned there, not here.
  let elsewhere: string | undefined;
  // A local plan runs inside the workflow task, and signals reach the loop only once that task
  // completes: after a local plan, the loop plans remotely unless it waited in between (which ends
  // the task), so news never waits behind a chain of local plans.
  let plannedHere = false;
  const plan = async (remote: typeof shared, current: string): Promise<PlanSummary> => {
    if (!plannedHere && elsewhere !== current && patched(PLAN_HERE)) {
      const local = await here.planHere({ location: input.location, plannerQueue: current });
      if (!('skipped' in local)) {
        plannedHere = true;
        return local;
      }
      if (local.skipped === 'elsewhere') elsewhere = current;
    }
    plannedHere = false;
    return remote.plan({ location: input.location });
  };

  for (;;) {
    if (queue === undefined || leaving.has(queue)) queue = await shared.plannerQueue();
    // The planner's index is warm in one worker: plan there; if that worker is gone, pick another.
    const current = queue;
    // A planner that dies mid-plan stops heartbeating: after 15 s another worker takes over.
    const planner = proxyActivities<WeftActivities>({ taskQueue: current, scheduleToStartTimeout: '10 seconds', startToCloseTimeout: '10 minutes', heartbeatTimeout: '15 seconds', retry: { maximumAttempts: 1 } });
    const woken = reasons;
    pending = false;
    reasons = [];
    let summary: PlanSummary;
    try {
      const scope = new CancellationScope();
      planning = { queue: current, scope };
      // (A worker that shuts down says so, and the handler cancels this scope: no waiting for its queue.)
      summary = await (leaving.has(current) ? Promise.reject(new Error('planner queue is leaving')) : scope.run(() => plan(planner, current)));
    } catch (error) {
      // A planner of an older deployment hands over to the newer one: ask for a planner again, at once.
      const superseded = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === PLANNER_SUPERSEDED;
      if (!isCancellation(error) && !leaving.has(current) && !superseded) view = { ...view, plannerErrors: view.plannerErrors + 1 };
      view = { ...view, plannerQueue: undefined };
      queue = undefined;
      pending = true;
      if (view.plannerErrors > 0) {
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(7, view.plannerErrors)));
        plannedHere = false;
      }
      // The error path grows the history too: it continues as new like the rest.
      await continueAsNewIfSuggested();
      continue;
    } finally {
      planning = undefined;
    }
    view = { ...view, ticks: view.ticks + 1, plannerQueue: queue, lastPlan: summary, lastWakeReasons: woken, plannerErrors: 0 };
    await continueAsNewIfSuggested();
    if (pending) continue;
    // A wake-up time already past (clocks disagree, or a window closed meanwhile) is honoured once,
    // but an idle loop never spins: it waits at least a moment for news.
    const idle = summary.started === 0 && summary.changed === 0;
    const wakeAt = summary.checkRunningAt === undefined || summary.checkRunningAt === null ? summary.wakeAt : summary.wakeAt === null ? summary.checkRunningAt : Math.min(summary.wakeAt, summary.checkRunningAt);
    const untilWake = Math.max(idle ? Math.min(1000, maxSleepMs) : 0, Math.min(maxSleepMs, wakeAt === null ? maxSleepMs : wakeAt - Date.now()));
    if (untilWake > 0) {
      await condition(() => pending, untilWake);
      plannedHere = false;
    }
  }
}
