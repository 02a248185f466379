/**
 * Looking at a code location from outside while a test waits on it: partition states, the recent
 * events, the reconcile loop and the open materialize workflows, dumped into a failure message
 * when a bounded wait runs out. (Shared by the reproduction tests of issue 14.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { ProvenanceStore } from '@weft/store';
import { reconcileWorkflowId } from '../../src/index.js';

export interface PartitionStateRow {
  readonly asset: string;
  readonly partition: string;
  readonly status: string;
  readonly materializationId: number | null;
  readonly token: string | null;
  readonly dataVersion: string | null;
  readonly codeVersion: string | null;
  readonly failure: { failureClass?: string; retryAt?: number | null; message?: string; fingerprint?: string } | null;
}

/** What a probe looks at: the store of a location, its Temporal client and task queue, the assets of the test. */
export interface LoopProbe {
  readonly store: ProvenanceStore;
  readonly client: Client;
  readonly location: string;
  readonly taskQueue: string;
  /** Asset keys this test owns. */
  readonly assets: readonly string[];
}

/** The state rows of the probe's assets. */
export async function partitionStates(probe: LoopProbe): Promise<PartitionStateRow[]> {
  const rows = await probe.store.db.query<{ asset_key: string; partition_key: string; status: string; materialization_id: string | null; token: string | null; data_version: string | null; code_version: string | null; failure: PartitionStateRow['failure'] }>(
    'SELECT asset_key, partition_key, status, materialization_id, token, data_version, code_version, failure FROM weft_partition_state WHERE asset_key = ANY($1::text[]) ORDER BY 1, 2',
    [[...probe.assets]],
  );
  return rows.map((r) => ({
    asset: r.asset_key,
    partition: r.partition_key,
    status: r.status,
    materializationId: r.materialization_id === null ? null : Number(r.materialization_id),
    token: r.token,
    dataVersion: r.data_version,
    codeVersion: r.code_version,
    failure: r.failure,
  }));
}

/** One partition's state row (undefined when it has none). */
export async function stateOf(probe: LoopProbe, asset: string, partition: string): Promise<PartitionStateRow | undefined> {
  return (await partitionStates(probe)).find((r) => r.asset === asset && r.partition === partition);
}

/** The materialize workflows of the probe's task queue that are still open. */
export async function openMaterializeWorkflows(probe: LoopProbe): Promise<string[]> {
  const ids: string[] = [];
  // (Batches run on their deployment's queue: the location's batches are found by their workflow ids.)
  const prefix = `weft/materialize/${probe.location}/`;
  for await (const wf of probe.client.workflow.list({ query: `WorkflowType = 'materialize' AND ExecutionStatus = 'Running'` })) if (wf.workflowId.startsWith(prefix)) ids.push(wf.workflowId);
  return ids;
}

/** A readable picture of the location: states, recent events, the loop and the open batch workflows. */
export async function dumpLocation(probe: LoopProbe, recent = 40): Promise<string> {
  const states = (await partitionStates(probe).catch(() => [])).map(
    (s) => `  ${s.asset} ${s.partition}: ${s.status} (materialization ${s.materializationId ?? '-'}, code ${s.codeVersion ?? '-'}${s.failure ? `, failure ${JSON.stringify(s.failure)}` : ''})`,
  );
  const events = await probe.store.eventsSince(0, 100_000).catch(() => []);
  const eventLines = events.slice(-recent).map((e) => {
    const parts: string[] = [`  #${e.seq} ${e.kind}`];
    if ('assetKey' in e) parts.push(e.assetKey);
    if ('partitionKey' in e) parts.push(e.partitionKey);
    if (e.kind === 'source.observed' || e.kind === 'materialization.started') parts.push(JSON.stringify(e.partitions.map((p) => p.partitionKey)));
    if ('token' in e) parts.push(`token ${e.token.slice(0, 10)}`);
    if (e.kind === 'materialization.failed') parts.push(`${e.failureClass} retryAt ${e.retryAt}: ${e.message}`);
    if (e.kind === 'request.submitted') parts.push(JSON.stringify(e.request));
    return parts.join(' ');
  });
  const loop = await probe.client.workflow
    .getHandle(reconcileWorkflowId(probe.location))
    .describe()
    .then((d) => `${d.status.name}, run ${d.runId} (first run ${d.raw.workflowExecutionInfo?.firstRunId ?? '?'}), ${d.historyLength} history events`)
    .catch((e: unknown) => `not found (${String(e)})`);
  const batches: string[] = [];
  for (const id of await openMaterializeWorkflows(probe).catch(() => [])) {
    const d = await probe.client.workflow.getHandle(id).describe();
    const pending = (d.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt}${a.lastFailure?.message ? `, last failure: ${a.lastFailure.message}` : ''}`);
    batches.push(`  ${id}: open since ${d.startTime.toISOString()}; pending: ${pending.join('; ') || 'none'}`);
  }
  return [
    `partition states (weft_partition_state):`,
    ...(states.length > 0 ? states : ['  (none)']),
    `reconcile loop ${reconcileWorkflowId(probe.location)}: ${loop}`,
    `open materialize workflows: ${batches.length === 0 ? 'none' : ''}`,
    ...batches,
    `last ${eventLines.length} of ${events.length} events:`,
    ...eventLines,
  ].join('\n');
}

/**
 * Polls `check` every 100 ms until it holds or `timeoutMs` passes (counted from `since`, default
 * now); then fails with `what`, the last detail `check` gave and a dump of the location. Returns
 * how long it took, ms.
 */
export async function eventually(probe: LoopProbe, what: string, check: () => Promise<boolean | string>, timeoutMs: number, since = Date.now()): Promise<number> {
  const deadline = since + timeoutMs;
  let detail = '';
  for (;;) {
    const outcome = await check();
    if (outcome === true) return Date.now() - since;
    if (typeof outcome === 'string') detail = outcome;
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  throw new Error(`not within ${timeoutMs / 1000} s: ${what}${detail ? `\n(${detail})` : ''}\n${await dumpLocation(probe)}`);
}

/** Ends what a test left in Temporal: the location's loop and its open materialize workflows. */
export async function cleanUpLocation(probe: LoopProbe): Promise<void> {
  for (const id of await openMaterializeWorkflows(probe).catch(() => [])) await probe.client.workflow.getHandle(id).terminate('test over').catch(() => {});
  await probe.client.workflow.getHandle(reconcileWorkflowId(probe.location)).terminate('test over').catch(() => {});
}
