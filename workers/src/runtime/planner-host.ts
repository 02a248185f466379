import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { Planner, type PlanResult } from '@weft/core';
import { materializeWorkflowId, PLANNER_SUPERSEDED } from '../workflows/ids.js';
import { queueAlive, supersededBy } from './deployments.js';
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
  /** When to look again at batches that may have ended without an outcome (wall clock, epoch ms). */
  readonly checkRunningAt?: number | null;
  /** Partitions given back because their batch's workflow had ended without an outcome for them. */
  readonly orphansReleased?: number;
}

const PAGE = 10_000;
/** How often a planner of an older deployment looks for workers of the newer one, ms. */
const HAND_OVER_CHECK_MS = 2000;
/**
 * A plan that changes nothing, at the cursor saved last, is not saved again (no statement, no
 * commit) unless the last save is this old: the cursor's `updated_at` says the planner is alive.
 */
const IDLE_SAVE_MS = 30_000;

/**
 * Keeps the planner of a code location warm in this worker process: built from the store's
 * snapshot on first use (or after a reload), then fed the events since its cursor. It is a cache:
 * any worker can rebuild it from the store.
 */
export class PlannerHost {
  private planner: Planner | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  /** Per running batch: when this process first saw it and last asked Temporal about it (wall ms). */
  private readonly watched = new Map<string, { seen: number; checked: number }>();
  /** The location's deployment announced last, as the log says (undefined: not read yet). */
  private announced: string | undefined;
  private handOverCheckedAt = 0;
  /** The cursor this planner saved last, and when (wall ms). */
  private saved: { cursor: number; at: number } | undefined;

  constructor(private readonly runtime: WeftRuntime) {}

  /** Plans once: catches up on events, plans, saves the plan and starts its batches. Serialized. */
  tick(): Promise<PlanSummary> {
    const run = this.busy.then(() => this.tickNow());
    this.busy = run.catch(() => {});
    return run;
  }

  /** Whether the planner is built (a tick only catches up and plans; no snapshot to read). */
  get warm(): boolean {
    return this.planner !== undefined;
  }

  /** Drops the cached planner (the next tick rebuilds it from the store). */
  reset(): void {
    this.planner = undefined;
  }

  private async tickNow(): Promise<PlanSummary> {
    const { runtime } = this;
    const now = runtime.now();
    const began = performance.now();
    const phases: Array<[string, number]> = [];
    const lap = (name: string): void => {
      phases.push([name, performance.now()]);
    };
    let rebuilt = false;
    if (!this.planner) {
      const planner = new Planner(runtime.graph, { codeVersions: runtime.codeVersions, limits: runtime.limits, defaultBatchSize: runtime.batchSize });
      const snapshot = await runtime.store.loadSnapshot(runtime.graph, (keys) => contextAt(now, keys));
      planner.load(snapshot, now);
      this.planner = planner;
      this.saved = undefined;
      rebuilt = true;
    }
    const planner = this.planner;
    lap('snapshot');
    await this.catchUp(planner, now);
    lap('catch-up');
    if (rebuilt) this.announced = await runtime.store.latestDeployment();
    if (this.announced !== undefined && this.announced !== runtime.deploymentId && Date.now() - this.handOverCheckedAt >= HAND_OVER_CHECK_MS) {
      // Another deployment was announced after this one: hand planning to it once a worker of it runs.
      this.handOverCheckedAt = Date.now();
      const newer = await supersededBy(runtime);
      if (newer !== undefined) {
        this.planner = undefined;
        throw ApplicationFailure.nonRetryable(`deployment ${newer} of location ${runtime.location} has workers: it plans now, not ${runtime.deploymentId}`, PLANNER_SUPERSEDED);
      }
    }
    const orphansReleased = await this.releaseOrphans(planner, now);
    lap('orphans');
    let result: PlanResult;
    try {
      result = planner.plan(now);
      lap('plan');
      // Save the plan before starting its batches: the running markers (token, batch, the plan that
      // wants it) are in the store before any attempt can commit, so no outcome ever precedes its
      // marker. A crash in between leaves markers without a workflow: `releaseOrphans` gives them back.
      // With each changed partition, why it is not fresh (the API, the UI and `weft why` read them).
      const idle = result.changes.length === 0 && result.batches.length === 0 && result.cursor === this.saved?.cursor && Date.now() - this.saved.at < IDLE_SAVE_MS;
      if (!idle) {
        await runtime.store.savePlan(result, runtime.graph, planner.context, (assetKey, partitionKey) => planner.state(assetKey, partitionKey).reasons);
        this.saved = { cursor: result.cursor, at: Date.now() };
      }
      lap('save');
      await this.start(result);
      lap('start');
    } catch (error) {
      // The cache may now disagree with the store: rebuild it next time.
      this.planner = undefined;
      throw error;
    }
    if (result.reloadRequired) this.planner = undefined;
    // Requests are durable in the store; their progress is recorded with each plan (not by a planner
    // indexed the old way: its replacement records it next).
    if (!planner.needsRebuild) {
      const progress = planner.requestIds().flatMap((id) => {
        const p = planner.requestProgress(id);
        return p ? [{ id, ...p }] : [];
      });
      await runtime.store.saveRequestProgress(progress);
      for (const p of progress) if ((p.byStatus.running ?? 0) + (p.byStatus.stale ?? 0) + (p.byStatus.missing ?? 0) === 0) planner.forgetRequest(p.id);
    }
    if (process.env['WEFT_DEBUG_TIMING']) {
      lap('progress');
      const laps = phases.map(([name, at], k) => `${name} ${(at - (phases[k - 1]?.[1] ?? began)).toFixed(1)}`).join(', ');
      process.stderr.write(`[weft] plan at cursor ${result.cursor}: ${result.batches.length} batches (ms: ${laps}; started at ${Date.now() - Math.round(performance.now() - began)})\n`);
    }
    const changed = result.changes.reduce((n, c) => n + c.ranges.reduce((m, [a, b]) => m + b - a, 0), 0);
    const oldest = Math.min(...[...this.watched.values()].map((w) => Math.max(w.seen, w.checked)));
    return {
      cursor: result.cursor,
      started: result.batches.reduce((n, b) => n + b.partitions.length, 0),
      deferred: result.deferred,
      wakeAt: result.wakeAt,
      changed,
      rebuilt,
      checkRunningAt: Number.isFinite(oldest) ? oldest + runtime.orphanCheckMs : null,
      orphansReleased,
    };
  }

