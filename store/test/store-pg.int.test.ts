import { createHash } from 'node:crypto';
import { useTestDatabase } from '@weft/services/harness';
import { describe, expect, it } from 'vitest';
import { pgDatabase, ProvenanceStore, type SqlDatabase } from '../src/index.js';
import { UPSTREAM_IDS_SQL } from '../src/materialization-writer.js';
import { CURRENT_VALUES_SQL } from '../src/queries.js';
import { DAY, jan, mat, NOW, readOne, resetStoreTables } from './fixtures.js';
import { describeExplorer } from './explorer-suite.js';
import { describeLogs } from './logs-suite.js';
import { describeRangeLineage } from './range-lineage-suite.js';
import { describeStore } from './store-suite.js';

const database = useTestDatabase();

// The file's database is a copy of the migrated template; each test starts from empty tables on
// its own pool (ended by `close()` after the test).
const freshDatabase = async (): Promise<SqlDatabase> => {
  const db = pgDatabase(database.pool({ max: 6 }));
  await resetStoreTables(db);
  return db;
};
describeStore('PostgreSQL', freshDatabase);
describeExplorer('PostgreSQL', freshDatabase);
describeLogs('PostgreSQL', freshDatabase);
describeRangeLineage('PostgreSQL', freshDatabase);

/**
 * Runs `statement` in a transaction on `db` and keeps the transaction open until `release()`;
 * resolves once the statement has run.
 */
async function holdOpen(db: SqlDatabase, statement: string): Promise<{ release(): void; done: Promise<void> }> {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let ran = (): void => {};
  const ranYet = new Promise<void>((resolve) => (ran = resolve));
  const done = db.transaction(async (tx) => {
    await tx.query(statement);
    ran();
    await held;
  });
  await Promise.race([ranYet, done]);
  return { release, done };
}

