import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadDefinitions } from '@weft/core';
import { pgDatabase, ProvenanceStore, readMigrations } from '@weft/store';
import { cacheDir, startPostgres, unprivilegedAccount } from '@weft/services';
import pg from 'pg';
import type { Benchmark } from '../benchmark.js';
import { percentile, prng, round } from '../lineage/copy.js';
import { CHAIN_LENGTH, DATASET_VERSION, datasetContext, datasetDefinitions, datasetShape, dayKey, loadDataset, monthKey, siteKey, treeSize, type DatasetShape } from '../lineage/dataset.js';
import { reachableBy } from '../lineage/pg-cluster.js';
import { timedDatabase } from '../lineage/timed-db.js';

/** From this many materializations the generated database is kept between runs (generation takes minutes). */
const CACHE_FROM = 500_000;
const DEPTH = 10;
const CHAIN_ROOTS = 300;
const TREE_ROOTS = 100;
const DATABASE = 'weft_bench';
/** Disk a generated database needs per materialization (measured: ~1.3 KB at 1M; with headroom for WAL during the load). */
const BYTES_PER_MATERIALIZATION = 1_600;

/** The cache folder's key: the data set's shape version and the migrations (a schema change regenerates). */
function cacheKey(): string {
  const migrations = readMigrations()
    .map((m) => `${m.name}:${m.hash}`)
    .join(',');
  return createHash('sha256').update(`${DATASET_VERSION}|${migrations}`).digest('hex').slice(0, 12);
}

/** `$WEFT_BENCH_CACHE_DIR`, else `<weft cache>/bench`, unless PostgreSQL's account cannot reach it (root's home): then /var/tmp. */
async function cacheRoot(log: (line: string) => void): Promise<string> {
  const preferred = process.env['WEFT_BENCH_CACHE_DIR'] || join(cacheDir(), 'bench');
  const account = await unprivilegedAccount();
  if (reachableBy(preferred, account)) return preferred;
  const fallback = '/var/tmp/weft-bench';
  log(`${preferred} is not reachable by the unprivileged account PostgreSQL runs as; caching in ${fallback} (set WEFT_BENCH_CACHE_DIR to choose)`);
  return fallback;
}

interface DatasetInfo {
  readonly shape: DatasetShape;
  readonly generationSeconds: number;
  readonly generatedAt: string;
}

async function createDatabase(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
}

/**
 * DESIGN §6 lineage target: with N materializations stored (default 10,000,000), upstream
 * provenance at depth 10 through `ProvenanceStore.lineage` — along a chain (one input per level,
 * 11 nodes) over random chain_12 partitions, and over the fan-in tree of random monthly partitions
 * (month ← rolling days ← cleaned days ← hours: ~930 nodes, three levels of range inputs).
 * PostgreSQL 15 with default settings; the data set (bench/src/lineage/dataset.ts) is COPYed
 * with indexes built afterwards and kept between runs from 500,000 materializations on.
 */
