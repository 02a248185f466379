import { loadavg } from 'node:os';
import { asset, hourly, loadDefinitions, PARTITION_STATUSES, type PartitionContext, type PartitionStatus } from '@weft/core';
import { startPostgres } from '@weft/services';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import pg from 'pg';
import { checked, type Benchmark } from '../benchmark.js';
import { deployGraph, graphql, member, startApi } from '../api/server.js';
import { CopyWriter, percentile, prng, round } from '../lineage/copy.js';
import { intCodec } from '../support.js';

const HOUR = 3_600_000;
const START = '1910-01-01T00:00';
const START_MS = Date.UTC(1910, 0, 1);
const ASSET = 'readings_hourly';
const DATABASE = 'weft_bench_summary';
/** Warm calls of each query (the default summary and the drill-down), alternating. */
const WARM_CALLS = 100;
/** Summaries of the asset asked for at once on a stale cache. */
const CONCURRENT = 4;
/** The default summary's p95 target (ms), warm. */
const TARGET_P95_MS = 100;
/**
 * How partitions are spread over statuses, in per mille; `none` has no state row at all (never
 * materialized: missing, like the explicit `missing` rows).
 */
const MIX: ReadonlyArray<readonly [PartitionStatus | 'none', number]> = [
  ['none', 80],
  ['missing', 20],
  ['fresh', 700],
  ['stale', 100],
  ['failed', 40],
  ['running', 20],
  ['blocked', 20],
  ['check_failed', 20],
];

const SUMMARY = `query Summary($key: String!, $level: SummaryLevel, $from: String, $to: String) {
  asset(key: $key) {
    __typename
    ... on Asset {
      statusSummary(level: $level, from: $from, to: $to) {
        total { fresh missing stale running failed blocked checkFailed }
        dimensions { dimension buckets { label count counts { fresh failed missing } } }
      }
    }
    ... on Error { message }
  }
}`;

type Counts = Record<'fresh' | 'missing' | 'stale' | 'running' | 'failed' | 'blocked' | 'checkFailed', number>;
interface SummaryAnswer {
  asset: {
    __typename: 'Asset';
    statusSummary: { total: Counts; dimensions: Array<{ dimension: string; buckets: Array<{ label: string; count: number; counts: { fresh: number; failed: number; missing: number } }> }> };
  };
}

const camel = (s: PartitionStatus): keyof Counts => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) as keyof Counts;

/** Expected buckets: label → partitions, fresh, failed, missing. */
type Buckets = Map<string, { count: number; fresh: number; failed: number; missing: number }>;

function bucketsOf(keys: readonly string[], codes: Uint8Array, labelOf: (key: string) => string, from = 0, to = keys.length): Buckets {
  const out: Buckets = new Map();
  const [fresh, failed, missing] = (['fresh', 'failed', 'missing'] as const).map((s) => PARTITION_STATUSES.indexOf(s));
  for (let i = from; i < to; i++) {
    const label = labelOf(keys[i] as string);
    let b = out.get(label);
    if (!b) out.set(label, (b = { count: 0, fresh: 0, failed: 0, missing: 0 }));
    b.count++;
    const c = codes[i];
    if (c === fresh) b.fresh++;
    else if (c === failed) b.failed++;
    else if (c === missing) b.missing++;
  }
  return out;
}

/** Differences between an answer's buckets and the expected ones (at most a few named). */
function compareBuckets(what: string, answer: SummaryAnswer['asset']['statusSummary'], expected: Buckets): string[] {
  const buckets = answer.dimensions[0]?.buckets ?? [];
  const problems: string[] = [];
  if (answer.dimensions.length !== 1) problems.push(`${what}: ${answer.dimensions.length} dimensions, expected 1`);
  if (buckets.length !== expected.size) problems.push(`${what}: ${buckets.length} buckets, expected ${expected.size} (${[...expected.keys()].slice(0, 3).join(', ')}…)`);
  for (const b of buckets) {
    const e = expected.get(b.label);
    if (!e) problems.push(`${what}: unexpected bucket ${b.label}`);
    else if (e.count !== b.count || e.fresh !== b.counts.fresh || e.failed !== b.counts.failed || e.missing !== b.counts.missing)
      problems.push(`${what}: bucket ${b.label} has ${JSON.stringify({ count: b.count, ...b.counts })}, expected ${JSON.stringify(e)}`);
    if (problems.length > 5) break;
  }
  return problems;
}

