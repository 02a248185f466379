import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { Planner, type PlanResult } from '@weft/core';
import { materializeWorkflowId } from '../workflows/ids.js';
import { contextAt, type WeftRuntime } from './runtime.js';

/** What one planning pass did (returned to the reconcile workflow: references, never data). */
export interface PlanSummary {
  readonly cursor: number;
  readonly started: number;
  readonly deferred: number;
  /** When to plan again without news (a window closes, a retry falls due), epoch ms. */
  readonly wakeAt: number | null;
  /** Partitions whose state changed, for the workflow's view. */
  readonly changed: number;
  readonly rebuilt: boolean;
}

const PAGE = 10_000;

/**
 * Keeps the planner of a code location warm in this worker process: built from the store's
 * snapshot on first use (or after a reload), then fed the events since its cursor. It is a cache:
 * any worker can rebuild it from the store.
 */
export class PlannerHost {
  private planner: Planner | undefined;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly runtime: WeftRuntime) {}

  /** Plans once: catches up on events, plans, saves the plan and starts its batches. Serialized. */
  tick(): Promise<PlanSummary> {
    const run = this.busy.then(() => this.tickNow());
    this.busy = run.catch(() => {});
    return run;
  }

  /** Drops the cached planner (the next tick rebuilds it from the store). */
  reset(): void {
    this.planner = undefined;
  }

  private async tickNow(): Promise<PlanSummary> {
    const { runtime } = this;
    const now = runtime.now();
    let rebuilt = false;
    if (!this.planner) {
      const planner = new Planner(runtime.graph, { codeVersions: runtime.codeVersions, limits: runtime.limits, defaultBatchSize: runtime.batchSize });
      const snapshot = await runtime.store.loadSnapshot(runtime.graph, (keys) => contextAt(now, keys));
      planner.load(snapshot, now);
      this.planner = planner;
      rebuilt = true;
    }
    const planner = this.planner;
    for (;;) {
      const events = await runtime.store.eventsSince(planner.cursor, PAGE);
      planner.apply(events, now);
      if (events.length < PAGE) break;
    }
    let result: PlanResult;
    try {
      result = planner.plan(now);
      // Start the batches before saving the plan: a crash in between leaves workflows whose results
      // arrive as events, never partitions marked running that no workflow will ever finish.
      await this.start(result);
      await runtime.store.savePlan(result, runtime.graph, planner.context);
    } catch (error) {
      // The cache may now disagree with the store: rebuild it next time.
      this.planner = undefined;
      throw error;
    }
    if (result.reloadRequired) this.planner = undefined;
    // Requests are durable in the store; their progress is recorded with each plan.
    const progress = planner.requestIds().flatMap((id) => {
      const p = planner.requestProgress(id);
      return p ? [{ id, ...p }] : [];
    });
    await runtime.store.saveRequestProgress(progress);
    for (const p of progress) if ((p.byStatus.running ?? 0) + (p.byStatus.stale ?? 0) + (p.byStatus.missing ?? 0) === 0) planner.forgetRequest(p.id);
    if (process.env['WEFT_DEBUG_TIMING']) process.stderr.write(`[weft] plan at cursor ${result.cursor}: ${result.batches.length} batches\n`);
    const changed = result.changes.reduce((n, c) => n + c.ranges.reduce((m, [a, b]) => m + b - a, 0), 0);
    return { cursor: result.cursor, started: result.batches.reduce((n, b) => n + b.partitions.length, 0), deferred: result.deferred, wakeAt: result.wakeAt, changed, rebuilt };
  }

  /** Starts one materialize workflow per batch (an identical batch already running or done is not started again). */
  private async start(result: PlanResult): Promise<void> {
    const { runtime } = this;
    await Promise.all(
      result.batches.map(async (batch) => {
        for (const p of batch.partitions) runtime.onMaterializationStart?.(batch.assetKey, p.partitionKey, runtime.now());
        const def = runtime.graph.node(batch.assetKey).definition;
        const options = def.kind === 'asset' ? def.options : {};
        try {
          await runtime.client.workflow.start('materialize', {
            taskQueue: runtime.taskQueue,
            workflowId: materializeWorkflowId(runtime.location, batch.id),
            args: [{ location: runtime.location, batch, heartbeatTimeoutMs: runtime.heartbeatTimeoutMs, ...(options.retry ? { retry: options.retry } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }],
            // Identical batches (same tokens) run once; a failed one may run again.
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          });
        } catch (error) {
          // Already succeeded under this id: its tokens are committed and the planner will see them.
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }),
    );
  }
}