  /** Applies every event after the planner's cursor. */
  private async catchUp(planner: Planner, now: number): Promise<void> {
    for (;;) {
      const events = await this.runtime.store.eventsSince(planner.cursor, PAGE);
      for (const e of events) if (e.kind === 'definitions.deployed') this.announced = e.deploymentId;
      planner.apply(events, now);
      // (A planner that must be rebuilt reads no further: its replacement replays from its cursor.)
      if (events.length < PAGE || planner.needsRebuild) break;
    }
  }

  /**
   * Run monitoring: every batch running for a while is looked up in Temporal (each at most once per
   * `orphanCheckMs`). A batch whose workflow has closed, or does not exist (a crash between saving a
   * plan and starting it, a terminated workflow, a history Temporal no longer keeps), has recorded
   * every outcome it will: partitions it leaves running are given back to the planner (an event in
   * the log, the marker cleared), so nothing sticks as `running` or holds a concurrency slot.
   */
  private async releaseOrphans(planner: Planner, now: number): Promise<number> {
    const { runtime } = this;
    const wall = Date.now();
    const byBatch = new Map<string, ReturnType<Planner['runningPartitions']>>();
    for (const p of planner.runningPartitions()) {
      const key = p.batchId ?? '';
      const list = byBatch.get(key) ?? [];
      list.push(p);
      byBatch.set(key, list);
    }
    for (const id of this.watched.keys()) if (!byBatch.has(id)) this.watched.delete(id);
    const ended: string[] = [];
    for (const id of byBatch.keys()) {
      const w = this.watched.get(id) ?? { seen: wall, checked: 0 };
      this.watched.set(id, w);
      if (wall - Math.max(w.seen, w.checked) < runtime.orphanCheckMs) continue;
      w.checked = wall;
      // (A marker from before batches were recorded names no workflow: nothing to wait for.)
      if (id !== '' && (await this.workflowRuns(id)) !== false) continue;
      ended.push(id);
    }
    if (ended.length === 0) return 0;
    // A batch records its outcomes before its workflow closes: read them first, then give back what still runs.
    await this.catchUp(planner, now);
    const still = new Set(planner.runningPartitions().map((p) => `${p.batchId ?? ''}\u0000${p.assetKey}\u0000${p.partitionKey}\u0000${p.token}`));
    const orphans = ended.flatMap((id) => (byBatch.get(id) ?? []).filter((p) => still.has(`${id}\u0000${p.assetKey}\u0000${p.partitionKey}\u0000${p.token}`)));
    if (orphans.length === 0) return 0;
    await runtime.store.releasePartitions(
      orphans.map(({ assetKey, partitionKey, token }) => ({ assetKey, partitionKey, token })),
      'its batch ended without an outcome for it (the workflow is closed or gone)',
    );
    await this.catchUp(planner, now);
    return orphans.length;
  }

  /**
   * Whether a batch's workflow still runs: true, false (closed or unknown to Temporal, or given up
   * because the deployment that planned it has no workers left), or undefined (Temporal did not answer).
   */
  private async workflowRuns(batchId: string): Promise<boolean | undefined> {
    const handle = this.runtime.client.workflow.getHandle(materializeWorkflowId(this.runtime.location, batchId));
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return false;
      // Planned by another deployment: it waits for that deployment's workers. None left: give it up.
      if (description.taskQueue === this.runtime.batchQueue || description.taskQueue === this.runtime.taskQueue) return true;
      if (await queueAlive(this.runtime, description.taskQueue, this.runtime.deploymentGoneMs)) return true;
      await handle.terminate(`the deployment that planned this batch has had no worker on ${description.taskQueue} for ${this.runtime.deploymentGoneMs} ms: its partitions are planned again`);
      return false;
    } catch (error) {
      return error instanceof WorkflowNotFoundError ? false : undefined;
    }
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
          await (runtime.batchStarter ?? runtime.client).workflow.start('materialize', {
            taskQueue: runtime.batchQueue,
            workflowId: materializeWorkflowId(runtime.location, batch.id),
            args: [{ location: runtime.location, batch, heartbeatTimeoutMs: runtime.heartbeatTimeoutMs, ...(options.retry ? { retry: options.retry } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }],
            // Identical batches running at once run once. One that closed may run again: the planner
            // wants its tokens again (a rollback, a source restored), and the run makes the committed
            // ones current; the store's one success per token stays the final word.
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            ...(runtime.batchStarter ? { requestEagerStart: true } : {}),
          });
        } catch (error) {
          // (Not expected with these policies; a batch that truly cannot start is given back by `releaseOrphans`.)
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }),
    );
  }
}
