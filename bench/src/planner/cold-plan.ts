/**
 * The planner benchmark's cold path: the generated state written into PostgreSQL's partition
 * state, read back by `ProvenanceStore.loadSnapshot`, and planned with every status distrusted.
 */
import { PARTITION_STATUSES, Planner, type AssetGraph, type PlannerSnapshot, type PlanResult, type WeftEvent } from '@weft/core';
import { copyLine, migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { startPostgres } from '@weft/services';
import pg from 'pg';
import { CopyWriter } from '../lineage/copy.js';
import { BENCH_NOW } from './graph.js';
import { readSnapshot } from './snapshot-file.js';

/** What the cold path measured. */
export interface ColdResult {
  readonly rows: number;
  readonly populateMs: number;
  readonly loadMs: number;
  readonly planMs: number;
  /** The plan and the planner that made it (its statuses and work counters). */
  readonly plan: PlanResult;
  readonly planner: Planner;
  readonly server: string;
}

/**
 * Writes a planner snapshot into the store's partition state (COPY), as recordings and plans leave
 * it: status, token, data version, code version and the cursors, one row per partition, and the
 * planner cursor of the default location.
 */
async function populateStore(url: string, graph: AssetGraph, snapshot: PlannerSnapshot): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  client.on('error', () => {});
  const ctx = { now: BENCH_NOW, dynamicKeys: () => [] };
  const hex = (bytes: Uint8Array, i: number): string | null => {
    const digest = bytes.subarray(i * 32, i * 32 + 32);
    return digest.some((b) => b !== 0) ? Buffer.from(digest).toString('hex') : null;
  };
  let rows = 0;
  try {
    await client.query('BEGIN');
    const writer = new CopyWriter(client, 'weft_partition_state', ['asset_key', 'partition_key', 'status', 'token', 'data_version', 'code_version', 'verified_seq', 'changed_seq', 'updated_event_id']);
    for (const a of snapshot.assets) {
      const def = graph.node(a.assetKey).partitions;
      const isSource = graph.node(a.assetKey).definition.kind === 'source';
      let chunk = '';
      for (let i = 0; i < a.count; i++) {
        const status = PARTITION_STATUSES[a.status[i] as number] ?? 'missing';
        const code = isSource ? null : (a.codeVersions[a.codeVersionId[i] as number] ?? null);
        chunk += copyLine([a.assetKey, def.keyAt(i, ctx), status, isSource ? null : hex(a.token, i), a.materialized[i] === 1 ? hex(a.dataVersion, i) : null, code, a.verifiedSeq[i], a.changedSeq[i], snapshot.cursor]);
        if (chunk.length > 1 << 16) {
          await writer.write(chunk, 0);
          chunk = '';
        }
        rows++;
      }
      await writer.write(chunk, 0);
    }
    await writer.end();
    await client.query("INSERT INTO weft_planner_cursors (location, cursor, updated_at) VALUES ('default', $1, now())", [snapshot.cursor]);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE weft_partition_state');
  } finally {
    await client.end();
  }
  return rows;
}

/**
 * Starts PostgreSQL, writes the state of the snapshot file at `path` into it, then times
 * `loadSnapshot` and a planner that trusts no status of an asset (every token computed again from
 * the stored data versions) applying `change` and planning.
 */
export async function coldFullPlan(graph: AssetGraph, path: string, codeVersions: Readonly<Record<string, string>>, change: WeftEvent, log: (line: string) => void): Promise<ColdResult> {
  const server = await startPostgres({ durability: 'default', databaseUrl: '' });
  try {
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE weft_bench_planner');
    await admin.end();
    const url = server.urlFor('weft_bench_planner');
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    const db = pgDatabase(pool);
    try {
      await migrate(db);
      const tp = performance.now();
      const rows = await populateStore(url, graph, readSnapshot(path));
      const populateMs = performance.now() - tp;
      log(`store populated: ${rows} partition-state rows in ${Math.round(populateMs)} ms (${server.version})`);
      const store = new ProvenanceStore(db);
      const tl = performance.now();
      const stored = await store.loadSnapshot(graph, (keys) => ({ now: BENCH_NOW, dynamicKeys: (name) => keys[name] ?? [] }));
      const loadMs = performance.now() - tl;
      const tq = performance.now();
      // Trust no status: every partition of an asset is evaluated, its token computed and compared.
      const stale = PARTITION_STATUSES.indexOf('stale');
      for (const a of stored.assets) if (graph.node(a.assetKey).definition.kind === 'asset') a.status.fill(stale);
      const planner = new Planner(graph, { codeVersions }).load(stored, BENCH_NOW);
      planner.apply([change]);
      const plan = planner.plan(BENCH_NOW);
      const planMs = performance.now() - tq;
      return { rows, populateMs, loadMs, planMs, plan, planner, server: server.version };
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}