export const lineageQueryBench: Benchmark = {
  name: 'lineage-query',
  description: 'store.lineage upstream at depth 10 along chains and over ~930-node fan-in trees with N materializations stored',
  defaultScale: 10_000_000,
  smokeScale: 20_000,
  async run({ scale, log }) {
    const shape = datasetShape(scale);
    log(`data set: ${shape.sites} sites × ${shape.days} days (${shape.months} months) = ${shape.materializations.toLocaleString('en')} materializations`);
    const cached = shape.materializations >= CACHE_FROM;
    let info: DatasetInfo;
    let reused = false;
    let server: { adminUrl: string; version: string; urlFor(db: string): string; stop(): Promise<void> };
    if (cached) {
      const root = await cacheRoot(log);
      const key = cacheKey();
      const dir = join(root, `lineage-query-${key}-${shape.materializations}`);
      mkdirSync(root, { recursive: true });
      for (const old of readdirSync(root).filter((d) => d.startsWith('lineage-query-') && !d.startsWith(`lineage-query-${key}-`))) {
        log(`removing ${join(root, old)} (generated for another schema or data set version)`);
        rmSync(join(root, old), { recursive: true, force: true });
      }
      const marker = join(dir, 'dataset.json');
      if (process.env['WEFT_BENCH_REGENERATE'] || !existsSync(marker)) {
        rmSync(dir, { recursive: true, force: true });
        const free = statfsSync(root);
        const need = shape.materializations * BYTES_PER_MATERIALIZATION;
        if (free.bavail * free.bsize < need) throw new Error(`${root}: ${Math.round((free.bavail * free.bsize) / 2 ** 30)} GB free, the data set needs about ${Math.round(need / 2 ** 30)} GB`);
      }
      mkdirSync(dir, { recursive: true });
      server = await startPostgres({ durability: 'default', databaseUrl: '', dataDir: join(dir, 'data') });
      if (existsSync(marker)) {
        info = JSON.parse(readFileSync(marker, 'utf8')) as DatasetInfo;
        reused = true;
        log(`reusing the database generated ${info.generatedAt} in ${Math.round(info.generationSeconds)} s (${dir}; WEFT_BENCH_REGENERATE=1 rebuilds it)`);
      } else {
        log(`generating into ${dir} (kept for the next run)…`);
        const t0 = performance.now();
        await createDatabase(server.adminUrl);
        await loadDataset(server.urlFor(DATABASE), shape, log);
        info = { shape, generationSeconds: (performance.now() - t0) / 1000, generatedAt: new Date().toISOString() };
        writeFileSync(marker, `${JSON.stringify(info, null, 2)}\n`);
      }
    } else {
      server = await startPostgres({ durability: 'default', databaseUrl: '' });
      const t0 = performance.now();
      await createDatabase(server.adminUrl);
      await loadDataset(server.urlFor(DATABASE), shape, log);
      info = { shape, generationSeconds: (performance.now() - t0) / 1000, generatedAt: new Date().toISOString() };
    }
    log(`PostgreSQL: ${server.version}`);

    try {
      const pool = new pg.Pool({ connectionString: server.urlFor(DATABASE), max: 1 });
      // pool.end() resolves before idle sockets are closed: the server's shutdown must not crash the run.
      pool.on('error', () => {});
      const { db, times } = timedDatabase(pgDatabase(pool));
      const sizes = await pool.query<{ db: string; m: string; e: string; s: string }>(
        `SELECT pg_database_size(current_database()) AS db, pg_total_relation_size('weft_materializations') AS m,
           pg_total_relation_size('weft_input_edges') AS e, pg_total_relation_size('weft_partition_state') AS s`,
      );
      const mb = (v: string | undefined): number => Math.round(Number(v) / 2 ** 20);
      const size = sizes.rows[0];
      log(`disk: database ${mb(size?.db)} MB (materializations ${mb(size?.m)} MB, input edges ${mb(size?.e)} MB, partition state ${mb(size?.s)} MB, indexes included)`);

      const graph = loadDefinitions(datasetDefinitions(shape));
      const ctx = datasetContext(shape);
      const store = new ProvenanceStore(db);
      const rand = prng(20_261_121);
      const pick = (n: number): number => Math.floor(rand() * n);
      const lineage = (assetKey: string, partitionKey: string) => store.lineage(graph, ctx, { assetKey, partitionKey, direction: 'upstream', depth: DEPTH });
      const cteChain = async (assetKey: string, partitionKey: string): Promise<number> => {
        const rows = await db.query(
          `WITH RECURSIVE up(id, depth) AS (
             SELECT materialization_id, 0 FROM weft_partition_state WHERE asset_key = $1 AND partition_key = $2
             UNION ALL
             SELECT e.upstream_materialization_id, up.depth + 1 FROM up JOIN weft_input_edges e ON e.materialization_id = up.id
             WHERE up.depth < $3 AND e.upstream_materialization_id IS NOT NULL)
           SELECT m.id, m.asset_key, m.partition_key, m.token, m.code_version, m.data_version, m.finished_at, up.depth FROM up JOIN weft_materializations m ON m.id = up.id`,
          [assetKey, partitionKey, DEPTH],
        );
        return rows.length;
      };

      const measure = async (what: string, roots: number, warmup: number, root: () => { assetKey: string; partitionKey: string; expected: number }, query: (a: string, p: string) => Promise<number>) => {
        const ms: number[] = [];
        const nodes: number[] = [];
        times.reset();
        for (let i = 0; i < warmup + roots; i++) {
          const r = root();
          const t0 = performance.now();
          const n = await query(r.assetKey, r.partitionKey);
          const elapsed = performance.now() - t0;
          if (n !== r.expected) throw new Error(`${what}: upstream of ${r.assetKey} ${r.partitionKey} has ${n} nodes, expected ${r.expected}`);
          if (i === warmup - 1) times.reset();
          if (i >= warmup) {
            ms.push(elapsed);
            nodes.push(n);
          }
        }
        const statements = [...times.byStatement.values()].reduce((s, v) => s + v.calls, 0) / roots;
        ms.sort((a, b) => a - b);
        nodes.sort((a, b) => a - b);
        for (const line of times.report()) log(`  ${what}: ${line}`);
        log(`${what}: p50 ${percentile(ms, 50).toFixed(2)} ms, p95 ${percentile(ms, 95).toFixed(2)} ms, max ${ms.at(-1)?.toFixed(2)} ms over ${roots} roots (${warmup} warm-up); ${percentile(nodes, 50)} nodes (${nodes[0]}–${nodes.at(-1)}), ${statements.toFixed(1)} statements each`);
        return { p50: percentile(ms, 50), p95: percentile(ms, 95), nodes: percentile(nodes, 50), statements };
      };

      const chainRoot = () => ({ assetKey: `${siteKey(pick(shape.sites))}/chain_${String(CHAIN_LENGTH).padStart(2, '0')}`, partitionKey: dayKey(pick(shape.days)), expected: DEPTH + 1 });
      const treeRoot = () => {
        const m = pick(shape.months);
        return { assetKey: `${siteKey(pick(shape.sites))}/monthly`, partitionKey: monthKey(m), expected: treeSize(m) };
      };
      const load = loadavg()[0] ?? 0;
      log(`load average before measuring: ${load.toFixed(2)} (2 cores: anything above ~0.5 means other work competes with the queries)`);
      const chain = await measure('chain', CHAIN_ROOTS, 20, chainRoot, async (a, p) => (await lineage(a, p)).nodes.length);
      const tree = await measure('tree', TREE_ROOTS, 5, treeRoot, async (a, p) => (await lineage(a, p)).nodes.length);
      const cte = await measure('chain, one recursive CTE (baseline, not the store)', CHAIN_ROOTS, 20, chainRoot, cteChain);
      await db.close();
      return {
        materializations: shape.materializations,
        chainP95Ms: round(chain.p95),
        treeP95Ms: round(tree.p95),
        treeNodes: tree.nodes,
        diskMb: mb(size?.db),
        chainP50Ms: round(chain.p50),
        treeP50Ms: round(tree.p50),
        chainStatements: round(chain.statements, 1),
        treeStatements: round(tree.statements, 1),
        chainCteP95Ms: round(cte.p95),
        generationSeconds: Math.round(info.generationSeconds),
        reusedCache: reused,
        loadAvg1m: round(load),
        sites: shape.sites,
        days: shape.days,
      };
    } finally {
      await server.stop();
    }
  },
};
