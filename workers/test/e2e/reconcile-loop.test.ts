/**
 * Issue 14, scenario 7: the reconcile loop must come back by itself and keep its history bounded
 * on its error path, on the real Temporal dev server (started with
 * limit.historyCount.suggestContinueAsNew=40) and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, daily, type AssetGraph, type PartitionContext, type PartitionKey, type PlannerSnapshot } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileWorkflowId, startWeftWorker, type WeftWorker, type WeftWorkerOptions } from '../../src/index.js';
import { cleanUpLocation, eventually, partitionStates, type LoopProbe } from './loop-probe.js';
import { intCodec } from './slow-asset.js';

const db = useTestDatabase();
const temporal = useTemporal();
const objects = mkdtempSync(join(tmpdir(), 'weft-reconcile-loop-'));

let pool: ReturnType<typeof db.pool>;
let sql: ReturnType<typeof pgDatabase>;

beforeAll(async () => {
  pool = db.pool({ max: 8 });
  sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
});
// Every location a test used: its loop and open batch workflows are ended after the file, whatever happened.
const used: LoopProbe[] = [];
afterAll(async () => {
  for (const probe of used) await cleanUpLocation(probe);
  await pool?.end();
  rmSync(objects, { recursive: true, force: true });
});

function probeOf(location: string, assets: readonly string[], store?: ProvenanceStore): LoopProbe & { store: ProvenanceStore } {
  const probe = { store: store ?? new ProvenanceStore(sql, location), client: temporal.client, location, taskQueue: `${temporal.taskQueue}-${location}`, assets };
  used.push(probe);
  return probe;
}

async function startWorker(probe: LoopProbe, options: Pick<WeftWorkerOptions, 'definitions'> & Partial<WeftWorkerOptions>): Promise<WeftWorker> {
  return startWeftWorker({
    location: probe.location,
    store: probe.store,
    storage: fsStorage({ root: join(objects, probe.location) }),
    connection: await temporal.nativeConnection(),
    client: temporal.client,
    taskQueue: probe.taskQueue,
    workflowBundle: temporal.workflowBundle,
    scheduleSources: false,
    heartbeatTimeoutMs: 3000,
    ...options,
  });
}

async function describeLoop(location: string): Promise<{ status: string; runId: string; firstRunId: string; historyLength: number } | undefined> {
  try {
    const d = await temporal.client.workflow.getHandle(reconcileWorkflowId(location)).describe();
    return { status: d.status.name, runId: d.runId, firstRunId: d.raw.workflowExecutionInfo?.firstRunId ?? '', historyLength: d.historyLength };
  } catch {
    return undefined;
  }
}

describe('issue 14, scenario 7: the reconcile loop', () => {
  it('a terminated loop is started again by the materialize workflow that wakes it, and the rest of the work proceeds', async () => {
    const probe = probeOf('loop-revive', ['revive_slow']);
    // Three days, one at a time, 2 s each: the loop must plan twice more after the first batch.
    const slow = asset({
      key: 'revive_slow',
      partitions: daily({ start: '2024-01-01' }),
      codec: intCodec,
      version: 'v1',
      concurrency: 1,
      compute: async (_inputs, ctx) => {
        await sleep(2000);
        return Number(ctx.partitionKey.slice(-2));
      },
    });
    let batchStarted: (keys: readonly string[]) => void = () => {};
    const firstBatch = new Promise<readonly string[]>((resolve) => (batchStarted = resolve));
    const worker = await startWorker(probe, { definitions: [slow], now: () => Date.parse('2024-01-04T00:00:00Z'), onBatchStart: (_asset, keys) => batchStarted(keys) });
    try {
      const running = await Promise.race([firstBatch, sleep(30_000).then(() => undefined)]);
      expect(running, 'no batch started within 30 s').toBeDefined();
      const before = await describeLoop(probe.location);
      expect(before?.status).toBe('RUNNING');
      // The loop dies (an operator, a bad deploy, a history limit) while the batch runs; the worker stays up.
      await temporal.client.workflow.getHandle(reconcileWorkflowId(probe.location)).terminate('test: the loop is terminated mid-batch');
      expect((await describeLoop(probe.location))?.status).toBe('TERMINATED');

      await eventually(
        probe,
        `the reconcile loop running again (a new run, not the terminated ${before?.runId}) once the batch ${JSON.stringify(running)} finished`,
        async () => {
          const now = await describeLoop(probe.location);
          return (now?.status === 'RUNNING' && now.runId !== before?.runId) || `loop ${JSON.stringify(now)}`;
        },
        30_000,
      );
      await eventually(
        probe,
        'every revive_slow partition fresh',
        async () => {
          const s = await partitionStates(probe);
          return (s.length === 3 && s.every((r) => r.status === 'fresh')) || s.map((r) => `${r.partition} ${r.status}`).join(', ');
        },
        45_000,
      );
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 150_000);

  it('a plan that keeps failing does not grow one run of the loop without bound: it continues as new while failing, and recovers', async () => {
    /** A store whose snapshot cannot be read while `failing` (the planner cannot be built). */
    class FailingSnapshotStore extends ProvenanceStore {
      failing = true;
      failures = 0;
      override async loadSnapshot(graph: AssetGraph, ctxFor: (dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>) => PartitionContext): Promise<PlannerSnapshot> {
        if (this.failing) {
          this.failures++;
          throw new Error(`test: the snapshot cannot be read (failure ${this.failures})`);
        }
        return super.loadSnapshot(graph, ctxFor);
      }
    }
    const store = new FailingSnapshotStore(sql, 'loop-errors');
    const probe = probeOf('loop-errors', ['errors_answer'], store);
    const answer = asset({ key: 'errors_answer', version: 'v1', compute: () => 42 });
    const worker = await startWorker(probe, { definitions: [answer] });
    try {
      let first: Awaited<ReturnType<typeof describeLoop>>;
      await eventually(probe, 'the loop to start', async () => (first = await describeLoop(probe.location))?.status === 'RUNNING', 10_000);
      const firstRunId = first?.firstRunId || first?.runId;
      // The dev server suggests continue-as-new after 40 events; each failed pass adds about a dozen.
      let last: Awaited<ReturnType<typeof describeLoop>>;
      await eventually(
        probe,
        `the loop to continue as new while every plan fails (the test server suggests it after 40 events; the run started as ${firstRunId})`,
        async () => {
          last = await describeLoop(probe.location);
          return (last !== undefined && last.runId !== firstRunId) || `plan failures so far: ${store.failures}; loop ${JSON.stringify(last)}`;
        },
        45_000,
      );
      expect(store.failing).toBe(true);
      expect(store.failures).toBeGreaterThan(1);
      expect(last?.historyLength, 'the current run of the loop').toBeLessThan(200);

      // The store comes back: the loop recovers by itself.
      store.failing = false;
      await eventually(probe, 'errors_answer fresh once the snapshot can be read', async () => (await partitionStates(probe))[0]?.status === 'fresh', 45_000);
    } finally {
      await worker.shutdown();
      await cleanUpLocation(probe);
    }
  }, 150_000);
});
