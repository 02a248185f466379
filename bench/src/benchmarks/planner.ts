import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { loadDefinitions, PARTITION_STATUSES, Planner, type AssetGraph, type PartitionStatus, type PlannerSnapshot, type PlanResult, type WeftEvent } from '@weft/core';
import { copyLine, migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { startPostgres } from '@weft/services';
import pg from 'pg';
import { checked, type Benchmark } from '../benchmark.js';
import { CopyWriter } from '../lineage/copy.js';
import { BENCH_NOW, plannerGraph } from '../planner/graph.js';
import { readSnapshot } from '../planner/snapshot-file.js';

const GENERATOR = fileURLToPath(new URL('../planner/generate.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
/** Bump when the generated state changes shape. */
const FORMAT = 'v1';
/** Incremental replans measured. */
const INCREMENTAL = 21;

function generate(scale: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', TSX, GENERATOR, String(scale), `${path}.tmp`], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`planner state generator exited with ${code}`));
      renameSync(`${path}.tmp`, path);
      resolve();
    });
  });
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
/** asset, partition and token of every partition a plan starts. */
const startedSet = (plan: PlanResult): Set<string> => new Set(plan.batches.flatMap((b) => b.partitions.map((p) => `${b.assetKey} ${p.partitionKey} ${p.token}`)));

