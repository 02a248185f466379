import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PGlite } from '@electric-sql/pglite';
import { migrate, pgDatabase, pgliteDatabase, ProvenanceStore, type MaterializationRecord } from '@weft/store';
import { startPostgres } from '@weft/services';
import pg from 'pg';
import { checked, type Benchmark } from '../benchmark.js';
import { copyText, HexPool, percentile, round } from '../lineage/copy.js';
import { copyRows, e2eRecords, EDGE_COLUMNS, MATERIALIZATION_COLUMNS, sitesFor, STATE_COLUMNS, stateRows, take } from '../lineage/e2e-records.js';
import { timedDatabase } from '../lineage/timed-db.js';

/** Materializations per `recordMaterializations` call and per COPY transaction. */
const BATCH = 1_000;
/** Untimed batches recorded first by both methods (JIT, plans, caches, first pages). */
const WARMUP_BATCHES = 2;
/** The PGlite figure records at most this many materializations (it is a one-connection, in-process database). */
const PGLITE_MAX = 20_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A young-generation collection, run at the end of each method's turn (timed): every method pays
 * for collecting what it allocated. Left to itself, a collection falls in whichever turn comes
 * when the young generation fills, and the store's garbage was collected in COPY's turn after it,
 * one batch in three (about 10 ms each time).
 */
function collectYoung(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;
  return () => gc({ type: 'minor' });
}

const edgeCount = (batch: readonly MaterializationRecord[]): number => batch.reduce((n, r) => n + r.inputs.length, 0);

/**
 * DESIGN §6 throughput target, "lineage writes ≥ 80% of a raw COPY of the same rows": lineage
 * writes through Weft's own store code (`ProvenanceStore.recordMaterializations`, batches of
 * 1,000, one transaction each) against a raw COPY of the same rows into tables with the same
 * columns and indexes (one transaction of COPYs per batch), on a fresh PostgreSQL 15 with default
 * settings. The rows are everything a recording writes: the materializations, their input edges
 * and the partition state rows (one per partition of the batch, holding what the store's upsert
 * leaves there; the raw table has a plain index where the store has its primary key, since a
 * second generation is another row there, as an update is another row version in PostgreSQL).
 * The store's one event-log row per batch is left out of COPY.
 *
 * Three methods alternate batch by batch, each going first in turn, so all see the same table
 * sizes, checkpoints and machine noise: the store, COPY of the same rows, and COPY of the lineage
 * rows alone (materializations and edges into their own tables: the comparison before session 9,
 * `ratioToLineageCopy`, which leaves out the state rows only the store writes). All rates count
 * materialization rows + edge rows, and all start from the same records: COPY formats them (with
 * the store's own line functions) and then sends them; the store checks and formats them while
 * the server reads the chunks before. `ratio` (the target's figure) includes COPY's formatting, as
 * an application's raw COPY formats its rows; `ratioToCopyServer` leaves it out (stricter: the
 * limit of a write path that formats while the server reads). A young-generation collection ends
 * each method's timed turn (see `collectYoung`). The records
 * (bench/src/lineage/e2e-records.ts) include second generations of partitions that have a
 * materialization (their state rows updated: `updates`) and single-partition inputs (the
 * upstream materialization looked up: `singleInputs`); after the run, every state row must name
 * its partition's latest materialization and every single input the one it read, and COPY's state
 * rows must hold what the store's hold. Then the same store code on an in-memory PGlite. Scale =
 * timed materializations.
 */
