import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { callUserCode, classifyError, redactSecrets, coerceError, ComputeTimeoutError, dataVersionOf, describeStoredPartitionSet, encodePortableValue, failureFingerprint, failureStack, findCause, StalePlanError, UserCodeError, WeftError, type AssetDefinition, type ComputeProvider, type ComputeContext, type InputSpecs, type ListenedInput, type MaterializationEvent, type PartitionContext, type PartitionKey, type PlannedBatch, type PlannedPartition, type PortableCompute, type RetryPolicy } from '@weft/core';
import { MAX_INLINE_VALUE_BYTES, type CheckResultInput, type FailureInput, type InputRecord, type MaterializationRecord, type ReleaseInput, type RestoreInput } from '@weft/store';
import { getMaxListeners, setMaxListeners } from 'node:events';
import { ComputeLog } from '../runtime/compute-log.js';
import { mapConcurrent } from '../runtime/concurrent.js';
import { BatchInputRows, type InputRowReader } from '../runtime/input-rows.js';
import { readInputs } from '../runtime/read-inputs.js';
import { ACTIONABLE_FAILURE, TRANSIENT_FAILURE } from '../workflows/ids.js';
import { contextAt, DEFAULT_INLINE_VALUE_BYTES, type WeftRuntime } from '../runtime/runtime.js';

/** The input of the materialize workflow and its activity. */
export interface MaterializeBatchInput {
  readonly location: string;
  readonly batch: PlannedBatch;
}

/** What a batch did. */
export interface MaterializeBatchResult {
  readonly committed: number;
  readonly duplicates: number;
  /** Partitions that failed for good (actionable): recorded with their fingerprint. */
  readonly failed: number;
  /** Planned tokens found committed already (made current again). */
  readonly skipped: number;
  readonly restored?: number;
  /** Partitions given back to the planner (their inputs changed since the plan). */
  readonly released?: number;
}

/** Partitions of a batch computed at once when the worker sets no `batchConcurrency`. */
export const DEFAULT_BATCH_CONCURRENCY = 16;
/** Partitions whose input rows are read from the store in one query per upstream asset. */
const INPUT_WINDOW = 128;

/** What a running batch reports with its heartbeats. */
interface BatchProgress {
  partition: PartitionKey | undefined;
  started: number;
}

/** What became of one partition of a batch (folded into the batch's outcome in the batch's order). */
type PartitionOutcome =
  | { readonly kind: 'done'; readonly record: MaterializationRecord; readonly checks: readonly CheckResultInput[] }
  | { readonly kind: 'thrown'; readonly thrown: unknown; readonly startedAt: number; readonly finishedAt: number }
  | { readonly kind: 'not started' };

/**
 * Values are stored by content: `<asset>/<first two hex digits>/<data version>`. Equal bytes are
 * one object, and no folder is made per partition (a million partitions, 256 folders per asset).
 */
function objectKey(assetKey: string, dataVersion: string): string {
  return `${assetKey}/${dataVersion.slice(0, 2)}/${dataVersion}`;
}

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Outside an activity (tests): nothing to report to.
  }
}

function cancellation(): AbortSignal {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return new AbortController().signal;
  }
}

/** The workflow run this activity belongs to (outside an activity, as in tests: none). */
export function executionIds(): { workflowId: string | null; runId: string | null } {
  try {
    const execution = Context.current().info.workflowExecution;
    return { workflowId: execution?.workflowId ?? null, runId: execution?.runId ?? null };
  } catch {
    return { workflowId: null, runId: null };
  }
}

