import { Context } from '@temporalio/activity';
import { callUserCode, sourceDataVersion, textOrderedAssets, type PlannedBatch, type PruneResult } from '@weft/core';
import type { ApplyRetentionInput } from '../workflows/retention.js';
import { PlannerHost, type PlanSummary } from '../runtime/planner-host.js';
import type { WeftRuntime } from '../runtime/runtime.js';
import { materializeBatch, type MaterializeBatchInput, type MaterializeBatchResult } from './materialize-batch.js';

/** The activities the workflows call (reached from workflow code through `proxyActivities`). */
export interface WeftActivities {
  /** The task queue of the worker process holding the warm planner (called on the shared queue). */
  plannerQueue(): Promise<string>;
  /** One planning pass (called on a worker's own queue). */
  plan(input: { location: string }): Promise<PlanSummary>;
  materializeBatch(input: MaterializeBatchInput): Promise<MaterializeBatchResult>;
  /** Records a batch that failed for good after its retries: the partitions not committed fail. */
  recordBatchFailure(input: { batch: PlannedBatch; message: string; failureClass: 'transient' | 'actionable'; retryAfterMs: number | null }): Promise<void>;
  /** Asks a source's connector what exists; returns how many partitions changed. */
  observeSource(input: { sourceKey: string }): Promise<{ changed: number }>;
  /** Applies a retention policy to the store (one transaction) and writes it to the audit log. */
  applyRetention(input: ApplyRetentionInput): Promise<PruneResult>;
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
    plannerQueue: async () => runtime.workerQueue,
    // Heartbeat while planning (a first plan over a million partitions takes seconds).
    plan: () => withHeartbeat(2000, () => host.tick()),
    materializeBatch: (input) => materializeBatch(runtime, input),
    async recordBatchFailure({ batch, message, failureClass, retryAfterMs }) {
      const rows = await runtime.store.db.query<{ token: string }>('SELECT token FROM weft_materializations WHERE token = ANY($1::text[])', [batch.partitions.map((p) => p.token)]);
      const done = new Set(rows.map((r) => r.token));
      const attempts = await runtime.store.db.query<{ token: string }>("SELECT DISTINCT token FROM weft_attempts WHERE status = 'failed' AND token = ANY($1::text[])", [batch.partitions.map((p) => p.token)]);
      const recorded = new Set(attempts.map((r) => r.token));
      const now = runtime.now();
      await runtime.store.recordFailures(
        batch.partitions
          .filter((p) => !done.has(p.token) && (failureClass === 'transient' || !recorded.has(p.token)))
          .map((p) => ({
            token: p.token,
            assetKey: batch.assetKey,
            partitionKey: p.partitionKey,
            attempt: 0,
            failureClass,
            fingerprint: failureClass === 'transient' ? 'transient-retries-exhausted' : 'batch-failed',
            message,
            retryAt: retryAfterMs === null ? null : now + retryAfterMs,
            finishedAt: now,
            worker: runtime.workerName,
          })),
      );
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
      const ctx = { now: runtime.now(), dynamicKeys: () => [] };
      const known = observed.filter((o) => def.partitions.checkKey(o.partitionKey) === undefined && def.partitions.indexOf(o.partitionKey, ctx) !== undefined);
      // A partition reported without any version cannot be compared: it is left out.
      const versioned = known.map((o) => ({ partitionKey: o.partitionKey, dataVersion: sourceDataVersion(o.version), reported: o.version })).filter((o) => /^[0-9a-f]{64}$/.test(o.dataVersion));
      const events = await runtime.store.recordSourceObservations(sourceKey, versioned);
      return { changed: events.reduce((n, e) => n + (e.kind === 'source.observed' ? e.partitions.length : 0), 0) };
    },
  };
}

export type { MaterializeBatchInput, MaterializeBatchResult } from './materialize-batch.js';
export type { PlanSummary } from '../runtime/planner-host.js';
