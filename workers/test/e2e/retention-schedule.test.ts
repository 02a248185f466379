import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asset } from '@weft/core';
import { pgDatabase, ProvenanceStore, type MaterializationRecord } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { retentionScheduleId, startWeftWorker, type WeftWorker } from '../../src/index.js';

const db = useTestDatabase();
const temporal = useTemporal();
const objects = mkdtempSync(join(tmpdir(), 'weft-retention-'));
afterAll(() => rmSync(objects, { recursive: true, force: true }));

const DAY = 86_400_000;
const LOCATION = 'retention-e2e';

function record(partitionKey: string, tag: string, finishedAt: number): MaterializationRecord {
  const hex = (s: string): string => Buffer.from(s.padEnd(32, '.')).toString('hex').slice(0, 64);
  return { token: hex(`t${partitionKey}${tag}`), assetKey: 'd', partitionKey, codeVersion: 'v1', dataVersion: hex(`d${partitionKey}${tag}`), finishedAt, inputsAsOf: 0, inputs: [] };
}

describe('retention on a schedule (weft.config retention)', () => {
  it('prunes through a Temporal schedule of the location, writes the audit log, and updates the schedule on restart', async () => {
    const pool = db.pool({ max: 4 });
    const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), LOCATION);
    const old = Date.now() - 10 * DAY;
    // Two partitions recomputed twice, long ago: the first versions are superseded.
    await store.recordMaterializations([record('p1', 'v1', old), record('p2', 'v1', old)]);
    const { events } = await store.recordMaterializations([record('p1', 'v2', old + 1000), record('p2', 'v2', old + 1000)]);
    await store.db.query('INSERT INTO weft_planner_cursors (location, cursor) VALUES ($1, $2)', [LOCATION, events.at(-1)?.seq]);
    const start = async (everyMs: number): Promise<WeftWorker> =>
      startWeftWorker({
        definitions: [asset({ key: 'answer', version: 'v1', compute: () => 42 })],
        location: LOCATION,
        store,
        storage: fsStorage({ root: objects }),
        connection: await temporal.nativeConnection(),
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        workflowBundle: temporal.workflowBundle,
        startReconciler: false,
        scheduleSources: false,
        retention: { policy: { detailOlderThanMs: DAY, eventsOlderThanMs: DAY }, everyMs },
      });
    const schedule = temporal.client.schedule.getHandle(retentionScheduleId(LOCATION));
    let worker = await start(1000);
    try {
      const every = async (): Promise<number> => Number((await schedule.describe()).spec.intervals?.[0]?.every);
      expect(await every()).toBe(1000);
      const deadline = Date.now() + 60_000;
      let left: string[] = [];
      while (Date.now() < deadline) {
        left = (await store.db.query<{ token: string }>('SELECT token FROM weft_materializations ORDER BY id')).map((r) => r.token);
        if (left.length === 2) break;
        await sleep(250);
      }
      expect(left).toEqual([record('p1', 'v2', 0).token, record('p2', 'v2', 0).token]);
      const audit = await store.db.query<{ actor: string; action: string; details: { policy: unknown; result: { materializations: number } } }>(
        "SELECT actor, action, details FROM weft_audit_log WHERE action = 'retention.prune' ORDER BY id",
      );
      expect(audit[0]?.actor).toBe(`weft/retention/${LOCATION}`);
      expect(audit[0]?.details.policy).toEqual({ detailOlderThanMs: DAY, eventsOlderThanMs: DAY });
      expect(audit.map((a) => a.details.result.materializations).reduce((a, b) => a + b, 0)).toBe(2);

      // A restart with another interval updates the schedule in place.
      await worker.shutdown();
      worker = await start(7_200_000);
      expect(await every()).toBe(7_200_000);
    } finally {
      await schedule.delete().catch(() => {});
      await worker.shutdown();
      await pool.end();
    }
  }, 120_000);
});
