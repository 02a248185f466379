import { setTimeout as sleep } from 'node:timers/promises';
import { asset } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reconcileWorkflowId, startWeftWorker, type ReconcileView } from '../../src/index.js';

const db = useTestDatabase();
const temporal = useTemporal();
const objects = mkdtempSync(join(tmpdir(), 'weft-history-'));
afterAll(() => rmSync(objects, { recursive: true, force: true }));

describe('the reconcile loop over thousands of ticks', () => {
  it('continues as new so its history stays bounded', async () => {
    const pool = db.pool({ max: 4 });
    const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), 'history');
    await migrate(store.db);
    const answer = asset({ key: 'answer', version: 'v1', compute: () => 42 });
    const worker = await startWeftWorker({
      definitions: [answer],
      location: 'history',
      store,
      storage: fsStorage({ root: objects }),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: temporal.taskQueue,
      workflowBundle: temporal.workflowBundle,
      startReconciler: false,
      scheduleSources: false,
    });
    const handle = await temporal.client.workflow.start('reconcile', {
      taskQueue: temporal.taskQueue,
      workflowId: reconcileWorkflowId('history'),
      // Plan again at once after each pass (no timer): ticks as fast as the plan activity runs.
      args: [{ location: 'history', maxSleepMs: 0 }],
    });
    try {
      let view: ReconcileView | undefined;
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline) {
        view = await handle.query<ReconcileView>('view').catch(() => view);
        if ((view?.ticks ?? 0) >= 1000) break;
        await sleep(500);
      }
      expect(view?.ticks).toBeGreaterThanOrEqual(1000);
      // Thousands of ticks, yet the current run's history is a few dozen events (continued as new).
      const description = await temporal.client.workflow.getHandle(reconcileWorkflowId('history')).describe();
      expect(description.historyLength).toBeLessThan(200);
      expect(description.status.name).toBe('RUNNING');
      // It did its job along the way.
      expect((await store.partitions('answer'))[0]?.status).toBe('fresh');
    } finally {
      await temporal.client.workflow.getHandle(reconcileWorkflowId('history')).terminate('test over').catch(() => {});
      await worker.shutdown();
      await pool.end();
    }
  }, 300_000);
});
