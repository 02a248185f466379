/**
 * The reconcile loop plans as a local activity when the worker running its workflow task holds the
 * warm planner (issue 13: a reaction's two slowest hops through Temporal), on the real Temporal dev
 * server and PostgreSQL: a cold planner is built by the remote plan activity (it heartbeats), the
 * warm one plans locally, no workflow task holds two local plans (a signal never waits behind a
 * chain of them), and the histories it writes replay deterministically.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { asset } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { reconcileWorkflowId, startWeftWorker, type ReconcileView } from '../../src/index.js';

const db = useTestDatabase();
const temporal = useTemporal();
const objects = mkdtempSync(join(tmpdir(), 'weft-plan-here-'));
afterAll(() => rmSync(objects, { recursive: true, force: true }));

type HistoryEvent = proto.api.history.v1.IHistoryEvent;
const TYPE = { wftCompleted: 7, activityScheduled: 10, marker: 25, signaled: 26 } as const;

/** Every run of the location's loop (it continues as new every 40 events here), oldest first, with its events. */
async function loopRuns(location: string): Promise<Array<{ runId: string; events: HistoryEvent[] }>> {
  const runs: Array<{ runId: string; start: number }> = [];
  for await (const run of temporal.client.workflow.list({ query: `WorkflowId = '${reconcileWorkflowId(location)}'` })) runs.push({ runId: run.runId, start: run.startTime.getTime() });
  runs.sort((a, b) => a.start - b.start);
  const out: Array<{ runId: string; events: HistoryEvent[] }> = [];
  for (const { runId } of runs) out.push({ runId, events: (await temporal.client.workflow.getHandle(reconcileWorkflowId(location), runId).fetchHistory()).events ?? [] });
  return out;
}

const isLocalPlan = (e: HistoryEvent): boolean => Number(e.eventType) === TYPE.marker && e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
/** What a local plan returned: a plan's summary, or why it was not made here. */
function localResult(e: HistoryEvent): { skipped?: string; cursor?: number } | undefined {
  const payload = e.markerRecordedEventAttributes?.details?.['result']?.payloads?.[0];
  return payload ? (defaultPayloadConverter.fromPayload(payload) as { skipped?: string; cursor?: number }) : undefined;
}
const isRemotePlan = (e: HistoryEvent): boolean => Number(e.eventType) === TYPE.activityScheduled && e.activityTaskScheduledEventAttributes?.activityType?.name === 'plan';

/** The most local-activity markers any one workflow task recorded (they follow its completion event). */
function mostLocalPlansInOneTask(events: readonly HistoryEvent[]): number {
  let most = 0;
  let current = 0;
  for (const e of events) {
    if (Number(e.eventType) === TYPE.wftCompleted) current = 0;
    else if (isLocalPlan(e)) most = Math.max(most, ++current);
  }
  return most;
}

describe('the reconcile loop plans where its warm planner is', () => {
  it('builds the planner remotely, then plans as a local activity, one per workflow task, and replays', async () => {
    const location = 'plan-here';
    const pool = db.pool({ max: 6 });
    const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), location);
    await migrate(store.db);
    const answer = asset({ key: 'plan_here_answer', version: 'v1', compute: () => 42 });
    const worker = await startWeftWorker({
      definitions: [answer],
      location,
      store,
      storage: fsStorage({ root: objects }),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: `${temporal.taskQueue}-${location}`,
      workflowBundle: temporal.workflowBundle,
      startReconciler: false,
      scheduleSources: false,
    });
    const handle = await temporal.client.workflow.start('reconcile', {
      taskQueue: `${temporal.taskQueue}-${location}`,
      workflowId: reconcileWorkflowId(location),
      // Plan again at once after each pass: local plans would follow one another inside one
      // workflow task, were it not for the rule that a local plan is followed by a wait or a remote one.
      args: [{ location, maxSleepMs: 0 }],
    });
    try {
      let view: ReconcileView | undefined;
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && (view?.ticks ?? 0) < 60) {
        view = await handle.query<ReconcileView>('view').catch(() => view);
        await sleep(250);
      }
      expect(view?.ticks).toBeGreaterThanOrEqual(60);
      await handle.terminate('test over');

      const runs = await loopRuns(location);
      const events = runs.flatMap((r) => r.events);
      const plans = events.filter((e) => isLocalPlan(e) || isRemotePlan(e)).map((e) => (isRemotePlan(e) ? 'remote' : localResult(e)?.skipped ?? (localResult(e)?.cursor !== undefined ? 'local' : 'unknown')));
      // The first plan found the planner cold and built it on the planner's queue; warm, it planned locally.
      expect(plans.slice(0, 2)).toEqual(['cold', 'remote']);
      expect(plans.filter((p) => p === 'local').length).toBeGreaterThanOrEqual(20);
      expect(plans.filter((p) => p === 'remote').length).toBeGreaterThanOrEqual(20);
      expect(plans.filter((p) => p !== 'local' && p !== 'remote')).toEqual(['cold']);
      // Never two local plans in one workflow task (a signal would wait for the task's heartbeat).
      for (const run of runs) expect(mostLocalPlansInOneTask(run.events), `run ${run.runId}`).toBeLessThanOrEqual(1);
      // And the asset was materialized along the way.
      expect((await store.partitions('plan_here_answer'))[0]?.status).toBe('fresh');
      // Each run's history replays with the workflow code (patches, local activities, remote ones).
      for (const run of runs.slice(-3)) await Worker.runReplayHistory({ workflowBundle: temporal.workflowBundle }, { events: run.events }, reconcileWorkflowId(location));
    } finally {
      await handle.terminate('test over').catch(() => {});
      await worker.shutdown();
      await pool.end();
    }
  }, 180_000);
});
