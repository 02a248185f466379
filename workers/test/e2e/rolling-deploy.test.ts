/**
 * Issue 14, scenario 5: a rolling deploy. Two deployments of one location run side by side; every
 * batch must run on a worker of the deployment that planned it, so a materialization's code version
 * (and its deployment) names the code that really ran. The old deployment's planner hands planning
 * to the new one as soon as a worker of it runs; batches the old one planned and left waiting when
 * its last worker went are given up and planned again by the new one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, daily, type Codec } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { startWeftWorker, type WeftWorker } from '../../src/index.js';

const db = useTestDatabase();
const temporal = useTemporal();
const dir = mkdtempSync(join(tmpdir(), 'weft-rolling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAYS = 8;
const NOW = Date.parse('2024-01-09T00:00:00Z');
const text: Codec<string> = { name: 'text', encode: (s) => new TextEncoder().encode(s), decode: (b) => new TextDecoder().decode(b) };

/** The asset as deployment `version` defines it: its value says which code made it. */
function rolled(version: string, ms: number) {
  return asset({
    key: 'rolled',
    partitions: daily({ start: '2024-01-01' }),
    codec: text,
    version,
    compute: async (_inputs, ctx) => {
      await sleep(ms);
      return `${version}:${ctx.partitionKey}`;
    },
  });
}

describe('a rolling deploy: two deployments of a location side by side', () => {
  it('runs every batch on the deployment that planned it, and the new one takes over what the old one left', async () => {
    const pool = db.pool({ max: 6 });
    const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), 'rolling');
    await migrate(store.db);
    const storage = fsStorage({ root: join(dir, 'objects') });
    // Each deployment's worker on a connection of its own (as in two processes).
    const connections: NativeConnection[] = [];
    const start = async (version: string): Promise<WeftWorker> => {
      const connection = await NativeConnection.connect({ address: temporal.address });
      connections.push(connection);
      return startWeftWorker({
        // (The old code is slow: it still has batches waiting on its queue when it goes, even when the
        // new worker takes seconds to start on a busy machine: at 1 s a partition, the old one had
        // once finished all 8 before it went, and nothing was left to release.)
        definitions: [rolled(version, version === 'v1' ? 2500 : 200)],
        location: 'rolling',
        store,
        storage,
        // (Every value goes to object storage here: this test reads them there.)
        inlineValueBytes: 0,
        connection,
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        workflowBundle: temporal.workflowBundle,
        // One partition at a time: the old deployment leaves batches waiting on its queue.
        maxConcurrentActivityTaskExecutions: 1,
        orphanCheckMs: 1000,
        deploymentGoneMs: 3000,
        heartbeatTimeoutMs: 3000,
        now: () => NOW,
      });
    };
    const rows = () =>
      store.db.query<{ partition_key: string; code_version: string; storage_uri: string; deployment_id: string; deployed: Record<string, string> }>(
        `SELECT m.partition_key, m.code_version, m.storage_uri, m.deployment_id, d.code_versions AS deployed
         FROM weft_materializations m JOIN weft_deployments d ON d.id = m.deployment_id WHERE m.asset_key = 'rolled' ORDER BY m.id`,
      );
    let old: WeftWorker | undefined;
    let next: WeftWorker | undefined;
    try {
      old = await start('v1');
      const codeOf: Record<string, string> = { v1: old.runtime.codeVersions['rolled'] as string };
      const deadline = Date.now() + 60_000;
      while ((await rows()).length < 2 && Date.now() < deadline) await sleep(50);
      expect((await rows()).length).toBeGreaterThanOrEqual(2);
      // The new deployment starts beside the old one (whose planner is warm), then the old one goes.
      next = await start('v2');
      codeOf['v2'] = next.runtime.codeVersions['rolled'] as string;
      expect(codeOf['v2']).not.toBe(codeOf['v1']);
      // The old deployment's planner hands over while it still runs: the new code plans and runs at once.
      const handOver = Date.now() + 30_000;
      while (!(await rows()).some((m) => m.code_version === codeOf['v2']) && Date.now() < handOver) await sleep(100);
      expect((await rows()).some((m) => m.code_version === codeOf['v2']), 'the new deployment materializes before the old one leaves').toBe(true);
      const view = await temporal.client.workflow.getHandle('weft/reconcile/rolling').query<{ plannerQueue?: string }>('view');
      expect(view.plannerQueue).toBe(next.runtime.workerQueue);
      await old.shutdown();
      old = undefined;

      const settle = Date.now() + 120_000;
      let state: Array<{ partition_key: string; status: string; code_version: string | null; running_token: string | null }> = [];
      while (Date.now() < settle) {
        state = await store.db.query("SELECT partition_key, status, code_version, running_token FROM weft_partition_state WHERE asset_key = 'rolled' ORDER BY partition_key");
        if (state.length === DAYS && state.every((s) => s.status === 'fresh' && s.code_version === codeOf['v2'] && s.running_token === null)) break;
        await sleep(200);
      }
      expect(state.map((s) => [s.status, s.code_version, s.running_token])).toEqual(Array.from({ length: DAYS }, () => ['fresh', codeOf['v2'], null]));

      // Provenance names the code that ran: the value each materialization stored was made by the
      // code version it records, from the deployment it records.
      const made = await rows();
      expect(made.length).toBeGreaterThanOrEqual(DAYS + 2);
      for (const m of made) {
        const value = new TextDecoder().decode(await storage.get(m.storage_uri));
        const ran = value.split(':')[0] as string;
        expect(m.code_version, `${m.partition_key}: recorded ${m.code_version} by deployment ${m.deployment_id}, made by ${ran}`).toBe(codeOf[ran]);
        expect(m.deployed['rolled'], `deployment ${m.deployment_id} of ${m.partition_key}`).toBe(m.code_version);
      }
      // What the old deployment left waiting on its queue was given up and planned again.
      const released = (await store.eventsSince(0, 100_000)).filter((e) => e.kind === 'materialization.released');
      expect(released.length, 'batches the old deployment left on its queue are released').toBeGreaterThan(0);
      // Each partition ends with exactly one v2 materialization.
      expect(made.filter((m) => m.code_version === codeOf['v2']).map((m) => m.partition_key).sort()).toEqual(Array.from({ length: DAYS }, (_, i) => `2024-01-0${i + 1}`));
    } finally {
      await temporal.client.workflow.getHandle('weft/reconcile/rolling').terminate('test over').catch(() => {});
      await old?.shutdown();
      await next?.shutdown();
      for (const c of connections) await c.close();
      await pool.end();
    }
  }, 240_000);
});
