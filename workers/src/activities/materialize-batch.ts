import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  callUserCode,
  classifyError,
  coerceError,
  dataVersionOf,
  failureFingerprint,
  UserCodeError,
  WeftError,
  type AssetDefinition,
  type CheckResultInput,
  type ComputeProvider,
  type ComputeContext,
  type FailureInput,
  type InputSpecs,
  type MaterializationRecord,
  type PartitionContext,
  type PlannedBatch,
  type PlannedPartition,
} from '@weft/core';
import { readInputs } from '../runtime/read-inputs.js';
import { ACTIONABLE_FAILURE, TRANSIENT_FAILURE } from '../workflows/ids.js';
import { contextAt, type WeftRuntime } from '../runtime/runtime.js';

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
  readonly skipped: number;
}


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

function executionIds(): { workflowId: string | null; runId: string | null } {
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

/**
 * Materializes a batch of partitions of one asset: skips tokens already committed, reads and
 * verifies inputs, runs the compute through the asset's compute provider, stores the value, runs
 * the checks and records everything (materializations, edges, state, events) in one transaction.
 * Actionable failures are recorded per partition; a transient one fails the activity (retried).
 */
export async function materializeBatch(runtime: WeftRuntime, { batch }: MaterializeBatchInput): Promise<MaterializeBatchResult> {
  runtime.onBatchStart?.(batch.assetKey, batch.partitions.map((p) => p.partitionKey), Date.now());
  const def = runtime.graph.node(batch.assetKey).definition;
  if (def.kind !== 'asset') throw ApplicationFailure.nonRetryable(`${batch.assetKey} is not an asset`, ACTIONABLE_FAILURE);
  const asset = def as AssetDefinition<unknown, InputSpecs>;
  const provider = runtime.compute[batch.computeProvider];
  if (!provider) throw ApplicationFailure.nonRetryable(`asset ${batch.assetKey}: no compute provider named ${JSON.stringify(batch.computeProvider)} in the config`, ACTIONABLE_FAILURE);

  const committedRows = await runtime.store.db.query<{ token: string }>('SELECT token FROM weft_materializations WHERE token = ANY($1::text[])', [batch.partitions.map((p) => p.token)]);
  const alreadyCommitted = new Set(committedRows.map((r) => r.token));
  const todo = batch.partitions.filter((p) => !alreadyCommitted.has(p.token));
  const dynamicRows = await runtime.store.db.query<{ name: string; partition_key: string }>('SELECT name, partition_key FROM weft_dynamic_partitions ORDER BY name, position');
  const dynamicKeys: Record<string, string[]> = {};
  for (const r of dynamicRows) (dynamicKeys[r.name] ??= []).push(r.partition_key);
  const ctx = contextAt(Math.max(runtime.now(), Date.now()), dynamicKeys);
  const signal = cancellation();

  // Heartbeat while alive (computes need not): a killed worker stops, and Temporal retries elsewhere.
  const beat = setInterval(() => heartbeat({ alive: true }), 1000);
  try {
    return await runBatch(runtime, batch, asset, provider, todo, alreadyCommitted, ctx, signal);
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
  alreadyCommitted: ReadonlySet<string>,
  ctx: PartitionContext,
  signal: AbortSignal,
): Promise<MaterializeBatchResult> {
  const computeStarted = Date.now();
  const records: MaterializationRecord[] = [];
  const checks: CheckResultInput[] = [];
  const failures: FailureInput[] = [];
  let transient: UserCodeError | WeftError | undefined;
  for (const partition of todo) {
    heartbeat({ partition: partition.partitionKey });
    if (signal.aborted) break;
    const startedAt = Date.now();
    try {
      const outcome = await runOne(runtime, asset, batch, partition, ctx, signal, provider);
      records.push({ ...outcome.record, startedAt, finishedAt: Date.now(), attempt: attemptNumber() });
      checks.push(...outcome.checks);
    } catch (thrown) {
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
      failures.push({ token: partition.token, assetKey: batch.assetKey, partitionKey: partition.partitionKey, attempt: attemptNumber(), failureClass: 'actionable', fingerprint: failureFingerprint(cause), message: error.message, retryAt: null, startedAt, finishedAt: Date.now(), worker: runtime.workerName });
    }
  }
  const recordStarted = Date.now();
  const result = await runtime.store.recordMaterializations(records);
  if (process.env['WEFT_DEBUG_TIMING']) process.stderr.write(`[weft] ${batch.assetKey}: ${records.length} computed in ${recordStarted - computeStarted} ms, recorded in ${Date.now() - recordStarted} ms\n`);
  // Checks belong to what this attempt committed (a duplicate's checks were recorded by the winner).
  const committedKeys = new Set(records.filter((r) => result.committed.includes(r.token)).map((r) => r.partitionKey));
  await runtime.store.recordCheckResults(checks.filter((c) => committedKeys.has(c.partitionKey)));
  await runtime.store.recordFailures(failures);
  if (signal.aborted) throw ApplicationFailure.retryable('materialization cancelled', 'Cancelled');
  if (transient) {
    // What succeeded is committed; the retry skips it and runs the rest again.
    throw ApplicationFailure.retryable(transient.message, TRANSIENT_FAILURE);
  }
  const summary = { committed: result.committed.length, duplicates: result.duplicates.length + alreadyCommitted.size, failed: failures.length, skipped: alreadyCommitted.size };
  if (failures.length > 0) {
    throw ApplicationFailure.create({ message: `${failures.length} partition(s) of ${batch.assetKey} failed: ${failures[0]?.message ?? ''}`, type: ACTIONABLE_FAILURE, nonRetryable: true, details: [summary] });
  }
  return summary;
}

async function runOne(
  runtime: WeftRuntime,
  asset: AssetDefinition<unknown, InputSpecs>,
  batch: PlannedBatch,
  partition: PlannedPartition,
  ctx: PartitionContext,
  signal: AbortSignal,
  provider: ComputeProvider,
): Promise<{ record: Omit<MaterializationRecord, 'finishedAt'>; checks: CheckResultInput[] }> {
  const context = { assetKey: batch.assetKey, partitionKey: partition.partitionKey };
  const inputs = await callUserCode('reading inputs', context, () => readInputs(runtime, ctx, partition.inputs, signal));
  const values = Object.fromEntries([...inputs].map(([name, v]) => [name, v.value]));
  const def = asset.partitions;
  const window = def.kind === 'time' ? (() => {
    const i = def.parseKey(partition.partitionKey);
    return i === undefined ? undefined : def.windowAt(i);
  })() : undefined;
  const computeContext = (taskSignal: AbortSignal): ComputeContext => ({
    assetKey: batch.assetKey,
    partitionKey: partition.partitionKey,
    window,
    dimensions: def.kind === 'multi' ? def.splitKey(partition.partitionKey) : undefined,
    signal: taskSignal,
    heartbeat,
    log: (message, fields) => console.log(JSON.stringify({ asset: batch.assetKey, partition: partition.partitionKey, message, ...fields })),
  });
  let lastContext: ComputeContext | undefined;
  const value = await callUserCode('compute', context, () =>
    provider.execute<unknown>({
      assetKey: batch.assetKey,
      partitionKey: partition.partitionKey,
      timeoutMs: asset.options.timeoutMs,
      signal,
      heartbeat,
      run: async (taskSignal: AbortSignal) => {
        lastContext = computeContext(taskSignal);
        return asset.compute(values as never, lastContext);
      },
    }),
  );
  const bytes = await callUserCode('encoding the value', context, () => asset.codec.encode(value));
  const dataVersion = dataVersionOf(bytes);
  const storageUri = await callUserCode('storing the value', context, () => runtime.storage.put(objectKey(batch.assetKey, dataVersion), bytes));
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
