import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { loadDefinitions, Planner, type PartitionStatus, type WeftEvent } from '@weft/core';
import type { Benchmark } from '../benchmark.js';
import { BENCH_NOW, plannerGraph } from '../planner/graph.js';
import { readSnapshot } from '../planner/snapshot-file.js';

const GENERATOR = fileURLToPath(new URL('../planner/generate.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
/** Bump when the generated state changes shape. */
const FORMAT = 'v1';

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
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * DESIGN §6 planning target: a full plan over 10 assets × `scale` partitions from an in-memory
 * snapshot (index building included) after one source change that makes about 1% of the
 * partitions stale, then incremental plans after one more source partition changes each.
 */
export const plannerBench: Benchmark = {
  name: 'planner',
  description: 'full plan over 10 assets × N partitions after a 1% change, then incremental replans (N = scale)',
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
    const snapshot = readSnapshot(path);
    const graph = loadDefinitions(plannerGraph(scale));
    const codeVersions = Object.fromEntries(graph.order.map((k) => [k, 'v1']));
    const partitions = snapshot.assets.reduce((n, a) => n + a.count, 0);
    const hourly = graph.node('readings_hourly').partitions;
    const dailyDef = graph.node('prices_daily').partitions;
    let seq = snapshot.cursor;
    const change = (key: string, partitionKey: string): WeftEvent => ({ seq: ++seq, at: BENCH_NOW, kind: 'source.observed', assetKey: key, partitions: [{ partitionKey, dataVersion: sha(`${key}:${partitionKey}:changed:${seq}`) }] });

    // Full plan: build the index from the snapshot, apply one change 10% before the end of the
    // hourly source (its running state makes the rest of the hours stale: ~1% of everything).
    const t0 = performance.now();
    const planner = new Planner(graph, { codeVersions });
    planner.load(snapshot, BENCH_NOW);
    const ctx = planner.context;
    planner.apply([change('readings_hourly', hourly.keyAt(Math.floor(scale * 0.9), ctx))]);
    const full = planner.plan(BENCH_NOW);
    const fullPlanMs = performance.now() - t0;
    const counts: Record<PartitionStatus, number> = { fresh: 0, missing: 0, stale: 0, running: 0, failed: 0, blocked: 0, check_failed: 0 };
    for (const key of graph.order) for (const [s, n] of Object.entries(planner.summary(key))) counts[s as PartitionStatus] += n;
    const tokensFull = planner.stats.tokens;
    const notFresh = partitions - counts.fresh;
    log(`full plan ${fullPlanMs.toFixed(1)} ms: ${partitions} partitions, ${notFresh} not fresh (${((100 * notFresh) / partitions).toFixed(2)}%), ${tokensFull} tokens hashed, ${full.batches.length} batches`);

    // Incremental: one more source partition changes (a daily price, then an hourly reading), replan.
    // Each change is a price a few days before the end or a reading a few hours before the end:
    // their closures are tens of partitions (a running state reaches every later partition).
    const times: number[] = [];
    const evaluated: number[] = [];
    for (let k = 0; k < 21; k++) {
      const t = performance.now();
      const before = planner.stats.evaluated;
      const event = k % 2 === 0 ? change('prices_daily', dailyDef.keyAt(scale - 30 - k, ctx)) : change('readings_hourly', hourly.keyAt(scale - 30 - k, ctx));
      planner.apply([event]);
      planner.plan(BENCH_NOW);
      times.push(performance.now() - t);
      evaluated.push(planner.stats.evaluated - before);
    }
    const incrementalPlanMs = median(times);
    // A change in the middle of the hourly source: its running state makes 50% of that asset stale.
    const tWide = performance.now();
    const beforeWide = planner.stats.evaluated;
    planner.apply([change('readings_hourly', hourly.keyAt(Math.floor(scale / 2), ctx))]);
    planner.plan(BENCH_NOW);
    const wideChangeMs = performance.now() - tWide;
    const wideEvaluated = planner.stats.evaluated - beforeWide;
    const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    log(`incremental replans: median ${incrementalPlanMs.toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms, median ${median(evaluated)} partitions evaluated each`);
    log(`a change reaching ${wideEvaluated} partitions: ${wideChangeMs.toFixed(1)} ms; peak RSS ${rssMb} MB`);
    return {
      partitions,
      fullPlanMs: Math.round(fullPlanMs * 10) / 10,
      incrementalPlanMs: Math.round(incrementalPlanMs * 100) / 100,
      incrementalMaxMs: Math.round(Math.max(...times) * 100) / 100,
      incrementalEvaluated: median(evaluated),
      wideChangeMs: Math.round(wideChangeMs * 10) / 10,
      wideChangeEvaluated: wideEvaluated,
      rssMb,
      notFresh,
      tokensHashed: tokensFull,
      targets: { fullPlanMs: 1000, incrementalPlanMs: 10, rssMb: 300 },
    };
  },
};