export const lineageWritesBench: Benchmark = {
  name: 'lineage-writes',
  description: 'store.recordMaterializations vs raw COPY of the same rows (materializations, edges, partition state; new partitions, second generations, range and single inputs) and vs COPY of the lineage rows alone, PostgreSQL 15 default settings (+ PGlite); N = materializations',
  defaultScale: 200_000,
  smokeScale: 2_000,
  async run({ scale, log }) {
    const count = Math.max(BATCH, Math.round(scale / BATCH) * BATCH);
    const sites = sitesFor(count);
    const hex = new HexPool();
    const records = take(e2eRecords(sites, hex), (WARMUP_BATCHES + count / BATCH) * BATCH);
    const batches = chunks(records, BATCH);
    // What the timed records are: a second generation of a partition already recorded (its state
    // row updated), and records with a single-partition input (an upstream materialization looked up).
    const seenPartitions = new Set<string>();
    let updates = 0;
    let singleInputs = 0;
    for (const [i, r] of records.entries()) {
      const key = `${r.assetKey}\u0000${r.partitionKey}`;
      const timed = i >= WARMUP_BATCHES * BATCH;
      if (timed && seenPartitions.has(key)) updates++;
      if (timed && r.inputs.some((input) => 'partitionKey' in input)) singleInputs++;
      seenPartitions.add(key);
    }
    log(`${records.length} records generated (${sites} sites × e2e pipeline; ${WARMUP_BATCHES} warm-up batches of ${BATCH}, then ${count / BATCH} timed: ${updates} update partitions that have a materialization, ${singleInputs} read one upstream partition)`);
    const problems: string[] = [];

    const server = await startPostgres({ durability: 'default', databaseUrl: '' });
    log(`PostgreSQL: ${server.version}`);
    const load = loadavg()[0] ?? 0;
    log(`load average before measuring: ${load.toFixed(2)} (2 cores: other work competes with both methods alike, they alternate)`);
    const result: Record<string, unknown> = {};
    try {
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      await admin.query('CREATE DATABASE weft_bench_writes');
      await admin.end();
      const url = server.urlFor('weft_bench_writes');
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      // pool.end() resolves before idle sockets are closed; the server's shutdown then reaches them.
      // (queries still reject on errors; this only keeps an idle client's error from crashing the run).
      pool.on('error', () => {});
      const { db, times } = timedDatabase(pgDatabase(pool));
      await migrate(db);
      const copyClient = new pg.Client({ connectionString: url });
      await copyClient.connect();
      copyClient.on('error', () => {}); // (as for the pool: the server's shutdown must not crash the run)
      // Same columns, defaults, constraints and indexes as the store's tables.
      await copyClient.query('CREATE TABLE copy_m (LIKE weft_materializations INCLUDING ALL)');
      await copyClient.query('CREATE TABLE copy_e (LIKE weft_input_edges INCLUDING ALL)');
      // The partition state rows: the same columns and indexes, except that the primary key's
      // columns get a plain index (a second generation of a partition is another row here, as an
      // update is another row version in PostgreSQL).
      await copyClient.query('CREATE TABLE copy_s (LIKE weft_partition_state INCLUDING ALL)');
      await copyClient.query('ALTER TABLE copy_s DROP CONSTRAINT copy_s_pkey');
      await copyClient.query('CREATE INDEX copy_s_key ON copy_s (location, asset_key, partition_key)');
      // The lineage rows alone (the definition before session 9), into tables of their own.
      await copyClient.query('CREATE TABLE lineage_m (LIKE weft_materializations INCLUDING ALL)');
      await copyClient.query('CREATE TABLE lineage_e (LIKE weft_input_edges INCLUDING ALL)');
      const indexes = await copyClient.query<{ tablename: string; n: string }>(
        "SELECT tablename, count(*) AS n FROM pg_indexes WHERE tablename IN ('weft_materializations', 'copy_m', 'weft_input_edges', 'copy_e', 'weft_partition_state', 'copy_s') GROUP BY tablename ORDER BY tablename",
      );
      log(`indexes: ${indexes.rows.map((r) => `${r.tablename} ${r.n}`).join(', ')}`);

      const store = new ProvenanceStore(db);
      let nextId = 1;
      const viaStore = async (batch: MaterializationRecord[]): Promise<void> => {
        const r = await store.recordMaterializations(batch);
        if (r.committed.length !== batch.length) throw new Error(`store committed ${r.committed.length} of ${batch.length}`);
      };
      const copyPhases = { format: 0, formatState: 0, begin: 0, m: 0, e: 0, s: 0, commit: 0 };
      let copyTimed = false;
      const phase = async (name: keyof typeof copyPhases, fn: () => unknown): Promise<void> => {
        const t0 = performance.now();
        await fn();
        if (copyTimed) copyPhases[name] += performance.now() - t0;
      };
      const viaCopy = async (batch: MaterializationRecord[]): Promise<void> => {
        let rows: ReturnType<typeof copyRows> | undefined;
        let states = '';
        await phase('format', () => (rows = copyRows(batch, nextId)));
        await phase('formatState', () => (states = stateRows(batch, nextId)));
        nextId += batch.length;
        await phase('begin', () => copyClient.query('BEGIN'));
        await phase('m', () => copyText(copyClient, 'copy_m', MATERIALIZATION_COLUMNS, rows?.materializations ?? ''));
        await phase('e', () => copyText(copyClient, 'copy_e', EDGE_COLUMNS, rows?.edges ?? ''));
        await phase('s', () => copyText(copyClient, 'copy_s', STATE_COLUMNS, states));
        await phase('commit', () => copyClient.query('COMMIT'));
      };
      let lineageNextId = 1;
      const viaLineageCopy = async (batch: MaterializationRecord[]): Promise<void> => {
        const rows = copyRows(batch, lineageNextId);
        lineageNextId += batch.length;
        await copyClient.query('BEGIN');
        await copyText(copyClient, 'lineage_m', MATERIALIZATION_COLUMNS, rows.materializations);
        await copyText(copyClient, 'lineage_e', EDGE_COLUMNS, rows.edges);
        await copyClient.query('COMMIT');
      };
      const methods = { store: viaStore, copy: viaCopy, lineage: viaLineageCopy } as const;
      const collect = collectYoung();

      // Each method's batch times.
      const turns: Record<keyof typeof methods, number[]> = { store: [], copy: [], lineage: [] };
      const { store: storeMs, copy: copyMs, lineage: lineageMs } = turns;
      let rows = 0;
      for (const [i, batch] of batches.entries()) {
        const timed = i >= WARMUP_BATCHES;
        if (i === WARMUP_BATCHES) times.reset();
        copyTimed = timed;
        // (Each method goes first, second and last in turn.)
        const order = (['store', 'copy', 'lineage'] as const).map((_, j, all) => all[(i + j) % all.length] as keyof typeof methods);
        for (const method of order) {
          const t0 = performance.now();
          await methods[method](batch);
          collect();
          const ms = performance.now() - t0;
          if (timed) turns[method].push(ms);
        }
        if (timed) rows += batch.length + edgeCount(batch);
        if (timed && (i - WARMUP_BATCHES + 1) % 20 === 0) {
          const s = storeMs.reduce((a, b) => a + b, 0);
          const c = copyMs.reduce((a, b) => a + b, 0);
          log(`${i - WARMUP_BATCHES + 1}/${batches.length - WARMUP_BATCHES} batches: store ${Math.round((rows * 1000) / s)} rows/s, COPY ${Math.round((rows * 1000) / c)} rows/s`);
        }
      }
      const storeTotal = storeMs.reduce((a, b) => a + b, 0);
      const copyTotal = copyMs.reduce((a, b) => a + b, 0);
      const rowsPerSecond = (rows * 1000) / storeTotal;
      const copyRowsPerSecond = (rows * 1000) / copyTotal;
      // COPY without its client-side formatting (text built before the clock starts): the server's
      // own limit. The store formats and checks its rows while the server reads earlier chunks.
      const copyServerRowsPerSecond = (rows * 1000) / (copyTotal - copyPhases.format - copyPhases.formatState);
      // The lineage rows alone (materializations and edges, formatting included: the definition
      // before session 9, its own tables and its own turn), for comparison with earlier figures.
      const lineageCopyRowsPerSecond = (rows * 1000) / lineageMs.reduce((a, b) => a + b, 0);
      storeMs.sort((a, b) => a - b);
      copyMs.sort((a, b) => a - b);
      log(`store: ${Math.round(rowsPerSecond)} rows/s (batch p50 ${percentile(storeMs, 50).toFixed(1)} ms, p95 ${percentile(storeMs, 95).toFixed(1)} ms); COPY: ${Math.round(copyRowsPerSecond)} rows/s (batch p50 ${percentile(copyMs, 50).toFixed(1)} ms, p95 ${percentile(copyMs, 95).toFixed(1)} ms)`);
      log('where the store spends a batch (client-side, round trips included):');
      for (const line of times.report()) log(`  ${line}`);
      const copyBatches = batches.length - WARMUP_BATCHES;
      log(`where COPY spends a batch: ${Object.entries(copyPhases).map(([k, ms]) => `${k === 'm' ? 'COPY copy_m' : k === 'e' ? 'COPY copy_e' : k === 's' ? 'COPY copy_s' : k} ${(ms / copyBatches).toFixed(2)} ms`).join(', ')}`);

      // Both methods hold the same rows; sizes per materialization (every table the store writes).
      const counts = await copyClient.query<{ m: string; e: string; cm: string; ce: string; lm: string; le: string }>(
        `SELECT (SELECT count(*) FROM weft_materializations) AS m, (SELECT count(*) FROM weft_input_edges) AS e, (SELECT count(*) FROM copy_m) AS cm, (SELECT count(*) FROM copy_e) AS ce,
                (SELECT count(*) FROM lineage_m) AS lm, (SELECT count(*) FROM lineage_e) AS le`,
      );
      const c = counts.rows[0];
      if (!c || c.m !== c.cm || c.e !== c.ce || c.m !== c.lm || c.e !== c.le || Number(c.m) !== records.length) problems.push(`row counts differ: ${JSON.stringify(c)}`);
      // The state rows COPY wrote are the store's: each partition's last one holds what the store's row holds.
      const sameState = await copyClient.query<{ copied: string; differ: string }>(
        `SELECT (SELECT count(*) FROM (SELECT DISTINCT asset_key, partition_key FROM copy_s) p) AS copied,
                (SELECT count(*) FROM (SELECT DISTINCT ON (asset_key, partition_key) * FROM copy_s ORDER BY asset_key, partition_key, materialization_id DESC) cs
                   JOIN weft_partition_state ps USING (location, asset_key, partition_key)
                   WHERE (ps.status, ps.materialization_id, ps.token, ps.data_version, ps.code_version, ps.verified_seq, ps.planned_seq)
                     IS DISTINCT FROM (cs.status, cs.materialization_id, cs.token, cs.data_version, cs.code_version, cs.verified_seq, cs.planned_seq)) AS differ`,
      );
      const st = sameState.rows[0];
      if (!st || Number(st.copied) !== seenPartitions.size || st.differ !== '0') problems.push(`COPY's state rows are not the store's: ${JSON.stringify(st)}`);
      // What the store wrote: one state row per partition naming its latest materialization, and
      // every single-partition input naming the upstream materialization it read.
      const checks = await copyClient.query<{ partitions: string; states: string; stale: string; unresolved: string; mislinked: string }>(
        `SELECT (SELECT count(*) FROM (SELECT DISTINCT asset_key, partition_key FROM weft_materializations) p) AS partitions,
                (SELECT count(*) FROM weft_partition_state) AS states,
                (SELECT count(*) FROM weft_partition_state ps WHERE ps.materialization_id IS DISTINCT FROM
                   (SELECT max(m.id) FROM weft_materializations m WHERE m.asset_key = ps.asset_key AND m.partition_key = ps.partition_key)) AS stale,
                (SELECT count(*) FROM weft_input_edges WHERE upstream_partition IS NOT NULL AND upstream_materialization_id IS NULL) AS unresolved,
                (SELECT count(*) FROM weft_input_edges e JOIN weft_materializations u ON u.id = e.upstream_materialization_id
                   WHERE u.data_version <> e.data_version OR u.partition_key <> e.upstream_partition OR u.asset_key <> e.upstream_asset) AS mislinked`,
      );
      const k = checks.rows[0];
      if (!k || k.partitions !== k.states || k.stale !== '0' || k.unresolved !== '0' || k.mislinked !== '0') problems.push(`the store's rows do not add up: ${JSON.stringify(k)}`);
      if (Number(k?.partitions) !== seenPartitions.size) problems.push(`${k?.partitions} partitions recorded, ${seenPartitions.size} in the records`);
      const sizes = await copyClient.query<{ t: string; bytes: string }>(
        `SELECT t, pg_total_relation_size(t::regclass) AS bytes FROM unnest($1::text[]) AS t`,
        [['weft_materializations', 'weft_input_edges', 'weft_events', 'weft_attempts', 'weft_partition_state', 'copy_m', 'copy_e', 'copy_s']],
      );
      const size = new Map(sizes.rows.map((r) => [r.t, Number(r.bytes)]));
      const per = (tables: string[]): number => Math.round(tables.reduce((s, t) => s + (size.get(t) ?? 0), 0) / records.length);
      log(`bytes per materialization: store ${per(['weft_materializations', 'weft_input_edges', 'weft_events', 'weft_attempts', 'weft_partition_state'])} (${[...size].filter(([t]) => t.startsWith('weft')).map(([t, b]) => `${t} ${Math.round(b / records.length)}`).join(', ')}); COPY ${per(['copy_m', 'copy_e', 'copy_s'])}`);
      await copyClient.end();
      await db.close();
      log(`target (DESIGN §6, >= 0.8): ratio ${round(rowsPerSecond / copyRowsPerSecond, 3)} (store ${Math.round(rowsPerSecond)} rows/s, a raw COPY of the same rows ${Math.round(copyRowsPerSecond)} rows/s); stricter, to COPY's server side (its formatting left out): ${round(rowsPerSecond / copyServerRowsPerSecond, 3)} (${Math.round(copyServerRowsPerSecond)} rows/s)`);
      Object.assign(result, {
        ratioToCopyServer: round(rowsPerSecond / copyServerRowsPerSecond, 3),
        rowsPerSecond: Math.round(rowsPerSecond),
        copyRowsPerSecond: Math.round(copyRowsPerSecond),
        ratio: round(rowsPerSecond / copyRowsPerSecond, 3),
        batchSize: BATCH,
        materializations: count,
        edges: rows - count,
        copyServerRowsPerSecond: Math.round(copyServerRowsPerSecond),
        updates,
        singleInputs,
        storeBatchP50Ms: round(percentile(storeMs, 50), 1),
        copyBatchP50Ms: round(percentile(copyMs, 50), 1),
        storeBytesPerMaterialization: per(['weft_materializations', 'weft_input_edges', 'weft_events', 'weft_attempts', 'weft_partition_state']),
        copyBytesPerMaterialization: per(['copy_m', 'copy_e', 'copy_s']),
        ratioToLineageCopy: round(rowsPerSecond / lineageCopyRowsPerSecond, 3),
        lineageCopyRowsPerSecond: Math.round(lineageCopyRowsPerSecond),
        loadAvg1m: round(load),
      });
    } finally {
      await server.stop();
    }

    // PGlite (in memory): the same store code, fewer materializations.
    const pgliteCount = Math.min(count, PGLITE_MAX);
    const t0 = performance.now();
    const pglite = await PGlite.create();
    const lite = pgliteDatabase(pglite);
    await migrate(lite);
    log(`PGlite ready and migrated in ${Math.round(performance.now() - t0)} ms; recording ${pgliteCount} materializations after ${WARMUP_BATCHES} warm-up batches`);
    const liteStore = new ProvenanceStore(lite);
    let liteMs = 0;
    let liteRows = 0;
    for (const [i, batch] of batches.slice(0, WARMUP_BATCHES + pgliteCount / BATCH).entries()) {
      const t = performance.now();
      await liteStore.recordMaterializations(batch);
      if (i >= WARMUP_BATCHES) {
        liteMs += performance.now() - t;
        liteRows += batch.length + edgeCount(batch);
      }
    }
    await lite.close();
    const pgliteRowsPerSecond = Math.round((liteRows * 1000) / liteMs);
    log(`PGlite: ${pgliteRowsPerSecond} rows/s`);
    const { ratio, rowsPerSecond, copyRowsPerSecond, ratioToCopyServer, copyServerRowsPerSecond, ...rest } = result;
    return checked({ ratio, rowsPerSecond, copyRowsPerSecond, ratioToCopyServer, copyServerRowsPerSecond, pgliteRowsPerSecond, ...rest, pgliteMaterializations: pgliteCount }, problems);
  },
};
