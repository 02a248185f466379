import { loadavg } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import { loadDefinitions, type PlanResult } from '@weft/core';
import { migrate, pgDatabase, pgliteDatabase, ProvenanceStore, type SqlDatabase, type MaterializationRecord } from '@weft/store';
import { startPostgres } from '@weft/services';
import pg from 'pg';
import type { Benchmark } from '../benchmark.js';
import { HexPool, round } from '../lineage/copy.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2000-01-01T00:00:00Z');
/** Rounds of recomputation: every partition has this many materializations, the last one current. */
const VERSIONS = 4;
const BATCH = 1_000;
/** Materializations per hour of data per round: raw, clean, and a 24th of the daily rollup. */
const PER_HOUR = 2 + 1 / 24;
/** The PGlite figure prunes at most this many materializations (a one-connection, in-process database). */
const PGLITE_MAX = 100_000;

const hourKey = (h: number): string => new Date(START + h * HOUR).toISOString().slice(0, 16);
const dayKey = (d: number): string => new Date(START + d * DAY).toISOString().slice(0, 10);

interface History {
  readonly hours: number;
  readonly materializations: number;
  readonly edges: number;
  readonly lastSeq: number;
  readonly recordSeconds: number;
}

/**
 * Records `VERSIONS` rounds of a three-asset pipeline through the store (batches of 1,000): `raw`
 * (hourly, no inputs) → `clean` (hourly, one input: the same hour of raw) → `daily` (a range input
 * over the day's 24 clean hours, read as of the last event). Every round recomputes every
 * partition, so all but the last round's materializations are superseded; all are older than the
 * policy.
 */
async function recordHistory(store: ProvenanceStore, hours: number, finishedAt: number, hex: HexPool): Promise<History> {
  const started = performance.now();
  let lastSeq = 0;
  let materializations = 0;
  let edges = 0;
  const record = (assetKey: string, partitionKey: string, inputs: MaterializationRecord['inputs']): MaterializationRecord => ({
    token: hex.next(),
    assetKey,
    partitionKey,
    codeVersion: 'v1',
    dataVersion: hex.next(),
    storageUri: `s3://weft-data/${assetKey}/${partitionKey}`,
    bytes: 4096,
    startedAt: finishedAt - 500,
    finishedAt,
    attempt: 1,
    worker: 'bench',
    computeProvider: 'local',
    workflowId: 'weft/materialize/bench',
    runId: 'run',
    inputsAsOf: lastSeq,
    inputs,
  });
  const flush = async (batch: MaterializationRecord[]): Promise<void> => {
    if (batch.length === 0) return;
    const { events } = await store.recordMaterializations(batch);
    lastSeq = events.at(-1)?.seq ?? lastSeq;
    materializations += batch.length;
    edges += batch.reduce((n, r) => n + r.inputs.length, 0);
    batch.length = 0;
  };
  for (let v = 0; v < VERSIONS; v++) {
    const raw: MaterializationRecord[] = [];
    const rawVersion = new Map<number, string>();
    let batch: MaterializationRecord[] = [];
    for (let h = 0; h < hours; h++) {
      const r = record('raw', hourKey(h), []);
      raw.push(r);
      rawVersion.set(h, r.dataVersion);
      batch.push(r);
      if (batch.length === BATCH) await flush(batch);
    }
    await flush(batch);
    batch = [];
    for (let h = 0; h < hours; h++) {
      batch.push(record('clean', hourKey(h), [{ name: 'raw', upstreamAsset: 'raw', partitionKey: hourKey(h), dataVersion: rawVersion.get(h) as string }]));
      if (batch.length === BATCH) await flush(batch);
    }
    await flush(batch);
    for (let d = 0; d < hours / 24; d++) {
      batch.push(record('daily', dayKey(d), [{ name: 'hours', upstreamAsset: 'clean', range: { first: hourKey(d * 24), last: hourKey(d * 24 + 23), count: 24, combinedHash: hex.next() } }]));
      if (batch.length === BATCH) await flush(batch);
    }
    await flush(batch);
  }
  return { hours, materializations, edges, lastSeq, recordSeconds: (performance.now() - started) / 1000 };
}

const emptyPlan = (cursor: number): PlanResult => ({ cursor, batches: [], changes: [], deferred: 0, wakeAt: null, ignored: [], reloadRequired: false });

