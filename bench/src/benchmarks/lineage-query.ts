import { loadavg } from 'node:os';
import { loadDefinitions } from '@weft/core';
import { pgDatabase, ProvenanceStore } from '@weft/store';
import pg from 'pg';
import type { Benchmark } from '../benchmark.js';
import { percentile, prng, round } from '../lineage/copy.js';
import { CHAIN_LENGTH, datasetContext, datasetDefinitions, dayKey, monthKey, siteKey, treeSize } from '../lineage/dataset.js';
import { openLineageDataset } from '../lineage/database.js';
import { timedDatabase } from '../lineage/timed-db.js';

const DEPTH = 10;
const CHAIN_ROOTS = 300;
const TREE_ROOTS = 100;

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
    const server = await openLineageDataset(scale, log);
    const shape = server.shape;
    try {
      const pool = new pg.Pool({ connectionString: server.url, max: 1 });
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
        generationSeconds: Math.round(server.generationSeconds),
        reusedCache: server.reused,
        loadAvg1m: round(load),
        sites: shape.sites,
        days: shape.days,
      };
    } finally {
      await server.stop();
    }
  },
};
