import { Context } from '@temporalio/activity';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { callUserCode, discoveredDynamicKeys, sourceDataVersion, textOrderedAssets, type PlannedBatch } from '@weft/core';
import { type PruneResult } from '@weft/store';
import type { ApplyRetentionInput } from '../workflows/retention.js';
import { PlannerHost, type PlanSummary } from '../runtime/planner-host.js';
import { contextAt, type WeftRuntime } from '../runtime/runtime.js';
import { PLANNER_SUPERSEDED, reconcileWorkflowId, type WakeReason } from '../workflows/ids.js';
import { supersededBy } from '../runtime/deployments.js';
import { batchProgress, executionIds, materializeBatch, restoresOf, type MaterializeBatchInput, type MaterializeBatchResult } from './materialize-batch.js';

/** The activities the workflows call (reached from workflow code through `proxyActivities`). */
export interface WeftActivities {
  /** The task queue of the worker process holding the warm planner (called on the shared queue). */
  plannerQueue(): Promise<string>;
  /** One planning pass (called on a worker's own queue). */
  plan(input: { location: string }): Promise<PlanSummary>;
  /**
   * One planning pass as a local activity of the reconcile loop, when the worker running the loop's
   * task is the planner (`plannerQueue` is its own queue) and its planner is warm; otherwise it
   * says why not (`elsewhere`, `cold`) and the loop plans on the planner's queue.
   */
  planHere(input: { location: string; plannerQueue: string }): Promise<PlanSummary | { skipped: 'elsewhere' | 'cold' }>;
  materializeBatch(input: MaterializeBatchInput): Promise<MaterializeBatchResult>;
  /**
   * Settles a batch that ended without recording every partition (its retries ran out, or it was
   * cancelled): each partition of it without an outcome in this run gets one: a committed token is
   * made current again, the rest fail (`failure`: transient, retried by the planner after
   * `retryAfterMs`) or go back to the planner (`release`).
   */
  settleBatch(input: SettleBatchInput): Promise<{ failed: number; restored: number; released: number }>;
  /** @deprecated Histories from before `settleBatch`: the same, as a transient failure. */
  recordBatchFailure(input: { batch: PlannedBatch; message: string; failureClass: 'transient' | 'actionable'; retryAfterMs: number | null; attempts?: number }): Promise<void>;
  /** Signals the location's reconcile loop, starting it if it is not running (terminated, or never started). */
  wakeReconciler(input: { location: string; reason: WakeReason }): Promise<void>;
  /** Asks a source's connector what exists; returns how many partitions changed. */
  observeSource(input: { sourceKey: string }): Promise<{ changed: number }>;
  /** Applies a retention policy to the store (one transaction) and writes it to the audit log. */
  applyRetention(input: ApplyRetentionInput): Promise<PruneResult>;
}

/** Input of {@link WeftActivities.settleBatch}. */
export interface SettleBatchInput {
  readonly batch: PlannedBatch;
  /** Record the partitions left as failed (transient after `retryAfterMs`, or actionable); else release them. */
  readonly failure?: { readonly message: string; readonly failureClass: 'transient' | 'actionable'; readonly retryAfterMs: number | null; readonly attempts: number };
  /** Why they go back to the planner (without `failure`). */
  readonly release?: string;
}

/** Runs `fn`, heartbeating every `ms` while it runs (outside an activity, as in tests, it just runs). */
async function withHeartbeat<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => {
    try {
      Context.current().heartbeat();
    } catch {
      // not in an activity (tests)
    }
  }, ms);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}