/** Counts of partitions per status over every asset. */
function statusCounts(planner: Planner, graph: AssetGraph): Record<PartitionStatus, number> {
  const counts = Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as Record<PartitionStatus, number>;
  for (const key of graph.order) for (const [s, n] of Object.entries(planner.summary(key))) counts[s as PartitionStatus] += n;
  return counts;
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
 * DESIGN §6 planning target, on 10 assets × `scale` partitions (1,007,453 at 100,000 with the
 * rollups), all materialized, after one source change that makes about 1% of them stale:
 *
 * - warm full plan: a planner built from an in-memory snapshot (index building included), which
 *   trusts the fresh statuses it holds (only what the change reaches is evaluated);
 * - the plan's partitions then complete (their success events applied, new data versions), and
 *   every partition that makes ready in turn, until nothing is left to run;
 * - incremental replans: one more source partition changes, plan (timed); then its work completes
 *   the same way (not timed) before the next change;
 * - a change in the middle of the hourly source (a running state reaches half of two assets);
 * - cold full plan: the same state written into PostgreSQL's partition state, read back by
 *   `ProvenanceStore.loadSnapshot` (timed), every status dropped, so every token is computed again
 *   from the stored data versions, then the same change and plan. It must start exactly what the
 *   warm plan started.
 */
export const plannerBench: Benchmark = {
  name: 'planner',
  description: 'warm and cold (from the store, every token computed) full plans over 10 assets × N partitions after a 1% change, the plan completed, then incremental replans (N = scale)',
  defaultScale: 100_000,
  smokeScale: 2_000,
  async run({ scale, log }) {
    const dir = join(tmpdir(), 'weft-bench');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `planner-${FORMAT}-${scale}.bin`);
    if (!existsSync(path)) {
      log(`generating the materialized state (cached in ${path})…`);
      await generate(scale, path);
    }
    const problems: string[] = [];
    const graph = loadDefinitions(plannerGraph(scale));
    const codeVersions = Object.fromEntries(graph.order.map((k) => [k, 'v1']));
    const snapshot = readSnapshot(path);
    const partitions = snapshot.assets.reduce((n, a) => n + a.count, 0);
    const assetPartitions = snapshot.assets.filter((a) => graph.node(a.assetKey).definition.kind === 'asset').reduce((n, a) => n + a.count, 0);
    const cursor = snapshot.cursor;
    const hourly = graph.node('readings_hourly').partitions;
    const dailyDef = graph.node('prices_daily').partitions;
    let seq = cursor;
    const change = (key: string, partitionKey: string): WeftEvent => ({ seq: ++seq, at: BENCH_NOW, kind: 'source.observed', assetKey: key, partitions: [{ partitionKey, dataVersion: sha(`${key}:${partitionKey}:changed:${seq}`) }] });

    // ─── warm full plan ───────────────────────────────────────────────────────────────────────
    // Build the index from the snapshot, apply one change 10% before the end of the hourly source
    // (the running state reaching every later hour makes ~1% of everything stale).
    const t0 = performance.now();
    const planner = new Planner(graph, { codeVersions });
    planner.load(snapshot, BENCH_NOW); // (the snapshot's arrays now belong to the planner)
    const ctx = planner.context;
    const firstChange = change('readings_hourly', hourly.keyAt(Math.floor(scale * 0.9), ctx));
    planner.apply([firstChange]);
    const full = planner.plan(BENCH_NOW);
    const warmFullPlanMs = performance.now() - t0;
    const warmStarted = startedSet(full);
    const warmTokens = planner.stats.tokens;
    const counts = statusCounts(planner, graph);
    const notFresh = partitions - counts.fresh;
    log(`warm full plan ${warmFullPlanMs.toFixed(1)} ms: ${partitions} partitions, ${notFresh} not fresh (${((100 * notFresh) / partitions).toFixed(2)}%), ${warmTokens} tokens hashed, ${warmStarted.size} partitions started in ${full.batches.length} batches`);

    // ─── completion: every planned partition succeeds, until nothing is left to run ───────────
    const complete = (plan: PlanResult): void => {
      const events: WeftEvent[] = [];
      for (const b of plan.batches) {
        for (const p of b.partitions) {
          events.push({ seq: ++seq, at: BENCH_NOW, kind: 'materialization.succeeded', assetKey: b.assetKey, partitionKey: p.partitionKey, token: p.token, dataVersion: sha(`value of ${p.token}`), codeVersion: b.codeVersion, inputsAsOf: plan.cursor });
        }
      }
      planner.apply(events);
    };
    const runToIdle = (first: PlanResult, times?: number[]): { plans: number; partitions: number } => {
      let plan = first;
      let plans = 0;
      let done = 0;
      while (plan.batches.length > 0) {
        done += plan.batches.reduce((n, b) => n + b.partitions.length, 0);
        complete(plan);
        const t = performance.now();
        plan = planner.plan(BENCH_NOW);
        times?.push(performance.now() - t);
        if (++plans > 2 * partitions) throw new Error('the plan does not settle');
      }
      return { plans, partitions: done };
    };
    const completionTimes: number[] = [];
    const tc = performance.now();
    const completion = runToIdle(full, completionTimes);
    const completionMs = performance.now() - tc;
    const settled = statusCounts(planner, graph);
    if (settled.fresh !== partitions) problems.push(`after the full plan completed, ${partitions - settled.fresh} partitions are not fresh: ${JSON.stringify(settled)}`);
    log(`completion: ${completion.partitions} partitions in ${completion.plans} replans after success events (${completionMs.toFixed(0)} ms; replan median ${median(completionTimes).toFixed(3)} ms, max ${Math.max(0, ...completionTimes).toFixed(2)} ms); everything fresh: ${settled.fresh === partitions}`);

    // ─── incremental: one more source partition changes, replan; then its work completes ─────
    // Each change is a price a few days before the end or a reading a few hours before the end:
    // their closures are tens of partitions (a running state reaches every later partition).
    const times: number[] = [];
    const evaluated: number[] = [];
    const startedEach: number[] = [];
    for (let k = 0; k < INCREMENTAL; k++) {
      const event = k % 2 === 0 ? change('prices_daily', dailyDef.keyAt(scale - 30 - k, ctx)) : change('readings_hourly', hourly.keyAt(scale - 30 - k, ctx));
      const before = planner.stats.evaluated;
      const t = performance.now();
      planner.apply([event]);
      const plan = planner.plan(BENCH_NOW);
      times.push(performance.now() - t);
      evaluated.push(planner.stats.evaluated - before);
      startedEach.push(plan.batches.reduce((n, b) => n + b.partitions.length, 0));
      if (plan.batches.length === 0) problems.push(`incremental change ${k + 1} started nothing`);
      runToIdle(plan);
    }
    const incrementalPlanMs = median(times);
    const afterIncremental = statusCounts(planner, graph);
    if (afterIncremental.fresh !== partitions) problems.push(`after the incremental changes completed, ${partitions - afterIncremental.fresh} partitions are not fresh`);

    // A change in the middle of the hourly source: its running state reaches half of two assets.
    const beforeWide = planner.stats.evaluated;
    const tWide = performance.now();
    planner.apply([change('readings_hourly', hourly.keyAt(Math.floor(scale / 2), ctx))]);
    planner.plan(BENCH_NOW);
    const wideChangeMs = performance.now() - tWide;
    const wideEvaluated = planner.stats.evaluated - beforeWide;
    const warmRssMb = rssMb();
    log(`incremental replans (after the full plan completed): median ${incrementalPlanMs.toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms, median ${median(evaluated)} partitions evaluated and ${median(startedEach)} started each`);
    log(`a change reaching ${wideEvaluated} partitions: ${wideChangeMs.toFixed(1)} ms; peak RSS so far ${warmRssMb} MB`);

    // ─── cold full plan: from the store's snapshot, every token computed ──────────────────────
    const server = await startPostgres({ durability: 'default', databaseUrl: '' });
    let cold: { loadMs: number; planMs: number; tokens: number; started: number; same: boolean; rows: number; notFresh: number };
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
        log(`store populated: ${rows} partition-state rows in ${Math.round(performance.now() - tp)} ms (${server.version})`);
        const store = new ProvenanceStore(db);
        const tl = performance.now();
        const stored = await store.loadSnapshot(graph, (keys) => ({ now: BENCH_NOW, dynamicKeys: (name) => keys[name] ?? [] }));
        const loadMs = performance.now() - tl;
        const tq = performance.now();
        // Trust no status: every partition of an asset is evaluated, its token computed and compared.
        const stale = PARTITION_STATUSES.indexOf('stale');
        for (const a of stored.assets) if (graph.node(a.assetKey).definition.kind === 'asset') a.status.fill(stale);
        const coldPlanner = new Planner(graph, { codeVersions }).load(stored, BENCH_NOW);
        coldPlanner.apply([firstChange]);
        const coldPlan = coldPlanner.plan(BENCH_NOW);
        const planMs = performance.now() - tq;
        const coldStarted = startedSet(coldPlan);
        const same = coldStarted.size === warmStarted.size && [...coldStarted].every((x) => warmStarted.has(x));
        const coldCounts = statusCounts(coldPlanner, graph);
        cold = { loadMs, planMs, tokens: coldPlanner.stats.tokens, started: coldStarted.size, same, rows, notFresh: partitions - coldCounts.fresh };
        if (!same) problems.push(`the cold plan started ${coldStarted.size} partitions, the warm one ${warmStarted.size}, not the same set (tokens or partitions differ)`);
        if (cold.notFresh !== notFresh) problems.push(`the cold plan found ${cold.notFresh} partitions not fresh, the warm one ${notFresh}`);
        // Every partition of an asset gets its token computed, except those waiting for the change to reach them.
        const waiting = notFresh - warmStarted.size;
        if (cold.tokens < assetPartitions - waiting) problems.push(`the cold plan computed ${cold.tokens} tokens for ${assetPartitions} partitions of assets (${waiting} waiting)`);
      } finally {
        await db.close();
      }
    } finally {
      await server.stop();
    }
    log(`cold full plan ${(cold.loadMs + cold.planMs).toFixed(1)} ms: loadSnapshot ${cold.loadMs.toFixed(1)} ms + planner ${cold.planMs.toFixed(1)} ms, ${cold.tokens} tokens hashed, ${cold.started} partitions started (same as warm: ${cold.same}); peak RSS ${rssMb()} MB`);
    return checked(
      {
        partitions,
        warmFullPlanMs: ms(warmFullPlanMs),
        coldFullPlanMs: ms(cold.loadMs + cold.planMs),
        incrementalPlanMs: ms(incrementalPlanMs, 2),
        incrementalMaxMs: ms(Math.max(...times), 2),
        incrementalEvaluated: median(evaluated),
        rssMb: warmRssMb,
        notFresh,
        warmTokensHashed: warmTokens,
        coldTokensHashed: cold.tokens,
        coldLoadSnapshotMs: ms(cold.loadMs),
        coldPlannerMs: ms(cold.planMs),
        coldSameAsWarm: cold.same,
        coldRssMb: rssMb(),
        startedByFullPlan: warmStarted.size,
        completionReplans: completion.plans,
        completionPartitions: completion.partitions,
        completionReplanMedianMs: ms(median(completionTimes), 3),
        wideChangeMs: ms(wideChangeMs),
        wideChangeEvaluated: wideEvaluated,
        targets: { fullPlanMs: 1000, incrementalPlanMs: 10, rssMb: 300 },
      },
      problems,
    );
  },
};