function attemptNumber(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** The wait before retry `attempt` (1-based) of a transient failure, by the asset's retry policy. */
export function retryDelayMs(retry: RetryPolicy | undefined, attempt: number): number {
  const initial = retry?.initialIntervalMs ?? 1000;
  const max = retry?.maximumIntervalMs ?? 60_000;
  return Math.min(max, initial * (retry?.backoffCoefficient ?? 2) ** Math.max(0, attempt - 1));
}

/**
 * What a batch leaves undone, decided from the store: tokens committed already (made current again:
 * the planner wants them back), tokens this workflow run already recorded an outcome for (a
 * failure or a release by an earlier attempt of the activity), and the rest to do.
 */
export async function batchProgress(runtime: WeftRuntime, batch: PlannedBatch): Promise<{ committed: ReadonlySet<string>; settled: ReadonlySet<string>; todo: PlannedPartition[] }> {
  const tokens = batch.partitions.map((p) => p.token);
  const committed = await runtime.store.committedTokens(tokens);
  const { workflowId, runId } = executionIds();
  const settled = workflowId !== null && runId !== null ? await runtime.store.tokensSettledInRun(tokens, workflowId, runId) : new Set<string>();
  return { committed, settled, todo: batch.partitions.filter((p) => !committed.has(p.token) && !settled.has(p.token)) };
}

/** The restore entries of a batch's committed tokens (the plan that wants them is the batch's). */
export function restoresOf(batch: PlannedBatch, committed: ReadonlySet<string>): RestoreInput[] {
  return batch.partitions.filter((p) => committed.has(p.token)).map((p) => ({ assetKey: batch.assetKey, partitionKey: p.partitionKey, token: p.token, inputsAsOf: batch.inputsAsOf }));
}

/**
 * Materializes a batch of partitions of one asset and records what became of every partition in
 * one transaction: a token committed already is made current again, a partition whose inputs
 * changed since the plan goes back to the planner, one past its time limit fails alone (transient,
 * retried later by the planner), an actionable failure is recorded with its fingerprint. Only
 * other transient errors (storage or network down) fail the activity, which Temporal retries: the
 * retry skips what this run recorded.
 */
export async function materializeBatch(runtime: WeftRuntime, { batch }: MaterializeBatchInput): Promise<MaterializeBatchResult> {
  runtime.onBatchStart?.(batch.assetKey, batch.partitions.map((p) => p.partitionKey), Date.now());
  const def = runtime.graph.node(batch.assetKey).definition;
  if (def.kind !== 'asset') throw ApplicationFailure.nonRetryable(`${batch.assetKey} is not an asset`, ACTIONABLE_FAILURE);
  const asset = def as AssetDefinition<unknown, InputSpecs>;
  const provider = runtime.compute[batch.computeProvider];
  if (!provider) throw ApplicationFailure.nonRetryable(`asset ${batch.assetKey}: no compute provider named ${JSON.stringify(batch.computeProvider)} in the config`, ACTIONABLE_FAILURE);

  const { committed, settled, todo } = await batchProgress(runtime, batch);
  if (runtime.codeVersions[batch.assetKey] !== batch.codeVersion) {
    // Planned with other code (a batch from before deployments had queues of their own): this
    // worker must not run it under that code version's name. Back to the planner.
    const { workflowId, runId } = executionIds();
    const result = await runtime.store.recordOutcome({
      restore: restoresOf(batch, committed),
      release: { partitions: todo.map((p) => ({ assetKey: batch.assetKey, partitionKey: p.partitionKey, token: p.token, attempt: attemptNumber(), worker: runtime.workerName, workflowId, runId })), reason: `planned with code version ${batch.codeVersion}; this worker runs ${runtime.codeVersions[batch.assetKey] ?? 'none'}` },
    });
    return { committed: 0, duplicates: 0, failed: 0, skipped: committed.size, restored: result.restored.length, released: result.released };
  }
  const ctx = contextAt(Math.max(runtime.now(), Date.now()), await runtime.store.dynamicKeys());
  const signal = cancellation();

  // Heartbeat while alive (computes need not): a killed worker stops, and Temporal retries elsewhere.
  // Once a second, with the partition started last and how many have started: a heartbeat per
  // partition cost more than a trivial partition's compute (each one a call into the SDK's core).
  const progress: BatchProgress = { partition: undefined, started: 0 };
  const beat = setInterval(() => heartbeat({ alive: true, ...progress }), 1000);
  try {
    return await runBatch(runtime, batch, asset, provider, todo, committed, settled.size, ctx, signal, progress);
  } finally {
    clearInterval(beat);
  }
}

async function runBatch(
  runtime: WeftRuntime,
  batch: PlannedBatch,
  asset: AssetDefinition<unknown, InputSpecs>,
  provider: ComputeProvider,
  todo: readonly PlannedPartition[],
  committed: ReadonlySet<string>,
  settledBefore: number,
  ctx: PartitionContext,
  signal: AbortSignal,
  progress: BatchProgress,
): Promise<MaterializeBatchResult> {
  const computeStarted = Date.now();
  const records: MaterializationRecord[] = [];
  const checks: CheckResultInput[] = [];
  const failures: FailureInput[] = [];
  const timedOut: Array<{ partition: PlannedPartition; error: ComputeTimeoutError; startedAt: number }> = [];
  const released: ReleaseInput[] = [];
  const log = new ComputeLog();
  let staleReason = '';
  let transient: UserCodeError | WeftError | undefined;
  const { workflowId, runId } = executionIds();
  const event = lifecycle(runtime, batch, asset, workflowId, runId);
  const rows = new BatchInputRows(runtime, todo, ctx, INPUT_WINDOW);
  const lanes = Math.max(1, runtime.batchConcurrency ?? DEFAULT_BATCH_CONCURRENCY);
  // Every partition in flight listens to the activity's cancellation (twice: here and in its provider).
  if (lanes > 4) setMaxListeners(Math.max(getMaxListeners(signal), 2 * lanes + 10), signal);
  // Partitions of one batch never read each other (the planner starts a partition only once its
  // inputs are fresh), so a few run at once; outcomes are kept in the batch's order.
  const outcomes = await mapConcurrent(todo, lanes, async (partition, index): Promise<PartitionOutcome> => {
    progress.partition = partition.partitionKey;
    progress.started++;
    if (signal.aborted) return { kind: 'not started' };
    const startedAt = Date.now();
    runtime.listeners.emit(() => event('start', partition.partitionKey, partition.token, startedAt));
    try {
      const outcome = await runOne(runtime, asset, batch, partition, ctx, signal, provider, log, rows.readerFor(index));
      return { kind: 'done', record: { ...outcome.record, startedAt, finishedAt: Date.now(), attempt: attemptNumber() }, checks: outcome.checks };
    } catch (thrown) {
      return { kind: 'thrown', thrown, startedAt, finishedAt: Date.now() };
    }
  });
  for (const [index, outcome] of outcomes.entries()) {
    const partition = todo[index] as PlannedPartition;
    if (outcome.kind === 'not started') continue;
    if (outcome.kind === 'done') {
      records.push(outcome.record);
      checks.push(...outcome.checks);
      continue;
    }
    const { thrown, startedAt } = outcome;
    const stale = findCause(thrown, StalePlanError);
    if (stale) {
      // The plan is out of date: the planner plans it again with the new token (not a failure).
      released.push({ assetKey: batch.assetKey, partitionKey: partition.partitionKey, token: partition.token, attempt: attemptNumber(), worker: runtime.workerName, workflowId, runId });
      staleReason ||= stale.message;
      continue;
    }
    const timeout = findCause(thrown, ComputeTimeoutError);
    if (timeout) {
      timedOut.push({ partition, error: timeout, startedAt });
      continue;
    }
    // (Everything user and plugin code throws arrives classified; anything else is classified here:
    // a network error or an unavailable service is transient, never a reason to give up on a partition.)
    const error =
      thrown instanceof WeftError
        ? thrown
        : new UserCodeError(`materializing ${batch.assetKey} ${partition.partitionKey} failed: ${String(thrown)}`, { assetKey: batch.assetKey, partitionKey: partition.partitionKey }, classifyError(coerceError(thrown)), thrown);
    if (error.failureClass === 'transient') {
      transient ??= error;
      continue;
    }
    const cause = error.cause instanceof Error ? error.cause : error;
    failures.push({ token: partition.token, assetKey: batch.assetKey, partitionKey: partition.partitionKey, attempt: attemptNumber(), failureClass: 'actionable', fingerprint: failureFingerprint(cause), message: error.message, stack: failureStack(cause), retryAt: null, startedAt, finishedAt: outcome.finishedAt, worker: runtime.workerName, workflowId, runId });
  }
  if (timedOut.length > 0) {
    // A partition past its limit fails alone, as a transient failure the planner retries later with
    // the asset's backoff; the rest of the batch goes on.
    const previous = await runtime.store.failedAttempts(timedOut.map((t) => t.partition.token));
    const now = runtime.now();
    for (const { partition, error, startedAt } of timedOut) {
      const attempt = (previous.get(partition.token) ?? 0) + 1;
      failures.push({ token: partition.token, assetKey: batch.assetKey, partitionKey: partition.partitionKey, attempt, failureClass: 'transient', fingerprint: failureFingerprint(error), message: error.message, retryAt: now + retryDelayMs(asset.options.retry, attempt), startedAt, finishedAt: Date.now(), worker: runtime.workerName, workflowId, runId });
    }
  }
  const recordStarted = Date.now();
  const result = await runtime.store.recordOutcome({
    logs: log.lines,
    materializations: records,
    checks,
    failures,
    restore: restoresOf(batch, committed),
    ...(released.length > 0 ? { release: { partitions: released, reason: staleReason, inputsChanged: true } } : {}),
  });
  if (runtime.listeners.active) {
    const committedNow = new Set([...result.committed, ...result.duplicates]);
    for (const r of records) {
      if (!committedNow.has(r.token)) continue;
      runtime.listeners.emit(() => ({
        ...event('complete', r.partitionKey, r.token, r.finishedAt),
        attempt: r.attempt ?? attemptNumber(),
        inputs: listenedInputs(runtime, r.inputs ?? []),
        output: { dataVersion: r.dataVersion, storageUri: r.storageUri ?? null, bytes: r.bytes ?? null },
        checks: checks.filter((c) => c.partitionKey === r.partitionKey && c.dataVersion === r.dataVersion).map((c) => ({ name: c.check, passed: c.passed, blocking: c.blocking, message: redactSecrets(c.message) })),
      }));
    }
    for (const f of failures) {
      runtime.listeners.emit(() => ({ ...event('fail', f.partitionKey, f.token, f.finishedAt), attempt: f.attempt, error: { message: redactSecrets(f.message), failureClass: f.failureClass, fingerprint: f.fingerprint, ...(f.stack ? { stack: redactSecrets(f.stack) } : {}) } }));
    }
  }
  if (process.env['WEFT_DEBUG_TIMING']) process.stderr.write(`[weft] ${batch.assetKey}: ${records.length} computed in ${recordStarted - computeStarted} ms, recorded in ${Date.now() - recordStarted} ms\n`);
  if (signal.aborted) throw ApplicationFailure.retryable('materialization cancelled', 'Cancelled');
  if (transient) {
    // What has an outcome is recorded; the retry skips it and runs the rest again.
    throw ApplicationFailure.retryable(redactSecrets(transient.message), TRANSIENT_FAILURE);
  }
  const summary = { committed: result.committed.length, duplicates: result.duplicates.length, failed: failures.length + settledBefore, skipped: committed.size, restored: result.restored.length, released: result.released };
  const actionable = failures.filter((f) => f.failureClass === 'actionable');
  if (actionable.length > 0) {
    throw ApplicationFailure.create({ message: redactSecrets(`${actionable.length} partition(s) of ${batch.assetKey} failed: ${actionable[0]?.message ?? ''}`), type: ACTIONABLE_FAILURE, nonRetryable: true, details: [summary] });
  }
  return summary;
}

/** Runs `fn` with a time limit: past it, `controller` aborts and the call fails with a {@link ComputeTimeoutError}. */
async function withTimeLimit<T>(limitMs: number, controller: AbortController, context: { assetKey: string; partitionKey: string }, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ComputeTimeoutError(`${context.assetKey} partition ${JSON.stringify(context.partitionKey)} exceeded its time limit of ${limitMs} ms`, { ...context, limitMs });
      controller.abort(error);
      reject(error);
    }, limitMs);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runOne(
  runtime: WeftRuntime,
  asset: AssetDefinition<unknown, InputSpecs>,
  batch: PlannedBatch,
  partition: PlannedPartition,
  ctx: PartitionContext,
  signal: AbortSignal,
  provider: ComputeProvider,
  log: ComputeLog,
  readRows: InputRowReader,
): Promise<{ record: Omit<MaterializationRecord, 'finishedAt'>; checks: CheckResultInput[] }> {
  const context = { assetKey: batch.assetKey, partitionKey: partition.partitionKey };
  const logger = log.logger({ ...context, token: partition.token, attempt: attemptNumber() });
  try {
    return await computeOne(runtime, asset, batch, partition, ctx, signal, provider, logger.log, readRows);
  } finally {
    logger.close();
  }
}