/** Binds the activities to a worker's runtime. */
export function createActivities(runtime: WeftRuntime, host = new PlannerHost(runtime)): WeftActivities {
  return {
    async plannerQueue() {
      // A worker of an older deployment does not offer its planner while a newer one runs: the
      // retry (the reconcile loop's, on the shared queue) lands on another worker.
      const newer = await supersededBy(runtime);
      if (newer !== undefined) throw ApplicationFailure.retryable(`deployment ${newer} plans location ${runtime.location}, not ${runtime.deploymentId}`, PLANNER_SUPERSEDED);
      return runtime.workerQueue;
    },
    // Heartbeat while planning (a first plan over a million partitions takes seconds).
    plan: () => withHeartbeat(2000, () => host.tick()),
    // (A local activity cannot heartbeat: a cold planner, which may read millions of rows, plans remotely.)
    planHere: async ({ plannerQueue }) => (plannerQueue !== runtime.workerQueue ? { skipped: 'elsewhere' } : host.warm ? host.tick() : { skipped: 'cold' }),
    materializeBatch: (input) => materializeBatch(runtime, input),
    settleBatch: (input) => settleBatch(runtime, input),
    async recordBatchFailure({ batch, message, failureClass, retryAfterMs, attempts }) {
      await settleBatch(runtime, { batch, failure: { message, failureClass, retryAfterMs, attempts: attempts ?? 1 } });
    },
    async wakeReconciler({ location, reason }) {
      await runtime.client.workflow.signalWithStart('reconcile', {
        taskQueue: runtime.taskQueue,
        workflowId: reconcileWorkflowId(location),
        args: [{ location }],
        signal: 'wake',
        signalArgs: [reason],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
    },
    async applyRetention({ location, eventsOlderThanMs, detailOlderThanMs, checksOlderThanMs }) {
      const policy = {
        ...(eventsOlderThanMs === undefined ? {} : { eventsOlderThanMs }),
        ...(detailOlderThanMs === undefined ? {} : { detailOlderThanMs }),
        ...(checksOlderThanMs === undefined ? {} : { checksOlderThanMs }),
      };
      return withHeartbeat(10_000, async () => {
        const started = Date.now();
        // The location's definitions say which assets' ranges can be kept exactly.
        const result = await runtime.store.prune(policy, runtime.now(), { orderedAssets: textOrderedAssets(runtime.graph) });
        await runtime.store.audit(`weft/retention/${location}`, 'retention.prune', null, { policy, result, ms: Date.now() - started });
        return result;
      });
    },
    async observeSource({ sourceKey }) {
      const def = runtime.graph.node(sourceKey).definition;
      if (def.kind !== 'source' || !def.observe) return { changed: 0 };
      const connector = def.observe;
      const observed = await callUserCode(`observing source ${sourceKey}`, { assetKey: sourceKey }, () => connector.observe({ sourceKey, signal: new AbortController().signal }));
      // Keys of a dynamic source (or a dynamic dimension) the connector found first join their key
      // sets, so what exists becomes partitions; then the observation is recorded in the new context.
      let ctx = contextAt(runtime.now(), await runtime.store.dynamicKeys());
      const discovered = discoveredDynamicKeys(def.partitions, observed.map((o) => o.partitionKey), ctx);
      if (discovered.size > 0) {
        for (const [name, keys] of discovered) await runtime.store.addDynamicKeys(name, keys);
        ctx = contextAt(runtime.now(), await runtime.store.dynamicKeys());
      }
      const known = observed.filter((o) => def.partitions.checkKey(o.partitionKey) === undefined && def.partitions.indexOf(o.partitionKey, ctx) !== undefined);
      // A partition reported without any version cannot be compared: it is left out.
      const versioned = known.map((o) => ({ partitionKey: o.partitionKey, dataVersion: sourceDataVersion(o.version), reported: o.version })).filter((o) => /^[0-9a-f]{64}$/.test(o.dataVersion));
      const events = await runtime.store.recordSourceObservations(sourceKey, versioned);
      return { changed: events.reduce((n, e) => n + (e.kind === 'source.observed' ? e.partitions.length : 0), 0) };
    },
  };
}

/** See {@link WeftActivities.settleBatch}. */
async function settleBatch(runtime: WeftRuntime, { batch, failure, release }: SettleBatchInput): Promise<{ failed: number; restored: number; released: number }> {
  const { committed, todo } = await batchProgress(runtime, batch);
  const now = runtime.now();
  const { workflowId, runId } = executionIds();
  const result = await runtime.store.recordOutcome({
    restore: restoresOf(batch, committed),
    ...(failure
      ? {
          failures: todo.map((p) => ({
            token: p.token,
            assetKey: batch.assetKey,
            partitionKey: p.partitionKey,
            attempt: Math.max(1, failure.attempts),
            failureClass: failure.failureClass,
            fingerprint: failure.failureClass === 'transient' ? 'transient-retries-exhausted' : 'batch-failed',
            message: failure.message,
            retryAt: failure.retryAfterMs === null ? null : now + failure.retryAfterMs,
            finishedAt: now,
            worker: runtime.workerName,
            workflowId,
            runId,
          })),
        }
      : { release: { partitions: todo.map((p) => ({ assetKey: batch.assetKey, partitionKey: p.partitionKey, token: p.token, worker: runtime.workerName, workflowId, runId })), reason: release ?? 'batch ended' } }),
  });
  return { failed: result.failed, restored: result.restored.length, released: result.released };
}

export type { MaterializeBatchInput, MaterializeBatchResult } from './materialize-batch.js';
export type { PlanSummary } from '../runtime/planner-host.js';
