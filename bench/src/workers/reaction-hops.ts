import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { percentile } from '../support.js';

/** One measured reaction: the changed partition, when the push call began, when its activity started (ms). */
export interface ReactionSample {
  readonly key: string;
  readonly clock: number;
  readonly at: number;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = {
  signaled: 26,
  wftStarted: 6,
  wftCompleted: 7,
  activityScheduled: 10,
  activityStarted: 11,
  activityCompleted: 12,
} as const;

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Number.NaN;
}

function activityTypeOf(e: HistoryEvent): string | undefined {
  return e.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined;
}

/**
 * Where each reaction's time went, from Temporal's own event times (the server runs on this
 * machine: one clock): push → signal recorded → reconcile task started → plan scheduled → plan
 * started → plan done / batch workflow started → batch activity scheduled → started → the
 * activity's own start. Printed per sample and as medians (a debugging aid: WEFT_DEBUG_TIMING=1;
 * WEFT_DEBUG_HISTORY=<file> also writes the loop's events there: time, id, type, activity or marker).
 */
export async function reactionHops(client: Client, reconcileId: string, samples: readonly ReactionSample[], write: (line: string) => void): Promise<void> {
  // Every run of the loop (it continues as new every few thousand events), oldest first.
  const reconcile: HistoryEvent[] = [];
  const runs: Array<{ runId: string; start: number }> = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${reconcileId}'` })) runs.push({ runId: run.runId, start: run.startTime.getTime() });
  for (const run of runs.sort((a, b) => a.start - b.start)) reconcile.push(...((await client.workflow.getHandle(reconcileId, run.runId).fetchHistory()).events ?? []));
  const dump = process.env['WEFT_DEBUG_HISTORY'];
  if (dump) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(dump, reconcile.map((e) => `${eventMs(e)} ${String(e.eventId)} ${String(e.eventType)} ${activityTypeOf(e) ?? e.markerRecordedEventAttributes?.markerName ?? ''}`).join('\n'));
  }
  const batches = new Map<string, HistoryEvent[]>();
  const since = new Date(Math.min(...samples.map((s) => s.clock)) - 1000).toISOString();
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'materialize' AND StartTime >= '${since}'` })) {
    const events = (await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const batch = input ? (defaultPayloadConverter.fromPayload(input) as { batch: { partitions: Array<{ partitionKey: string }> } }).batch : undefined;
    for (const p of batch?.partitions ?? []) batches.set(p.partitionKey, events);
  }
  const names = ['push→signal', 'signal→wft', 'wft→plan sched', 'sched→plan start', 'plan→batch wf', 'batch wf→act sched', 'sched→act start', 'act start→local'];
  const columns: number[][] = names.map(() => []);
  for (const s of samples) {
    const batch = batches.get(s.key);
    if (!batch) {
      write(`[hops] ${s.key}: no batch workflow found`);
      continue;
    }
    const wfStarted = eventMs(batch[0] as HistoryEvent);
    const actScheduled = eventMs(batch.find((e) => Number(e.eventType) === EventType.activityScheduled) ?? {});
    const actStarted = eventMs(batch.find((e) => Number(e.eventType) === EventType.activityStarted) ?? {});
    const signal = reconcile.find((e) => Number(e.eventType) === EventType.signaled && eventMs(e) >= s.clock);
    const signalMs = signal ? eventMs(signal) : Number.NaN;
    // The plan that started the batch ran in the last workflow task started before the batch's
    // workflow (a local activity) or as the last plan activity started before it (on the planner's queue).
    const before = (type: number): HistoryEvent | undefined => reconcile.filter((e) => Number(e.eventType) === type && eventMs(e) <= wfStarted).at(-1);
    const wft = before(EventType.wftStarted);
    const plan = reconcile.filter((e) => Number(e.eventType) === EventType.activityScheduled && activityTypeOf(e) === 'plan' && eventMs(e) <= wfStarted).at(-1);
    const planStarted = plan ? reconcile.find((e) => Number(e.eventType) === EventType.activityStarted && String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(plan.eventId)) : undefined;
    const remote = planStarted !== undefined && wft !== undefined && eventMs(planStarted) >= eventMs(wft) && eventMs(planStarted) <= wfStarted;
    const wftMs = remote && plan ? eventMs(reconcile.filter((e) => Number(e.eventType) === EventType.wftStarted && Number(e.eventId) < Number(plan.eventId)).at(-1) ?? {}) : wft ? eventMs(wft) : Number.NaN;
    const planSchedMs = remote && plan ? eventMs(plan) : wftMs;
    const planStartMs = remote && planStarted ? eventMs(planStarted) : wftMs;
    const points = [s.clock, signalMs, wftMs, planSchedMs, planStartMs, wfStarted, actScheduled, actStarted, s.at];
    const hops = names.map((_, k) => (points[k + 1] as number) - (points[k] as number));
    hops.forEach((h, k) => columns[k]?.push(h));
    write(`[hops] ${s.key}: ${remote ? 'remote' : 'local'} plan, total ${s.at - s.clock} ms = ${names.map((n, k) => `${n} ${hops[k]}`).join(', ')}`);
  }
  write(`[hops] medians: ${names.map((n, k) => `${n} ${percentile([...(columns[k] ?? [])].filter(Number.isFinite).sort((a, b) => a - b), 50)}`).join(', ')}`);
}
