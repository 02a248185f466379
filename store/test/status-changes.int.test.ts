/**
 * Status codes read with their snapshot, and the rows changed since (both drivers): exactly the
 * rows written after the read or by a transaction still open when it was taken, however the
 * writers' counters compare; the partitions a definition gained read whole; past a limit, none.
 */
import { daily, PARTITION_STATUSES, staticPartitions, type PartitionContext } from '@weft/core';
import { useTestDatabase } from '@weft/services/harness';
import { describe, expect, it } from 'vitest';
import { pgDatabase, pgliteDatabase, ProvenanceStore, type SqlDatabase, type StatusChanges } from '../src/index.js';
import { contextAt, jan, mat, resetStoreTables, sha, storeGraph, useMigratedPGlite } from './fixtures.js';

const database = useTestDatabase();
const pglite = useMigratedPGlite();

const days = daily({ start: '2024-01-01' });
const JAN_11 = Date.parse('2024-01-11T00:00:00Z');
const ctx: PartitionContext = contextAt(JAN_11); // 2024-01-01 … 2024-01-10
const code = (status: (typeof PARTITION_STATUSES)[number]) => PARTITION_STATUSES.indexOf(status);
/** Changes as `key → status`, for readable expectations. */
function named(changes: StatusChanges | undefined, at: PartitionContext = ctx): Record<string, string> | undefined {
  if (!changes) return undefined;
  return Object.fromEntries([...changes.indices].map((i, n) => [days.keyAt(i, at), PARTITION_STATUSES[changes.codes[n] as number] as string]));
}
const failure = (partitionKey: string, tag: string) => ({ token: sha(`${tag}:${partitionKey}`), assetKey: 'd', partitionKey, attempt: 1, failureClass: 'actionable' as const, fingerprint: 'fp', message: 'boom', retryAt: null, finishedAt: JAN_11 });

const drivers: Array<[string, () => Promise<SqlDatabase>]> = [
  ['PostgreSQL', async () => pgDatabase(database.pool({ max: 4 }))],
  ['PGlite', async () => pgliteDatabase(pglite.get(), { ownsDb: false })],
];

for (const [driver, open] of drivers) {
  describe(`status changes on ${driver}`, () => {
    it('are the rows written since the read, whatever their event ids say; new partitions whole; none past the limit', async () => {
      const db = await open();
      try {
        await resetStoreTables(db);
        const store = new ProvenanceStore(db);
        await store.recordMaterializations([mat('d', jan(1)), mat('d', jan(2)), mat('d', jan(3))]);
        const first = await store.statusCodesRead([{ assetKey: 'd', def: days }], ctx);
        expect([...(first.codes.get('d') ?? [])]).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1].map((f) => (f ? code('missing') : code('fresh'))));
        expect(first.snapshot).toMatch(/^\d+:\d+:/);
        const ask = { assetKey: 'd', def: days, since: first.snapshot };
        expect(named((await store.statusChangesSince([ask], ctx, 100)).changes.get('d'))).toEqual({});

        // A plan stamps its rows with its cursor (0 here), below every event the read saw: still changes.
        await store.savePlan({ cursor: 0, deferred: 0, wakeAt: null, ignored: [], reloadRequired: false, batches: [], changes: [{ assetKey: 'd', status: 'stale', ranges: [[4, 6]] }] }, storeGraph(), ctx);
        await store.recordFailures([failure(jan(2), 'a')]);
        const second = await store.statusChangesSince([ask], ctx, 100);
        expect(named(second.changes.get('d'))).toEqual({ [jan(5)]: 'stale', [jan(6)]: 'stale', [jan(2)]: 'failed' });
        // From the second read's snapshot on, nothing new.
        expect(named((await store.statusChangesSince([{ ...ask, since: second.snapshot }], ctx, 100)).changes.get('d'))).toEqual({});

        // Two days later, two more partitions: jan 11 has a row (written early), jan 12 none; both are read.
        await store.recordFailures([failure('2024-01-11', 'early')]);
        const later = contextAt(JAN_11 + 2 * 86_400_000);
        const grown = await store.statusChangesSince([{ ...ask, since: second.snapshot, fromIndex: 10 }], later, 100);
        expect(named(grown.changes.get('d'), later)).toEqual({ '2024-01-11': 'failed' });

        // More rows of the location changed than the limit: no answer (the caller reads whole). Four
        // rows changed since the first read (jan 11's among them, outside the ten days), and one
        // of another asset, which counts too (the location's rows are gone through, not the asset's).
        await store.recordFailures([{ ...failure(jan(1), 'other'), assetKey: 'other' }]);
        expect((await store.statusChangesSince([ask], ctx, 4)).changes.get('d')).toBeUndefined();
        expect(named((await store.statusChangesSince([ask], ctx, 5)).changes.get('d'))).toEqual({ [jan(5)]: 'stale', [jan(6)]: 'stale', [jan(2)]: 'failed' });
        // Two assets asked at once, each from its own snapshot.
        const both = await store.statusChangesSince([ask, { assetKey: 'other', def: days, since: second.snapshot }], ctx, 100);
        expect(named(both.changes.get('d'))).toEqual({ [jan(5)]: 'stale', [jan(6)]: 'stale', [jan(2)]: 'failed' });
        expect(named(both.changes.get('other'))).toEqual({ [jan(1)]: 'failed' });
      } finally {
        await db.close();
      }
    });
  });
}

