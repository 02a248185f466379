import { loadavg } from 'node:os';
import { loadDefinitions } from '@weft/core';
import { pgDatabase, ProvenanceStore } from '@weft/store';
import pg from 'pg';
import { checked, type Benchmark } from '../benchmark.js';
import { deployGraph, graphql, member, startApi } from '../api/server.js';
import { percentile, prng, round } from '../lineage/copy.js';
import { CHAIN_LENGTH, datasetContext, datasetDefinitions, dayKey, monthKey, siteKey, treeSize } from '../lineage/dataset.js';
import { CACHE_FROM, openLineageDataset } from '../lineage/database.js';
import { timedDatabase } from '../lineage/timed-db.js';

const DEPTH = 10;
/**
 * Roots timed, and asked (both ways) before the timed ones: the HTTP path (undici, graphql-yoga,
 * the executor) takes a few hundred requests to reach its steady state (with 20 warm-up chains
 * their HTTP p95 was about 3× its steady value). Fewer at smoke scales (below the cached sizes).
 */
function rootCounts(scale: number): { trees: number; treeWarmup: number; chains: number; chainWarmup: number } {
  return scale >= CACHE_FROM ? { trees: 100, treeWarmup: 20, chains: 300, chainWarmup: 200 } : { trees: 40, treeWarmup: 10, chains: 200, chainWarmup: 100 };
}
/** Target: the HTTP p95 at most this many times the store call's p95. */
const TARGET_RATIO = 2;

const LINEAGE = `query Lineage($assetKey: String!, $partitionKey: String!, $depth: Int!) {
  lineage(assetKey: $assetKey, partitionKey: $partitionKey, direction: UPSTREAM, depth: $depth) {
    __typename
    ... on Lineage { nodes { materializationId } edges { inputName } }
    ... on Error { message }
  }
}`;

interface LineageAnswer {
  lineage: { __typename: 'Lineage'; nodes: Array<{ materializationId: string }>; edges: Array<{ inputName: string }> };
}

interface Root {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly expected: number;
}

interface Timings {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** Statements and milliseconds in them per call (client side, round trips included). */
  readonly statements: number;
  readonly sqlMs: number;
}

function timings(ms: number[], statements: number, sqlMs: number): Timings {
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms.at(-1) ?? Number.NaN, statements: statements / ms.length, sqlMs: sqlMs / ms.length };
}

/**
 * DESIGN §6 lineage through the API: on the lineage-query data set (bench/src/lineage, the same
 * cached database), upstream lineage at depth 10 as a client gets it from the GraphQL API over HTTP
 * (`lineage(assetKey, partitionKey, direction: UPSTREAM, depth: 10) { … on Lineage { nodes { materializationId } edges { inputName } } }`)
 * and as `ProvenanceStore.lineage` answers it in-process, on the same roots in the same run (each
 * root asked both ways, which one first alternating). The headline is the fan-in tree of random
 * monthly partitions (~930 nodes); chains of chain_12 (11 nodes) are reported beside it.
 * `ratio` = HTTP p95 ÷ store p95 of the trees, target ≤ 2. Checked: both answers have the same
 * nodes and edges for every root, and as many nodes as the data set put there.
 */