// Races that need two connections (PGlite has one).
describe('recording beside concurrent writers on PostgreSQL', () => {
  it('a partition-state row inserted by a plan while a recording looks for it: the recording retries and updates it', async () => {
    const db = pgDatabase(database.pool({ max: 4 }));
    try {
      await resetStoreTables(db);
      const store = new ProvenanceStore(db);
      // A plan's transaction inserts the row and stays open: the recording's MERGE finds no row in
      // its snapshot, its insert waits on the uncommitted key, and fails once the plan commits.
      // (The plan runs the token the recording commits: the recording clears that marker.)
      const record = mat('raced', 'p1');
      const planning = await holdOpen(db, `INSERT INTO weft_partition_state (asset_key, partition_key, status, running_token, updated_event_id) VALUES ('raced', 'p1', 'running', '${record.token}', 0)`);
      const recording = store.recordMaterializations([record, mat('raced', 'p2')]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      planning.release();
      await planning.done;
      const result = await recording;
      expect(result.committed).toEqual([record.token, mat('raced', 'p2').token]);
      const rows = await store.partitions('raced');
      expect(rows.map((r) => [r.partitionKey, r.status, r.token])).toEqual([
        ['p1', 'fresh', record.token],
        ['p2', 'fresh', mat('raced', 'p2').token],
      ]);
      const [running] = await db.query<{ running_token: string | null }>("SELECT running_token FROM weft_partition_state WHERE asset_key = 'raced' AND partition_key = 'p1'");
      expect(running?.running_token).toBeNull();
      expect((await store.eventsSince(0)).map((e) => (e as { token?: string }).token)).toEqual(result.committed);
    } finally {
      await db.close();
    }
  });

  it('a COPY the server refuses before it starts (lock timeout) fails the recording at once and leaves the pool usable', async () => {
    const db = pgDatabase(database.pool({ max: 2, lock_timeout: 300 }));
    const locker = pgDatabase(database.pool({ max: 1 }));
    let holding: Awaited<ReturnType<typeof holdOpen>> | undefined;
    try {
      await resetStoreTables(db);
      const store = new ProvenanceStore(db);
      holding = await holdOpen(locker, 'LOCK TABLE weft_materializations IN ACCESS EXCLUSIVE MODE');
      // Many chunks: the feeding loop is waiting for the socket when the refusal arrives.
      const records = Array.from({ length: 3000 }, (_, i) => mat('locked', `p${i}`));
      await expect(store.recordMaterializations(records)).rejects.toMatchObject({ code: '55P03' });
      holding.release();
      await holding.done;
      expect(await store.eventsSince(0)).toEqual([]);
      const again = await store.recordMaterializations(records);
      expect(again.committed).toHaveLength(3000);
      expect(await db.query('SELECT count(*)::int AS n FROM weft_materializations')).toEqual([{ n: 3000 }]);
    } finally {
      holding?.release();
      await locker.close();
      await db.close();
    }
  }, 20_000);
});


describe('retention beside concurrent recordings on PostgreSQL', () => {
  it('a recording that commits while a prune is sweeping keeps its rows and its edges', async () => {
    const pool = database.pool({ max: 4 });
    const db = pgDatabase(pool);
    try {
      await resetStoreTables(db);
      const store = new ProvenanceStore(db);
      const OLD = NOW - 10 * DAY;
      // d/jan1 v1 is old and superseded long ago by v2 (current); e/jan1, computed from v2, records
      // while the prune sweeps. d/jan2 has an old superseded version too.
      const v1 = mat('d', jan(1), { tag: 'v1', finishedAt: OLD });
      const v2 = mat('d', jan(1), { tag: 'v2', finishedAt: OLD + 1000 });
      await store.recordMaterializations([v1]);
      await store.recordMaterializations([v2]);
      const late = mat('e', jan(1), { tag: 'late', finishedAt: OLD + 2000, inputs: [readOne('day', v2)] });
      const stale = mat('d', jan(2), { tag: 'stale', finishedAt: OLD });
      await store.recordMaterializations([stale, mat('d', jan(2), { tag: 'now', finishedAt: OLD + 1000 })]);
      const last = (await store.eventsSince(0)).at(-1)?.seq as number;
      await db.query("INSERT INTO weft_planner_cursors (location, cursor) VALUES ('default', $1)", [last + 100]);

      // The prune's connection runs a recording on another connection right after it has taken
      // the materializations it keeps: that recording commits between two of the prune's statements.
      let injected = false;
      const sweeping: SqlDatabase = {
        ...db,
        transaction: (fn) =>
          db.transaction((tx) =>
            fn({
              copy: (table, columns, lines) => tx.copy(table, columns, lines),
              execute: (text, params) => tx.execute(text, params),
              query: async <T>(text: string, params?: readonly unknown[]) => {
                const rows = await tx.query<T>(text, params);
                if (!injected && text.includes('INSERT INTO weft_prune_kept')) {
                  injected = true;
                  await store.recordMaterializations([late]);
                }
                return rows;
              },
            }),
          ),
      };
      const pruned = await new ProvenanceStore(sweeping).prune({ detailOlderThanMs: DAY }, NOW);
      expect(injected).toBe(true);
      // The late recording and d/jan1 v2 (which it read) stay; both superseded old versions go.
      const left = (await db.query<{ token: string }>('SELECT token FROM weft_materializations ORDER BY id')).map((r) => r.token);
      expect(left).toContain(late.token);
      expect(left).toContain(v2.token);
      expect(left).not.toContain(v1.token);
      expect(left).not.toContain(stale.token);
      expect(pruned.materializations).toBe(2);
      const [edge] = await db.query<{ upstream_materialization_id: string | null }>(
        'SELECT e.upstream_materialization_id FROM weft_input_edges e JOIN weft_materializations m ON m.id = e.materialization_id WHERE m.token = $1',
        [late.token],
      );
      const [upstream] = await db.query<{ token: string }>('SELECT token FROM weft_materializations WHERE id = $1', [edge?.upstream_materialization_id]);
      expect(upstream?.token).toBe(v2.token);
    } finally {
      await db.close();
    }
  });
});

/** The nodes of an EXPLAIN (ANALYZE, FORMAT JSON) plan that read `table`, with what they read. */
function scansOf(plan: Record<string, unknown>, table: string): Array<{ node: string; rows: number; removed: number }> {
  const found: Array<{ node: string; rows: number; removed: number }> = [];
  const walk = (node: Record<string, unknown>): void => {
    if (node['Relation Name'] === table) found.push({ node: String(node['Node Type']), rows: Number(node['Actual Rows']) * Number(node['Actual Loops']), removed: Number(node['Rows Removed by Filter'] ?? 0) });
    for (const child of (node['Plans'] as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  walk(plan);
  return found;
}

/**
 * Empties the store's tables, takes their statistics (empty) and turns autovacuum off, then writes
 * 20,000 materializations and state rows of asset `grown` (`p000001`…): statistics that lag far
 * behind the tables, as in a first backfill.
 */
async function growUnseen(db: SqlDatabase): Promise<void> {
  await resetStoreTables(db);
  for (const table of ['weft_partition_state', 'weft_materializations']) {
    await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await db.query(`ANALYZE ${table}`);
  }
  // 20,000 partitions recorded after the statistics were taken (they still say: empty).
  await db.query(
    `INSERT INTO weft_materializations (id, token, asset_key, partition_key, code_version, data_version, storage_uri, inputs_as_of)
     SELECT i, 'tok-' || i, 'grown', 'p' || lpad(i::text, 6, '0'), 'v1', md5(i::text), 'file:///objects/' || i, 0 FROM generate_series(1, 20000) AS i`,
  );
  await db.query("SELECT setval('weft_materializations_id_seq', 20000)");
  await db.query(
    `INSERT INTO weft_partition_state (location, asset_key, partition_key, status, materialization_id, token, data_version, code_version)
     SELECT 'default', 'grown', 'p' || lpad(i::text, 6, '0'), 'fresh', i, 'tok-' || i, md5(i::text), 'v1' FROM generate_series(1, 20000) AS i`,
  );
  const [stats] = await db.query<{ reltuples: number }>("SELECT reltuples FROM pg_class WHERE relname = 'weft_partition_state' AND relnamespace = to_regnamespace(current_schema())");
  expect(Number(stats?.reltuples), 'the statistics still say the table is empty').toBeLessThanOrEqual(0);
}

async function restoreAutovacuum(db: SqlDatabase): Promise<void> {
  for (const table of ['weft_partition_state', 'weft_materializations']) await db.query(`ALTER TABLE ${table} RESET (autovacuum_enabled)`);
}

// PostgreSQL plans a join from the table's statistics, and they lag behind a table that grows fast
// (a first backfill): once it believed an asset had one state row and read all 20,000 of them
// for each of the 128 keys of a batch's input read (1 s a read).
describe('keyed lookups on PostgreSQL while the statistics lag behind the tables', () => {
  it('read one state row per key asked, however many rows the asset has', async () => {
    const db = pgDatabase(database.pool({ max: 2 }));
    try {
      await growUnseen(db);

      const keys = Array.from({ length: 128 }, (_, k) => `p${String(1 + k * 150).padStart(6, '0')}`);
      const explain = async (sql: string, params: unknown[]): Promise<Record<string, unknown>> => {
        const [row] = await db.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
        return row?.['QUERY PLAN'][0]?.Plan ?? {};
      };
      const values = await explain(CURRENT_VALUES_SQL, ['grown', keys, 'default']);
      const read = scansOf(values, 'weft_partition_state');
      expect(read.length).toBeGreaterThan(0);
      expect(read.reduce((n, s) => n + s.rows + s.removed, 0)).toBe(128);
      expect(scansOf(values, 'weft_materializations').reduce((n, s) => n + s.rows + s.removed, 0)).toBe(128);

      const upstream = await explain(UPSTREAM_IDS_SQL, [keys.map(() => 'grown'), keys, keys.map((k) => createHash('md5').update(String(Number(k.slice(1)))).digest('hex')), 'default']);
      expect(scansOf(upstream, 'weft_partition_state').reduce((n, s) => n + s.rows + s.removed, 0)).toBe(128);
      // (And the answers are right: every key found, in order.)
      const store = new ProvenanceStore(db);
      const found = await store.currentValues('grown', keys);
      expect(found.map((v) => v.storageUri)).toEqual(keys.map((k) => `file:///objects/${Number(k.slice(1))}`));
    } finally {
      await restoreAutovacuum(db);
      await db.close();
    }
  });
  it('a recorded batch probes the state rows of its own partitions only (it once hashed every state row of the location)', async () => {
    // One connection: the statistics counters read below are this backend's, flushed on demand.
    const db = pgDatabase(database.pool({ max: 1 }));
    try {
      await growUnseen(db);
      const store = new ProvenanceStore(db);
      // 50 second generations of grown partitions (their rows updated) and 50 new partitions.
      const records = [
        ...Array.from({ length: 50 }, (_, k) => mat('grown', `p${String(1 + k * 400).padStart(6, '0')}`, { tag: 'second' })),
        ...Array.from({ length: 50 }, (_, k) => mat('grown', `q${String(k).padStart(6, '0')}`)),
      ];
      const counters = async (): Promise<number> => {
        await db.query('SELECT pg_stat_force_next_flush()');
        await db.query('SELECT pg_stat_clear_snapshot()');
        const [row] = await db.query<{ read: string }>("SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS read FROM pg_stat_user_tables WHERE relid = 'weft_partition_state'::regclass");
        return Number(row?.read);
      };
      const before = await counters();
      const result = await store.recordMaterializations(records);
      const read = (await counters()) - before;
      expect(result.committed).toHaveLength(100);
      // (The old MERGE read all 20,050: a hash of the location's rows built from a bitmap scan.)
      expect(read, 'state rows read while recording 100 partitions of an asset with 20,000').toBeLessThanOrEqual(200);
      // And the rows are right: the updated partitions name their new materialization, the new ones exist.
      const [state] = await db.query<{ updated: string; inserted: string }>(
        `SELECT count(*) FILTER (WHERE partition_key LIKE 'p%' AND materialization_id > 20000 AND status = 'fresh' AND data_version <> md5(substr(partition_key, 2)::int::text)) AS updated,
                count(*) FILTER (WHERE partition_key LIKE 'q%' AND status = 'fresh' AND materialization_id IS NOT NULL) AS inserted
         FROM weft_partition_state WHERE asset_key = 'grown'`,
      );
      expect(state).toEqual({ updated: '50', inserted: '50' });

      // Every other writer of state rows by key, likewise: 100 keys of the 20,000.
      const keys = Array.from({ length: 100 }, (_, k) => `p${String(2 + k * 190).padStart(6, '0')}`);
      const reads: Record<string, number> = {};
      const measure = async (name: string, write: () => Promise<unknown>): Promise<void> => {
        const start = await counters();
        await write();
        reads[name] = (await counters()) - start;
      };
      await measure('check results', () =>
        store.recordCheckResults(keys.map((k) => ({ assetKey: 'grown', partitionKey: k, dataVersion: createHash('md5').update(String(Number(k.slice(1)))).digest('hex'), check: 'positive', passed: false, blocking: true, message: 'negative total' }))),
      );
      await measure('failures', () =>
        store.recordFailures(keys.map((k) => ({ token: `failed-${k}`, assetKey: 'grown', partitionKey: k, attempt: 1, failureClass: 'actionable', fingerprint: 'fp-1', message: 'boom', retryAt: null, finishedAt: NOW }))),
      );
      const failedRows = async (): Promise<string | undefined> =>
        (await db.query<{ n: string }>(`SELECT count(*) AS n FROM weft_partition_state WHERE asset_key = 'grown' AND partition_key = ANY($1::text[]) AND failure IS NOT NULL`, [keys]))[0]?.n;
      expect(await failedRows()).toBe('100');
      await db.query(`UPDATE weft_partition_state SET status = 'running', running_token = 'running-' || partition_key WHERE asset_key = 'grown' AND partition_key = ANY($1::text[])`, [keys]);
      await measure('releases', () => store.releasePartitions(keys.map((k) => ({ assetKey: 'grown', partitionKey: k, token: `running-${k}` })), 'cancelled'));
      await measure('restores', () => store.recordOutcome({ restore: keys.map((k) => ({ assetKey: 'grown', partitionKey: k, token: `tok-${Number(k.slice(1))}`, inputsAsOf: 0 })) }));
      expect(reads, 'state rows read while writing 100 partitions').toEqual({ 'check results': expect.any(Number), failures: expect.any(Number), releases: expect.any(Number), restores: expect.any(Number) });
      for (const [name, n] of Object.entries(reads)) expect(n, `state rows read while writing ${name} of 100 partitions: ${JSON.stringify(reads)}`).toBeLessThanOrEqual(400);
      const [failing] = await db.query<{ checked: string; released: string }>(
        `SELECT count(*) FILTER (WHERE check_failure IS NOT NULL) AS checked, count(*) FILTER (WHERE running_token IS NULL AND status <> 'running') AS released FROM weft_partition_state WHERE asset_key = 'grown' AND partition_key = ANY($1::text[])`,
        [keys],
      );
      expect(failing).toEqual({ checked: '100', released: '100' });
    } finally {
      await restoreAutovacuum(db);
      await db.close();
    }
  });
});
