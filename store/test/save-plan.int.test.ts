import { PGlite } from '@electric-sql/pglite';
import { useTestDatabase } from '@weft/services/harness';
import { asset, hourly, loadDefinitions, source, type AssetGraph, type PlannedBatch, type PlanResult, type StateChange } from '@weft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, pgDatabase, pgliteDatabase, ProvenanceStore, type SqlDatabase } from '../src/index.js';
import { contextAt, resetStoreTables, sha, tableDigest } from './fixtures.js';

/**
 * `savePlan` writes a plan of up to 10,000 partitions in one statement (status changes, started
 * partitions with and without a status change, the cursor), and larger plans as such statements in
 * one transaction. Each kind of row must end as the rules say, on both drivers.
 */
const START = Date.parse('2024-01-01T00:00:00Z');
const HOUR = 3_600_000;
const CTX = contextAt(START + 40_000 * HOUR);
const codec = { name: 'n', encode: (n: number) => new TextEncoder().encode(String(n)), decode: (b: Uint8Array) => Number(new TextDecoder().decode(b)) };
const raw = source<number>({ key: 'raw', partitions: hourly({ start: '2024-01-01T00:00' }), codec });
const graph: AssetGraph = loadDefinitions([raw, asset({ key: 'clean', partitions: hourly({ start: '2024-01-01T00:00' }), inputs: { raw }, codec, compute: ({ raw: r }) => r })]);
const keyOf = (i: number): string => graph.node('clean').partitions.keyAt(i, CTX);

function plan(cursor: number, changes: StateChange[], batches: PlannedBatch[]): PlanResult {
  return { cursor, changes, batches, deferred: 0, wakeAt: null, ignored: [], reloadRequired: false };
}
function batch(id: string, inputsAsOf: number, indexes: readonly number[]): PlannedBatch {
  return { id, assetKey: 'clean', computeProvider: 'default', codeVersion: 'v1', inputsAsOf, priority: 0, requestIds: [], partitions: indexes.map((i) => ({ partitionKey: keyOf(i), token: sha(`${id}/${i}`), inputs: [] })) };
}

interface Row {
  status: string;
  reasons: unknown;
  running_token: string | null;
  running_batch: string | null;
  planned_seq: string;
  updated_event_id: string;
}
const rowOf = async (db: SqlDatabase, i: number): Promise<Row | undefined> =>
  (await db.query<Row>("SELECT status, reasons, running_token, running_batch, planned_seq::text, updated_event_id::text FROM weft_partition_state WHERE asset_key = 'clean' AND partition_key = $1", [keyOf(i)]))[0];
const cursorOf = async (db: SqlDatabase): Promise<number | undefined> => {
  const [row] = await db.query<{ cursor: string }>("SELECT cursor FROM weft_planner_cursors WHERE location = 'default'");
  return row ? Number(row.cursor) : undefined;
};