async function computeOne(
  runtime: WeftRuntime,
  asset: AssetDefinition<unknown, InputSpecs>,
  batch: PlannedBatch,
  partition: PlannedPartition,
  ctx: PartitionContext,
  signal: AbortSignal,
  provider: ComputeProvider,
  log: ComputeContext['log'],
  readRows: InputRowReader,
): Promise<{ record: Omit<MaterializationRecord, 'finishedAt'>; checks: CheckResultInput[] }> {
  const context = { assetKey: batch.assetKey, partitionKey: partition.partitionKey };
  const inputs = await callUserCode('reading inputs', context, () => readInputs(runtime, ctx, partition.inputs, signal, readRows));
  const values = Object.fromEntries([...inputs].map(([name, v]) => [name, v.value]));
  const def = asset.partitions;
  const window = def.kind === 'time' ? (() => {
    const i = def.parseKey(partition.partitionKey);
    return i === undefined ? undefined : def.windowAt(i);
  })() : undefined;
  const computeContext = (taskSignal: AbortSignal): ComputeContext => ({
    assetKey: batch.assetKey,
    partitionKey: partition.partitionKey,
    token: partition.token,
    window,
    dimensions: def.kind === 'multi' ? def.splitKey(partition.partitionKey) : undefined,
    signal: taskSignal,
    heartbeat,
    log,
  });
  let lastContext: ComputeContext | undefined;
  // The partition's time limit holds whatever the provider does: past it, the compute's signal
  // aborts and the batch stops waiting for it (a compute that ignores its signal is left behind).
  const limitMs = asset.options.timeoutMs ?? runtime.partitionTimeoutMs;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let value: unknown;
  try {
    value = await withTimeLimit(limitMs, controller, context, () =>
      callUserCode('compute', context, () =>
        provider.execute<unknown>({
          assetKey: batch.assetKey,
          partitionKey: partition.partitionKey,
          timeoutMs: limitMs,
          signal: controller.signal,
          token: partition.token,
          log,
          storage: runtime.storage,
          ...(asset.module === undefined ? {} : { portable: portableCompute(asset, values) }),
          heartbeat,
          run: async (taskSignal: AbortSignal) => {
            lastContext = computeContext(taskSignal);
            return asset.compute(values as never, lastContext);
          },
        }),
      ),
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const bytes = await callUserCode('encoding the value', context, () => asset.codec.encode(value));
  const dataVersion = dataVersionOf(bytes);
  // A small value stays in its row in the store; the rest goes to object storage.
  const inline = bytes.byteLength <= Math.min(MAX_INLINE_VALUE_BYTES, runtime.inlineValueBytes ?? DEFAULT_INLINE_VALUE_BYTES);
  const storageUri = inline ? null : await callUserCode('storing the value', context, () => runtime.storage.put(objectKey(batch.assetKey, dataVersion), bytes, { contentAddressed: true }));
  if (storageUri !== null) runtime.recentValues?.set(storageUri, bytes);
  const checks: CheckResultInput[] = [];
  for (const check of asset.checks) {
    let passed: boolean;
    let message: string;
    try {
      const outcome = await callUserCode(`check ${check.name}`, context, () => check.fn(value, lastContext ?? computeContext(signal)));
      passed = typeof outcome === 'boolean' ? outcome : outcome.passed;
      message = typeof outcome === 'boolean' ? '' : (outcome.message ?? '');
    } catch (error) {
      passed = false;
      message = error instanceof Error ? error.message : String(error);
    }
    checks.push({ ...context, dataVersion, check: check.name, passed, blocking: check.blocking, message });
  }
  return {
    record: {
      token: partition.token,
      assetKey: batch.assetKey,
      partitionKey: partition.partitionKey,
      codeVersion: batch.codeVersion,
      dataVersion,
      storageUri,
      inlineValue: inline ? bytes : null,
      bytes: bytes.byteLength,
      worker: runtime.workerName,
      computeProvider: batch.computeProvider,
      ...executionIds(),
      inputsAsOf: batch.inputsAsOf,
      deploymentId: runtime.deploymentId,
      inputs: [...inputs.values()].map((v) => v.record),
    },
    checks,
  };
}

/**
 * The asset's compute in a form a remote provider can ship: its module (the runner finds the asset
 * there by key), the input values (encoded only when a provider asks), the codec to read the value.
 */
function portableCompute(asset: AssetDefinition<unknown, InputSpecs>, values: Record<string, unknown>): PortableCompute<unknown> {
  let input: Uint8Array | undefined;
  return {
    module: asset.module!,
    get input() {
      return (input ??= encodePortableValue(values));
    },
    decode: (bytes) => asset.codec.decode(bytes),
  };
}

/** Makes the common part of a batch's materialization events. */
function lifecycle(runtime: WeftRuntime, batch: PlannedBatch, asset: AssetDefinition<unknown, InputSpecs>, workflowId: string | null, runId: string | null) {
  const def = asset.partitions;
  return (kind: MaterializationEvent['kind'], partitionKey: string, token: string, at: number): MaterializationEvent => {
    const index = def.kind === 'time' ? def.parseKey(partitionKey) : undefined;
    return {
      kind,
      at,
      location: runtime.location,
      assetKey: batch.assetKey,
      partitionKey,
      token,
      attempt: attemptNumber(),
      window: def.kind === 'time' && index !== undefined ? def.windowAt(index) : undefined,
      codeVersion: batch.codeVersion,
      deploymentId: runtime.deploymentId,
      worker: runtime.workerName,
      computeProvider: batch.computeProvider,
      workflowId,
      runId,
      inputs: [],
    };
  };
}

/** A materialization's inputs as listeners see them: per input, the upstream partitions and data versions read. */
function listenedInputs(runtime: WeftRuntime, inputs: readonly InputRecord[]): ListenedInput[] {
  const byName = new Map<string, ListenedInput & { partitions: Array<{ partitionKey: string; dataVersion: string | null }> }>();
  for (const i of inputs) {
    let entry = byName.get(i.name);
    if (!entry) {
      const upstream = runtime.graph.nodes.get(i.upstreamAsset)?.definition;
      entry = { input: i.name, assetKey: i.upstreamAsset, isSource: upstream?.kind === 'source', partitions: [] };
      byName.set(i.name, entry);
    }
    // A range reads first..last, unless its set says which partitions exactly (a multi-dimensional
    // selection: one zone's days; runs with holes).
    if ('range' in i) entry.partitions.push({ partitionKey: i.range.set ? describeStoredPartitionSet(i.range.set) : `${i.range.first}..${i.range.last}`, dataVersion: i.range.combinedHash });
    else entry.partitions.push({ partitionKey: i.partitionKey, dataVersion: i.dataVersion });
  }
  return [...byName.values()];
}