// Transactions that overlap the read need two connections (PGlite has one).
describe('status changes beside concurrent writers on PostgreSQL', () => {
  it('include a write still open when the read was taken (once it commits), and not one rolled back', async () => {
    const db = pgDatabase(database.pool({ max: 4 }));
    try {
      await resetStoreTables(db);
      const store = new ProvenanceStore(db);
      await store.recordMaterializations([mat('d', jan(1)), mat('d', jan(2)), mat('d', jan(3))]);
      let release = (): void => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let wrote = (): void => {};
      const written = new Promise<void>((resolve) => (wrote = resolve));
      // Opened before the read: it writes jan 1, the read runs, then it commits.
      const open = db.transaction(async (tx) => {
        await tx.query("UPDATE weft_partition_state SET status = 'failed', changed_xid = pg_current_xact_id() WHERE asset_key = 'd' AND partition_key = $1", [jan(1)]);
        wrote();
        await held;
      });
      await written;
      // And one that writes jan 3 and rolls back.
      await db
        .transaction(async (tx) => {
          await tx.query("UPDATE weft_partition_state SET status = 'blocked', changed_xid = pg_current_xact_id() WHERE asset_key = 'd' AND partition_key = $1", [jan(3)]);
          throw new Error('rolled back');
        })
        .catch(() => {});
      const read = await store.statusCodesRead([{ assetKey: 'd', def: days }], ctx);
      expect(read.codes.get('d')?.[0]).toBe(code('fresh')); // not committed yet
      const ask = { assetKey: 'd', def: days, since: read.snapshot };
      expect(named((await store.statusChangesSince([ask], ctx, 100)).changes.get('d'))).toEqual({});
      release();
      await open;
      expect(named((await store.statusChangesSince([ask], ctx, 100)).changes.get('d'))).toEqual({ [jan(1)]: 'failed' });
    } finally {
      await db.close();
    }
  });
});

/** Rows the scans of `table` in an EXPLAIN (ANALYZE, FORMAT JSON) plan read (kept or filtered out). */
function rowsRead(plan: Record<string, unknown>, table: string): number {
  let n = 0;
  const walk = (node: Record<string, unknown>): void => {
    if (node['Relation Name'] === table) n += (Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0)) * Number(node['Actual Loops']);
    for (const child of (node['Plans'] as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  walk(plan);
  return n;
}

describe('status changes on PostgreSQL in a location of many assets', () => {
  it('read the changed rows through the changed_xid index, not every row of the asset', async () => {
    const db = pgDatabase(database.pool({ max: 4 }));
    try {
      await resetStoreTables(db);
      // Ten assets of 3,000 rows: by the key's statistics, one asset's rows (3,000) look fewer than
      // a default third of the location's (10,000) unless the plan sees where the range starts.
      await db.query(
        `INSERT INTO weft_partition_state (location, asset_key, partition_key, status)
         SELECT 'default', 'asset_' || a, 'p' || lpad(i::text, 5, '0'), 'fresh' FROM generate_series(0, 9) AS a, generate_series(1, 3000) AS i`,
      );
      await db.query('ANALYZE weft_partition_state');
      const store = new ProvenanceStore(db);
      const keys = staticPartitions(Array.from({ length: 3000 }, (_, i) => `p${String(i + 1).padStart(5, '0')}`));
      const read = await store.statusCodesRead([{ assetKey: 'asset_3', def: keys }], ctx);
      await store.recordFailures(['p00007', 'p01234', 'p02999'].map((k) => ({ ...failure(k, 'many'), assetKey: 'asset_3' })));
      let plan: Record<string, unknown> | undefined;
      const explaining = {
        ...db,
        query: async <T>(text: string, params?: readonly unknown[]): Promise<T[]> => {
          if (text.includes('changed_xid >=')) {
            const [row] = await db.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params);
            plan = row?.['QUERY PLAN'][0]?.Plan;
          }
          return db.query<T>(text, params);
        },
      };
      const changes = await new ProvenanceStore(explaining).statusChangesSince([{ assetKey: 'asset_3', def: keys, since: read.snapshot }], ctx, 100);
      expect([...(changes.changes.get('asset_3')?.indices ?? [])].sort((a, b) => a - b)).toEqual([6, 1233, 2998]);
      expect(plan).toBeDefined();
      expect(rowsRead(plan as Record<string, unknown>, 'weft_partition_state')).toBeLessThanOrEqual(10);

      // A transaction in progress when the read was taken (of another location; one that started
      // after it committed first, so it is below the snapshot's xmax, in its xip list): its id is
      // looked up too, through the same index.
      let release = (): void => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let wrote = (): void => {};
      const written = new Promise<void>((resolve) => (wrote = resolve));
      const open = db.transaction(async (tx) => {
        await tx.query("INSERT INTO weft_partition_state (location, asset_key, partition_key, status) VALUES ('elsewhere', 'x', 'p', 'fresh')");
        wrote();
        await held;
      });
      try {
        await written;
        await store.recordFailures([{ ...failure('p00009', 'before'), assetKey: 'asset_3' }]);
        const during = await store.statusCodesRead([{ assetKey: 'asset_3', def: keys }], ctx);
        expect(during.snapshot).toMatch(/^\d+:\d+:\d/);
        await store.recordFailures([{ ...failure('p00008', 'during'), assetKey: 'asset_3' }]);
        release();
        await open;
        const after = await new ProvenanceStore(explaining).statusChangesSince([{ assetKey: 'asset_3', def: keys, since: during.snapshot }], ctx, 100);
        expect([...(after.changes.get('asset_3')?.indices ?? [])]).toEqual([7]);
        expect(rowsRead(plan as Record<string, unknown>, 'weft_partition_state')).toBeLessThanOrEqual(10);
      } finally {
        release();
        await open;
      }
    } finally {
      await db.close();
    }
  });
});