/** Records a history of about `size` materializations on `db`, prunes it, checks what is left. */
async function measure(db: SqlDatabase, size: number, label: string, hex: HexPool, log: (line: string) => void): Promise<Record<string, number>> {
  const hours = Math.max(24, Math.round(size / VERSIONS / PER_HOUR / 24) * 24);
  await migrate(db);
  const store = new ProvenanceStore(db, 'bench');
  const now = Date.now();
  log(`[${label}] recording ${VERSIONS} versions of ${hours.toLocaleString('en-US')} hours (raw → clean → daily)…`);
  const history = await recordHistory(store, hours, now - 10 * DAY, hex);
  // The planner has read everything: retention is not held back by a cursor.
  await store.savePlan(emptyPlan(history.lastSeq), loadDefinitions([]), { now, dynamicKeys: () => [] });
  await db.query('VACUUM ANALYZE');
  log(`[${label}] ${history.materializations.toLocaleString('en-US')} materializations and ${history.edges.toLocaleString('en-US')} edges recorded in ${history.recordSeconds.toFixed(1)} s; load ${loadavg()[0]?.toFixed(2)}`);
  const expected = ((VERSIONS - 1) * history.materializations) / VERSIONS;
  const policy = { detailOlderThanMs: DAY };
  // clean's keys are UTC hours (YYYY-MM-DDTHH:mm): a daily read keeps only its 24 hours.
  const orderedAssets = ['clean'];
  let t = performance.now();
  const dry = await store.prune(policy, now, { dryRun: true, orderedAssets });
  const drySeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const pruned = await store.prune(policy, now, { orderedAssets });
  const seconds = (performance.now() - t) / 1000;
  if (dry.materializations !== expected || pruned.materializations !== expected) {
    throw new Error(`retention bench: expected ${expected} superseded materializations pruned, the dry run counted ${dry.materializations} and the prune removed ${pruned.materializations}`);
  }
  const [left] = await db.query<{ m: string; dangling: string }>(
    `SELECT (SELECT count(*) FROM weft_materializations) AS m,
            (SELECT count(*) FROM weft_input_edges e WHERE e.upstream_materialization_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM weft_materializations m WHERE m.id = e.upstream_materialization_id)) AS dangling`,
  );
  if (Number(left?.m) !== history.materializations - expected || Number(left?.dangling) !== 0) {
    throw new Error(`retention bench: ${left?.m} materializations left (expected ${history.materializations - expected}), ${left?.dangling} dangling edges`);
  }
  log(`[${label}] pruned ${pruned.materializations.toLocaleString('en-US')} of ${history.materializations.toLocaleString('en-US')} in ${seconds.toFixed(2)} s (dry run ${drySeconds.toFixed(2)} s)`);
  return { materializations: history.materializations, edges: history.edges, pruned: pruned.materializations, seconds, drySeconds };
}

/**
 * Retention at scale: `ProvenanceStore.prune({ detailOlderThanMs })` over a history recorded
 * through the store, on PostgreSQL 15 with default settings. Two sizes in one run (a quarter of
 * N, then N materializations, each in its own database): `scalingRatio` is the time per stored
 * row at N over the time per stored row at N/4 — about 1 when the sweep's work grows with the
 * rows, about 4 when it grows with their square. The dry run (count, then roll back) is timed
 * too. Checked: the prune removes exactly the superseded rounds and leaves no edge dangling.
 */
export const retentionBench: Benchmark = {
  name: 'retention',
  description: 'prune superseded materializations (with edges) from a 4-version history recorded by the store, at N/4 and N; N = materializations',
  defaultScale: 1_000_000,
  smokeScale: 4_000,
  async run({ scale, log }) {
    const server = await startPostgres({ durability: 'default', databaseUrl: '' });
    log(`PostgreSQL: ${server.version}`);
    const hex = new HexPool();
    const runs: Array<Record<string, number>> = [];
    try {
      for (const [i, size] of [Math.round(scale / 4), scale].entries()) {
        const name = `weft_bench_retention_${i}`;
        const admin = new pg.Client({ connectionString: server.adminUrl });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const db = pgDatabase(new pg.Pool({ connectionString: server.urlFor(name), max: 2 }));
        try {
          runs.push(await measure(db, size, `${i + 1}/2`, hex, log));
        } finally {
          await db.close();
        }
      }
    } finally {
      await server.stop();
    }
    const pglite = pgliteDatabase(await PGlite.create());
    let onPglite: Record<string, number>;
    try {
      onPglite = await measure(pglite, Math.min(scale, PGLITE_MAX), 'PGlite', hex, log);
    } finally {
      await pglite.close();
    }
    const [small, large] = runs as [Record<string, number>, Record<string, number>];
    const perRow = (r: Record<string, number>): number => (r['seconds'] as number) / (r['materializations'] as number);
    return {
      bench: 'retention',
      materializations: large['materializations'],
      edges: large['edges'],
      pruned: large['pruned'],
      seconds: round(large['seconds'] as number, 3),
      drySeconds: round(large['drySeconds'] as number, 3),
      prunedPerSecond: Math.round((large['pruned'] as number) / (large['seconds'] as number)),
      smallMaterializations: small['materializations'],
      smallSeconds: round(small['seconds'] as number, 3),
      scalingRatio: round(perRow(large) / perRow(small), 2),
      versions: VERSIONS,
      pglite: { materializations: onPglite['materializations'], seconds: round(onPglite['seconds'] as number, 3), prunedPerSecond: Math.round((onPglite['pruned'] as number) / (onPglite['seconds'] as number)) },
    };
  },
};
