import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { startTemporal, type TemporalServer } from '@weft/services';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import getPort from 'get-port';
import { afterAll, describe, expect, it } from 'vitest';
import { committedSet, inFlight } from './committed-set.js';
import { slowDailyAsset } from './slow-asset.js';
import { connectTemporal, startWeftWorker, WeftClient, type WeftWorker } from '../../src/index.js';

const db = useTestDatabase();
const harness = useTemporal();
const dir = mkdtempSync(join(tmpdir(), 'weft-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAYS = 8;

describe('a backfill across a Temporal server restart', () => {
  it('survives the server and the worker going down, and finishes exactly once', async () => {
    const pool = db.pool({ max: 4 });
    const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), 'restart');
    await migrate(store.db);
    const slow = slowDailyAsset(300);
    const port = await getPort({ host: '127.0.0.1' });
    const dbFilename = join(dir, 'temporal.db');
    const now = Date.parse('2024-01-09T00:00:00Z');
    let server: TemporalServer | undefined;
    let worker: WeftWorker | undefined;
    let conn: Awaited<ReturnType<typeof connectTemporal>> | undefined;
    const up = async (): Promise<WeftClient> => {
      server = await startTemporal({ dbFilename, port, existingAddress: '' });
      conn = await connectTemporal({ address: server.address, namespace: server.namespace });
      worker = await startWeftWorker({
        definitions: [slow],
        location: 'restart',
        store,
        storage: fsStorage({ root: join(dir, 'objects') }),
        connection: conn.native,
        client: conn.client,
        taskQueue: 'weft-restart',
        workflowBundle: harness.workflowBundle,
        heartbeatTimeoutMs: 3000,
        now: () => now,
      });
      return new WeftClient({ store, client: conn.client, location: 'restart', taskQueue: 'weft-restart' });
    };
    const down = async (): Promise<void> => {
      await worker?.shutdown();
      await conn?.close();
      await server?.stop();
    };
    const made = async (): Promise<number> => Number((await store.db.query<{ n: string }>("SELECT count(*) AS n FROM weft_materializations WHERE asset_key = 'slow'"))[0]?.n ?? 0);
    try {
      const weft = await up();
      await weft.request({ id: 'backfill-1', action: 'backfill', assetKey: 'slow', partitionKeys: null, priority: 5 });
      const deadline = Date.now() + 60_000;
      while ((await made()) < 2 && Date.now() < deadline) await sleep(50);
      const before = await made();
      expect(before).toBeGreaterThanOrEqual(2);
      expect(before).toBeLessThan(DAYS);
      // The server and the worker go away mid-backfill, then come back (state in the same file).
      await down();
      // What was running when everything went down is all that may run again (attempt > 1).
      const interrupted = await inFlight(store);
      await up();
      const settle = Date.now() + 120_000;
      while (Date.now() < settle && (await store.request('backfill-1'))?.status !== 'done') await sleep(200);
      expect(await store.request('backfill-1')).toMatchObject({ status: 'done', total: DAYS });
      // Exactly the expected set: each day once, current, with the token a planner rebuilt from the
      // store computes again; a recomputation of a partition would be a second row of it.
      await sleep(500);
      const { tokensRecomputed, retried, ...problems } = await committedSet(store, [slow], { slow: Array.from({ length: DAYS }, (_, d) => `2024-01-0${d + 1}`) }, now);
      expect(problems).toEqual({ missing: [], unexpected: [], duplicated: [], notCurrent: [], runningMarkers: [], wanted: [], badAttempts: [] });
      expect(tokensRecomputed).toBeGreaterThanOrEqual(DAYS);
      expect(retried.filter((p) => !interrupted.has(p))).toEqual([]);
      expect(interrupted.size).toBeLessThanOrEqual(1); // (concurrency 1)
    } finally {
      await conn?.client.workflow.getHandle('weft/reconcile/restart').terminate('test over').catch(() => {});
      await down().catch(() => {});
      await pool.end();
    }
  }, 240_000);
});
