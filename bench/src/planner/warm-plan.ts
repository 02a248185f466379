/**
 * The planner benchmark's warm path: a planner built from the snapshot in memory plans after one
 * change, its work completes, then incremental replans and one wide change are timed.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { PARTITION_STATUSES, Planner, type AssetGraph, type PartitionStatus, type PlanResult, type WeftEvent } from '@weft/core';
import { percentile } from '../support.js';
import { BENCH_NOW } from './graph.js';
import { readSnapshot } from './snapshot-file.js';

/** Incremental replans measured. */
const INCREMENTAL = 21;

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
/** Peak resident set of this process so far, in MB. */
export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** asset, partition and token of every partition a plan starts. */
export const startedSet = (plan: PlanResult): Set<string> => new Set(plan.batches.flatMap((b) => b.partitions.map((p) => `${b.assetKey} ${p.partitionKey} ${p.token}`)));

/** Counts of partitions per status over every asset. */
export function statusCounts(planner: Planner, graph: AssetGraph): Record<PartitionStatus, number> {
  const counts = Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as Record<PartitionStatus, number>;
  for (const key of graph.order) for (const [s, n] of Object.entries(planner.summary(key))) counts[s as PartitionStatus] += n;
  return counts;
}

/** What the warm path measured (times in ms, memory in MB). */
export interface WarmResult {
  readonly partitions: number;
  readonly assetPartitions: number;
  readonly fullPlanMs: number;
  /** CPU time of the full plan (user + system): what the machine's load does not inflate. */
  readonly fullPlanCpuMs: number;
  readonly loadAvg1m: number;
  /** The change the full plan followed (the cold path replays it). */
  readonly firstChange: WeftEvent;
  readonly started: Set<string>;
  readonly notFresh: number;
  readonly tokens: number;
  readonly completion: { readonly plans: number; readonly partitions: number; readonly ms: number; readonly replanMedianMs: number; readonly replanMaxMs: number };
  /** Incremental replan times, ascending, with the partitions each evaluated and started. */
  readonly incremental: { readonly times: number[]; readonly evaluated: number[]; readonly started: number[] };
  readonly wide: { readonly ms: number; readonly evaluated: number };
  /** Peak RSS of the process when the warm path ended, and the typed arrays it held then. */
  readonly rssMb: number;
  readonly arrayBuffersMb: number;
}

/**
 * Runs the warm path over the snapshot file at `path`: every figure of {@link WarmResult}. The
 * planner and its snapshot are dropped when it returns (the cold path starts with their memory free).
 */
export function warmPlans(graph: AssetGraph, path: string, scale: number, codeVersions: Readonly<Record<string, string>>, log: (line: string) => void, problems: string[]): WarmResult {
  const snapshot = readSnapshot(path);
  const partitions = snapshot.assets.reduce((n, a) => n + a.count, 0);
  const assetPartitions = snapshot.assets.filter((a) => graph.node(a.assetKey).definition.kind === 'asset').reduce((n, a) => n + a.count, 0);
  const hourly = graph.node('readings_hourly').partitions;
  const dailyDef = graph.node('prices_daily').partitions;
  let seq = snapshot.cursor;
  const change = (key: string, partitionKey: string): WeftEvent => ({ seq: ++seq, at: BENCH_NOW, kind: 'source.observed', assetKey: key, partitions: [{ partitionKey, dataVersion: sha(`${key}:${partitionKey}:changed:${seq}`) }] });

  // ─── full plan ──────────────────────────────────────────────────────────────────────────────
  // Build the index from the snapshot, apply one change 10% before the end of the hourly source
  // (the running state reaching every later hour makes ~1% of everything stale).
  const loadAvg1m = loadavg()[0] ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const planner = new Planner(graph, { codeVersions });
  planner.load(snapshot, BENCH_NOW); // (the snapshot's arrays now belong to the planner)
  const ctx = planner.context;
  const firstChange = change('readings_hourly', hourly.keyAt(Math.floor(scale * 0.9), ctx));
  planner.apply([firstChange]);
  const full = planner.plan(BENCH_NOW);
  const fullPlanMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const started = startedSet(full);
  const tokens = planner.stats.tokens;
  const counts = statusCounts(planner, graph);
  const notFresh = partitions - counts.fresh;
  log(`warm full plan ${fullPlanMs.toFixed(1)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, load ${loadAvg1m.toFixed(1)}): ${partitions} partitions, ${notFresh} not fresh (${((100 * notFresh) / partitions).toFixed(2)}%), ${tokens} tokens hashed, ${started.size} partitions started in ${full.batches.length} batches`);

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
  const completed = runToIdle(full, completionTimes);
  const completion = { ...completed, ms: performance.now() - tc, replanMedianMs: percentile(sorted(completionTimes), 50), replanMaxMs: Math.max(0, ...completionTimes) };
  const settled = statusCounts(planner, graph);
  if (settled.fresh !== partitions) problems.push(`after the full plan completed, ${partitions - settled.fresh} partitions are not fresh: ${JSON.stringify(settled)}`);
  log(`completion: ${completion.partitions} partitions in ${completion.plans} replans after success events (${completion.ms.toFixed(0)} ms; replan median ${completion.replanMedianMs.toFixed(3)} ms, max ${completion.replanMaxMs.toFixed(2)} ms); everything fresh: ${settled.fresh === partitions}`);

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
  const afterIncremental = statusCounts(planner, graph);
  if (afterIncremental.fresh !== partitions) problems.push(`after the incremental changes completed, ${partitions - afterIncremental.fresh} partitions are not fresh`);

  // A change in the middle of the hourly source: its running state reaches half of two assets.
  const beforeWide = planner.stats.evaluated;
  const tWide = performance.now();
  planner.apply([change('readings_hourly', hourly.keyAt(Math.floor(scale / 2), ctx))]);
  planner.plan(BENCH_NOW);
  const wide = { ms: performance.now() - tWide, evaluated: planner.stats.evaluated - beforeWide };
  const incremental = { times: sorted(times), evaluated: sorted(evaluated), started: sorted(startedEach) };
  const rssMb = peakRssMb();
  const arrayBuffersMb = Math.round(process.memoryUsage().arrayBuffers / 2 ** 20);
  log(`incremental replans (after the full plan completed): p50 ${percentile(incremental.times, 50).toFixed(2)} ms, p95 ${percentile(incremental.times, 95).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms, median ${percentile(incremental.evaluated, 50)} partitions evaluated and ${percentile(incremental.started, 50)} started each`);
  log(`a change reaching ${wide.evaluated} partitions: ${wide.ms.toFixed(1)} ms; peak RSS so far ${rssMb} MB (typed arrays ${arrayBuffersMb} MB)`);
  return {
    partitions,
    assetPartitions,
    fullPlanMs,
    fullPlanCpuMs: (cpu.user + cpu.system) / 1000,
    loadAvg1m,
    firstChange,
    started,
    notFresh,
    tokens,
    completion,
    incremental,
    wide,
    rssMb,
    arrayBuffersMb,
  };
}