function describeSavePlan(driver: string, fresh: () => Promise<SqlDatabase>): void {
  describe(`savePlan on ${driver}`, () => {
    it('one statement: each kind of row ends as the rules say', async () => {
      const db = await fresh();
      try {
        // Existing rows: 0, 1, 3, 4, 6 (1 and 4 written by a recording newer than the plan).
        for (const [i, updated, planned] of [[0, 5, -1], [1, 20, -1], [3, 5, -1], [4, 20, 3], [6, 5, 50]] as const) {
          await db.query("INSERT INTO weft_partition_state (asset_key, partition_key, status, reasons, updated_event_id, planned_seq) VALUES ('clean', $1, 'fresh', '[\"before\"]', $2, $3)", [keyOf(i), updated, planned]);
        }
        const started = batch('b1', 9, [3, 4, 5, 6]);
        const changes: StateChange[] = [
          { assetKey: 'clean', status: 'stale', ranges: [[0, 2]] },
          { assetKey: 'clean', status: 'missing', ranges: [[2, 3]] },
          // 3 and 4 started with a status change; 5 and 6 started without one.
          { assetKey: 'clean', status: 'running', ranges: [[3, 5]] },
        ];
        const store = new ProvenanceStore(db);
        await store.savePlan(plan(10, changes, [started]), graph, CTX, (_, key) => [{ kind: 'upstream_changed', assetKey: 'raw', input: 'raw', partitions: [key], more: 0 }]);
        const token = (i: number): string => sha(`b1/${i}`);
        const reasonsOf = (i: number): unknown => [{ kind: 'upstream_changed', assetKey: 'raw', input: 'raw', partitions: [keyOf(i)], more: 0 }];
        const cases: Array<[number, Partial<Row>]> = [
          [0, { status: 'stale', reasons: reasonsOf(0), running_token: null, updated_event_id: '10' }],
          // Newer than the plan: left alone.
          [1, { status: 'fresh', reasons: ['before'], updated_event_id: '20' }],
          [2, { status: 'missing', reasons: reasonsOf(2), updated_event_id: '10', planned_seq: '-1' }],
          [3, { status: 'running', reasons: reasonsOf(3), running_token: token(3), running_batch: 'b1', planned_seq: '9', updated_event_id: '10' }],
          // Started, but its row is newer than the plan: marked running, its reasons and event id kept.
          [4, { status: 'running', reasons: ['before'], running_token: token(4), running_batch: 'b1', planned_seq: '9', updated_event_id: '20' }],
          // Started without a status change: a new row names the plan's inputs as its event.
          [5, { status: 'running', reasons: null, running_token: token(5), running_batch: 'b1', planned_seq: '9', updated_event_id: '9' }],
          // A later plan had wanted it already: its planned_seq is kept.
          [6, { status: 'running', reasons: ['before'], running_token: token(6), planned_seq: '50', updated_event_id: '5' }],
        ];
        for (const [i, expected] of cases) expect(await rowOf(db, i), `partition ${i}`).toMatchObject(expected);
        expect(await cursorOf(db)).toBe(10);
        // An empty plan saves the cursor alone; an older one never moves it back.
        await store.savePlan(plan(12, [], []), graph, CTX);
        expect(await cursorOf(db)).toBe(12);
        await store.savePlan(plan(11, [], []), graph, CTX);
        expect(await cursorOf(db)).toBe(12);
        expect(await rowOf(db, 5)).toMatchObject({ status: 'running', running_token: token(5) });
      } finally {
        await db.close();
      }
    });

    it('a plan of more than 10,000 partitions: every row, the cursor once, all or nothing', async () => {
      const db = await fresh();
      try {
        const store = new ProvenanceStore(db);
        const startedIdx = Array.from({ length: 12_000 }, (_, k) => 20_000 + k);
        const big = plan(
          30,
          [
            { assetKey: 'clean', status: 'stale', ranges: [[0, 20_000]] },
            { assetKey: 'clean', status: 'running', ranges: [[20_000, 26_000]] },
          ],
          [batch('b2', 29, startedIdx)],
        );
        // A connection lost at the third statement: nothing of the plan is kept.
        const before = await tableDigest(db);
        let statements = 0;
        const failing: SqlDatabase = {
          ...db,
          transaction: (fn) =>
            db.transaction((tx) =>
              fn({
                ...tx,
                query: async <T>(text: string, params?: readonly unknown[]) => {
                  if (++statements === 3) throw new Error('connection lost');
                  return tx.query<T>(text, params);
                },
              }),
            ),
        };
        await expect(new ProvenanceStore(failing).savePlan(big, graph, CTX)).rejects.toThrow('connection lost');
        expect(await tableDigest(db)).toEqual(before);

        await store.savePlan(big, graph, CTX);
        const counts = await db.query<{ status: string; n: string; marked: string; updated: string }>(
          "SELECT status, count(*) AS n, count(running_token) AS marked, min(updated_event_id)::text AS updated FROM weft_partition_state WHERE asset_key = 'clean' GROUP BY status ORDER BY status",
        );
        expect(counts.map((c) => ({ ...c, n: Number(c.n), marked: Number(c.marked) }))).toEqual([
          { status: 'running', n: 12_000, marked: 12_000, updated: '29' },
          { status: 'stale', n: 20_000, marked: 0, updated: '30' },
        ]);
        expect(await rowOf(db, 25_999)).toMatchObject({ updated_event_id: '30', planned_seq: '29' });
        expect(await rowOf(db, 31_999)).toMatchObject({ updated_event_id: '29', running_token: sha('b2/31999') });
        expect(await cursorOf(db)).toBe(30);
      } finally {
        await db.close();
      }
    }, 120_000);
  });
}

const database = useTestDatabase();
describeSavePlan('PostgreSQL', async () => {
  const db = pgDatabase(database.pool({ max: 4 }));
  await resetStoreTables(db);
  return db;
});

const pglites: PGlite[] = [];
afterAll(async () => {
  for (const p of pglites) await p.close();
});
describeSavePlan('PGlite', async () => {
  const pglite = await PGlite.create();
  pglites.push(pglite);
  const db = pgliteDatabase(pglite, { ownsDb: false });
  await migrate(db);
  return db;
});