/**
 * Status summaries through the GraphQL API over HTTP: one hourly asset of N partitions from
 * 1910-01-01 (default 1,000,000: to 2024-01-29), partition-state rows COPYed for 92% of them
 * (fresh 70%, stale 10%, failed 4%, missing 2%, running, blocked and check_failed 2% each; 8% have
 * no row), on PostgreSQL 15 with default settings. Timed: the first (cold) summary, which reads
 * every state row of the asset into the server's status-code cache; then `WARM_CALLS` each of
 * the default summary (year buckets) and of a drill-down (a random month's days: `level: DAY` with
 * `from`/`to` hour keys), alternating; then one summary after an event of another code location
 * (the cache's state version is the newest event of any location) and `CONCURRENT` summaries at
 * once after one more. Checked on every answer: totals and bucket counts equal what was inserted.
 * `ok` when the warm default summary's p95 is at most 100 ms.
 */
export const apiSummaryBench: Benchmark = {
  name: 'api-summary',
  description: 'GraphQL statusSummary over HTTP of an hourly asset of N partitions: the cold call, then warm year summaries and month drill-downs',
  defaultScale: 1_000_000,
  smokeScale: 20_000,
  async run({ scale, log }) {
    const partitions = Math.round(scale);
    const def = hourly({ start: START });
    const now = START_MS + partitions * HOUR + 60_000;
    const ctx: PartitionContext = { now, dynamicKeys: () => [] };
    if (def.count(ctx) !== partitions) throw new Error(`hourly from ${START} has ${def.count(ctx)} partitions at ${new Date(now).toISOString()}, expected ${partitions}`);
    const graph = loadDefinitions([asset({ key: ASSET, partitions: def, codec: intCodec, compute: () => 0 })]);

    // What to insert: every key in the definition's own format, and each partition's status.
    const t0 = performance.now();
    const keys = Array.from({ length: partitions }, (_, i) => def.keyAt(i, ctx));
    const codes = new Uint8Array(partitions).fill(PARTITION_STATUSES.indexOf('missing'));
    const rowStatus: Array<PartitionStatus | undefined> = new Array<PartitionStatus | undefined>(partitions);
    const rand = prng(19_100_101);
    const total = MIX.reduce((s, [, w]) => s + w, 0);
    let rows = 0;
    for (let i = 0; i < partitions; i++) {
      let r = rand() * total;
      let status: PartitionStatus | 'none' = 'none';
      for (const [s, w] of MIX) {
        if (r < w) {
          status = s;
          break;
        }
        r -= w;
      }
      if (status === 'none') continue;
      rowStatus[i] = status;
      codes[i] = PARTITION_STATUSES.indexOf(status);
      rows++;
    }
    const expectedTotal = Object.fromEntries(PARTITION_STATUSES.map((s) => [camel(s), 0])) as Counts;
    for (const c of codes) expectedTotal[camel(PARTITION_STATUSES[c] as PartitionStatus)]++;
    log(`${partitions.toLocaleString('en')} partitions (${keys[0]} … ${keys.at(-1)}), ${rows.toLocaleString('en')} state rows: ${JSON.stringify(expectedTotal)} (keys in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    const server = await startPostgres({ durability: 'default', databaseUrl: '' });
    log(`PostgreSQL: ${server.version}`);
    try {
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${DATABASE}`);
      await admin.end();
      const pool = new pg.Pool({ connectionString: server.urlFor(DATABASE), max: 4 });
      // pool.end() resolves before idle sockets are closed: the server's shutdown must not crash the run.
      pool.on('error', () => {});
      const db = pgDatabase(pool);
      try {
        await migrate(db);
        const t1 = performance.now();
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const copy = new CopyWriter(client, 'weft_partition_state', ['location', 'asset_key', 'partition_key', 'status']);
          let chunk = '';
          let inChunk = 0;
          for (let i = 0; i < partitions; i++) {
            const status = rowStatus[i];
            if (status === undefined) continue;
            chunk += `default\t${ASSET}\t${keys[i]}\t${status}\n`;
            if (++inChunk === 20_000) {
              await copy.write(chunk, inChunk);
              chunk = '';
              inChunk = 0;
            }
          }
          await copy.write(chunk, inChunk);
          await copy.end();
          await client.query('COMMIT');
          await client.query('VACUUM (ANALYZE) weft_partition_state');
        } finally {
          client.release();
        }
        const insertSeconds = (performance.now() - t1) / 1000;
        const stored = await pool.query<{ n: string }>('SELECT count(*) AS n FROM weft_partition_state WHERE location = $1 AND asset_key = $2', ['default', ASSET]);
        log(`COPY of ${rows.toLocaleString('en')} state rows and VACUUM ANALYZE in ${insertSeconds.toFixed(1)} s (${stored.rows[0]?.n} stored)`);
        await deployGraph(db, graph);

        const api = await startApi(db, now);
        const problems: string[] = [];
        try {
          const summary = async (variables: Record<string, unknown>): Promise<{ ms: number; answer: SummaryAnswer['asset']['statusSummary'] }> => {
            const started = performance.now();
            const data = await graphql<SummaryAnswer>(api.url, SUMMARY, { key: ASSET, ...variables });
            const ms = performance.now() - started;
            return { ms, answer: member(data.asset, 'Asset').statusSummary };
          };
          // The catalog is read by the first request: not part of the cold summary.
          await graphql(api.url, `query { asset(key: "${ASSET}") { __typename } }`);

          const years = bucketsOf(keys, codes, (k) => k.slice(0, 4));
          const checkTotal = (what: string, total: Counts, expected: Counts): void => {
            for (const s of Object.keys(expected) as Array<keyof Counts>) if (total[s] !== expected[s]) problems.push(`${what}: total ${s} ${total[s]}, inserted ${expected[s]}`);
          };
          const checkYears = (what: string, answer: SummaryAnswer['asset']['statusSummary']): void => {
            checkTotal(what, answer.total, expectedTotal);
            problems.push(...compareBuckets(what, answer, years));
          };
          const load = loadavg()[0] ?? 0;
          log(`load average before measuring: ${load.toFixed(2)} (2 cores: anything above ~0.5 means other work competes)`);
          const cold = await summary({});
          checkYears('cold summary', cold.answer);
          log(`cold summary: ${cold.ms.toFixed(0)} ms (${cold.answer.dimensions[0]?.buckets.length} year buckets)`);

          // Months whose days are all partitions, for the drill-downs.
          const months: Array<{ from: string; to: string; first: number; last: number }> = [];
          for (let first = 0; first < partitions; ) {
            const month = (keys[first] as string).slice(0, 7);
            let last = first;
            while (last + 1 < partitions && (keys[last + 1] as string).startsWith(month)) last++;
            const next = new Date(Date.parse(`${month}-01T00:00:00Z`));
            next.setUTCMonth(next.getUTCMonth() + 1);
            if (last + 1 < partitions || def.windowAt(last).end === next.getTime()) months.push({ from: keys[first] as string, to: keys[last] as string, first, last });
            first = last + 1;
          }
          const defaultMs: number[] = [];
          const drillMs: number[] = [];
          const drillExpected = new Map<number, { total: Counts; days: Buckets }>();
          for (let i = 0; i < WARM_CALLS * 2; i++) {
            if (i % 2 === 0) {
              const r = await summary({});
              defaultMs.push(r.ms);
              if (problems.length < 20) checkYears(`warm summary ${i / 2 + 1}`, r.answer);
            } else {
              const m = Math.floor(rand() * months.length);
              const month = months[m] as (typeof months)[number];
              const r = await summary({ level: 'DAY', from: month.from, to: month.to });
              drillMs.push(r.ms);
              let expected = drillExpected.get(m);
              if (!expected) {
                const total = Object.fromEntries(PARTITION_STATUSES.map((s) => [camel(s), 0])) as Counts;
                for (let p = month.first; p <= month.last; p++) total[camel(PARTITION_STATUSES[codes[p] as number] as PartitionStatus)]++;
                expected = { total, days: bucketsOf(keys, codes, (k) => k.slice(0, 10), month.first, month.last + 1) };
                drillExpected.set(m, expected);
              }
              if (problems.length < 20) {
                const what = `drill-down ${month.from} … ${month.to}`;
                checkTotal(what, r.answer.total, expected.total);
                problems.push(...compareBuckets(what, r.answer, expected.days));
              }
            }
          }
          // The cache is keyed by the state version: an event anywhere (here one of another code
          // location, which changes nothing of this asset) makes the next summary read every row again.
          const elsewhere = new ProvenanceStore(db, 'elsewhere');
          await elsewhere.recordDeployment({ assets: [] }, { round: '1' });
          const afterEvent = await summary({});
          checkYears('summary after an event of another location', afterEvent.answer);
          log(`summary after an event of another code location: ${afterEvent.ms.toFixed(0)} ms`);
          // Concurrent requests on a stale cache each read the rows.
          await elsewhere.recordDeployment({ assets: [] }, { round: '2' });
          const t2 = performance.now();
          const concurrent = await Promise.all(Array.from({ length: CONCURRENT }, () => summary({})));
          const concurrentMs = performance.now() - t2;
          for (const [n, c] of concurrent.entries()) checkYears(`concurrent cold summary ${n + 1}`, c.answer);
          log(`${CONCURRENT} concurrent summaries after another event: all answered in ${concurrentMs.toFixed(0)} ms (each ${concurrent.map((c) => c.ms.toFixed(0)).join(', ')} ms)`);

          defaultMs.sort((a, b) => a - b);
          drillMs.sort((a, b) => a - b);
          const p95 = percentile(defaultMs, 95);
          log(`warm default summary: p50 ${percentile(defaultMs, 50).toFixed(2)} / p95 ${p95.toFixed(2)} / max ${defaultMs.at(-1)?.toFixed(2)} ms over ${defaultMs.length} calls`);
          log(`warm drill-down (a month's days): p50 ${percentile(drillMs, 50).toFixed(2)} / p95 ${percentile(drillMs, 95).toFixed(2)} / max ${drillMs.at(-1)?.toFixed(2)} ms over ${drillMs.length} calls`);
          if (p95 > TARGET_P95_MS) log(`warm default summary p95 ${p95.toFixed(1)} ms is over the ${TARGET_P95_MS} ms target`);
          const result = {
            partitions,
            p95Ms: round(p95),
            p50Ms: round(percentile(defaultMs, 50)),
            coldMs: round(cold.ms),
            drillDownP95Ms: round(percentile(drillMs, 95)),
            drillDownP50Ms: round(percentile(drillMs, 50)),
            afterOtherLocationEventMs: round(afterEvent.ms),
            concurrentColdMs: round(concurrentMs),
            stateRows: rows,
            yearBuckets: years.size,
            warmCalls: defaultMs.length,
            insertSeconds: round(insertSeconds, 1),
            loadAvg1m: round(load),
          };
          return { ...checked(result, problems), ok: p95 <= TARGET_P95_MS };
        } finally {
          await api.close();
        }
      } finally {
        await db.close();
      }
    } finally {
      await server.stop();
    }
  },
};