export const apiLineageBench: Benchmark = {
  name: 'api-lineage',
  description: 'GraphQL lineage (upstream, depth 10) over HTTP vs store.lineage on the same roots, with N materializations stored',
  defaultScale: 10_000_000,
  smokeScale: 20_000,
  async run({ scale, log }) {
    const server = await openLineageDataset(scale, log);
    const shape = server.shape;
    try {
      const pool = new pg.Pool({ connectionString: server.url, max: 4 });
      // pool.end() resolves before idle sockets are closed: the server's shutdown must not crash the run.
      pool.on('error', () => {});
      const { db, times } = timedDatabase(pgDatabase(pool));
      const graph = loadDefinitions(datasetDefinitions(shape));
      const ctx = datasetContext(shape);
      const deployment = await deployGraph(db, graph);
      log(`deployment ${deployment.id} of ${graph.order.length} assets (${deployment.created ? 'recorded' : 'recorded before'})`);
      const api = await startApi(db, ctx.now);
      const problems: string[] = [];
      try {
        const store = new ProvenanceStore(db);
        const statementCount = (): { calls: number; ms: number } => {
          let calls = 0;
          let ms = 0;
          for (const v of times.byStatement.values()) {
            calls += v.calls;
            ms += v.ms;
          }
          return { calls, ms };
        };
        const viaStore = async (r: Root): Promise<{ nodes: number; edges: number }> => {
          const l = await store.lineage(graph, ctx, { assetKey: r.assetKey, partitionKey: r.partitionKey, direction: 'upstream', depth: DEPTH });
          return { nodes: l.nodes.length, edges: l.edges.length };
        };
        const viaHttp = async (r: Root): Promise<{ nodes: number; edges: number }> => {
          const data = await graphql<LineageAnswer>(api.url, LINEAGE, { assetKey: r.assetKey, partitionKey: r.partitionKey, depth: DEPTH });
          const l = member(data.lineage, 'Lineage');
          return { nodes: l.nodes.length, edges: l.edges.length };
        };

        // The first request reads the deployment's catalog and rebuilds the asset graph from it.
        const rand = prng(20_261_122);
        const pick = (n: number): number => Math.floor(rand() * n);
        const chainRoot = (): Root => ({ assetKey: `${siteKey(pick(shape.sites))}/chain_${String(CHAIN_LENGTH).padStart(2, '0')}`, partitionKey: dayKey(pick(shape.days)), expected: DEPTH + 1 });
        const treeRoot = (): Root => {
          const m = pick(shape.months);
          return { assetKey: `${siteKey(pick(shape.sites))}/monthly`, partitionKey: monthKey(m), expected: treeSize(m) };
        };
        const t0 = performance.now();
        await viaHttp(chainRoot());
        const firstRequestMs = performance.now() - t0;
        log(`first request (catalog read, asset graph rebuilt): ${firstRequestMs.toFixed(0)} ms`);

        const measure = async (what: string, count: number, warmup: number, root: () => Root): Promise<{ http: Timings; store: Timings; nodes: number }> => {
          const httpMs: number[] = [];
          const storeMs: number[] = [];
          const nodes: number[] = [];
          const sql = { http: { calls: 0, ms: 0 }, store: { calls: 0, ms: 0 } };
          for (let i = 0; i < warmup + count; i++) {
            const r = root();
            const answers: Record<'http' | 'store', { nodes: number; edges: number }> = { http: { nodes: -1, edges: -1 }, store: { nodes: -1, edges: -1 } };
            const order: Array<'http' | 'store'> = i % 2 === 0 ? ['store', 'http'] : ['http', 'store'];
            for (const way of order) {
              const before = statementCount();
              const started = performance.now();
              answers[way] = await (way === 'http' ? viaHttp(r) : viaStore(r));
              const elapsed = performance.now() - started;
              const after = statementCount();
              if (i >= warmup) {
                (way === 'http' ? httpMs : storeMs).push(elapsed);
                sql[way].calls += after.calls - before.calls;
                sql[way].ms += after.ms - before.ms;
              }
            }
            const { http, store: direct } = answers;
            if (http.nodes !== direct.nodes || http.edges !== direct.edges) problems.push(`${what} ${r.assetKey} ${r.partitionKey}: HTTP answered ${http.nodes} nodes/${http.edges} edges, the store ${direct.nodes}/${direct.edges}`);
            if (direct.nodes !== r.expected) problems.push(`${what} ${r.assetKey} ${r.partitionKey}: ${direct.nodes} nodes upstream, the data set has ${r.expected}`);
            if (i >= warmup) nodes.push(direct.nodes);
          }
          const http = timings(httpMs, sql.http.calls, sql.http.ms);
          const direct = timings(storeMs, sql.store.calls, sql.store.ms);
          nodes.sort((a, b) => a - b);
          log(
            `${what}: HTTP p50 ${http.p50.toFixed(2)} / p95 ${http.p95.toFixed(2)} / max ${http.max.toFixed(2)} ms (${http.statements.toFixed(1)} statements, ${http.sqlMs.toFixed(2)} ms in SQL); ` +
              `store p50 ${direct.p50.toFixed(2)} / p95 ${direct.p95.toFixed(2)} / max ${direct.max.toFixed(2)} ms (${direct.statements.toFixed(1)} statements, ${direct.sqlMs.toFixed(2)} ms in SQL); ` +
              `ratio of p95 ${(http.p95 / direct.p95).toFixed(2)} over ${count} roots (${warmup} warm-up), ${percentile(nodes, 50)} nodes (${nodes[0]}–${nodes.at(-1)})`,
          );
          return { http, store: direct, nodes: percentile(nodes, 50) };
        };

        // The floor of any request: HTTP, graphql-yoga's parse/validate/execute, no resolver reading the store.
        const floorMs: number[] = [];
        for (let i = 0; i < 120; i++) {
          const started = performance.now();
          await graphql(api.url, '{ __typename }');
          if (i >= 20) floorMs.push(performance.now() - started);
        }
        const floor = timings(floorMs, 0, 0);
        log(`floor ({ __typename } over HTTP): p50 ${floor.p50.toFixed(2)} / p95 ${floor.p95.toFixed(2)} ms`);

        const load = loadavg()[0] ?? 0;
        log(`load average before measuring: ${load.toFixed(2)} (2 cores: anything above ~0.5 means other work competes)`);
        const counts = rootCounts(scale);
        const tree = await measure('tree', counts.trees, counts.treeWarmup, treeRoot);
        const chain = await measure('chain', counts.chains, counts.chainWarmup, chainRoot);
        const ratio = tree.http.p95 / tree.store.p95;
        const chainRatio = chain.http.p95 / chain.store.p95;
        const result = {
          p50Ms: round(tree.http.p50),
          p95Ms: round(tree.http.p95),
          storeP50Ms: round(tree.store.p50),
          storeP95Ms: round(tree.store.p95),
          ratio: round(ratio),
          materializations: shape.materializations,
          nodes: tree.nodes,
          httpStatements: round(tree.http.statements, 1),
          storeStatements: round(tree.store.statements, 1),
          httpSqlMs: round(tree.http.sqlMs),
          storeSqlMs: round(tree.store.sqlMs),
          chainP50Ms: round(chain.http.p50),
          chainP95Ms: round(chain.http.p95),
          chainStoreP50Ms: round(chain.store.p50),
          chainStoreP95Ms: round(chain.store.p95),
          chainRatio: round(chainRatio),
          chainHttpStatements: round(chain.http.statements, 1),
          chainStoreStatements: round(chain.store.statements, 1),
          firstRequestMs: Math.round(firstRequestMs),
          floorP50Ms: round(floor.p50),
          floorP95Ms: round(floor.p95),
          generationSeconds: Math.round(server.generationSeconds),
          reusedCache: server.reused,
          loadAvg1m: round(load),
          treeRoots: counts.trees,
          chainRoots: counts.chains,
        };
        if (ratio > TARGET_RATIO) log(`HTTP p95 is ${ratio.toFixed(2)}× the store's (target ≤ ${TARGET_RATIO})`);
        return { ...checked(result, problems), ok: ratio <= TARGET_RATIO };
      } finally {
        await api.close();
        await db.close();
      }
    } finally {
      await server.stop();
    }
  },
};
