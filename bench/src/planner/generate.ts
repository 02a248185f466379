/**
 * Builds the planner benchmark's state: every source partition observed, every asset partition
 * materialized with the token the planner itself computes (so the state is consistent), written
 * as a snapshot file. Runs in its own process so its memory does not count against the benchmark.
 *
 *   tsx bench/src/planner/generate.ts <partitions per asset> <output file>
 */
import { createHash } from 'node:crypto';
import { loadDefinitions, Planner, type WeftEvent } from '@weft/core';
import { BENCH_NOW, plannerGraph } from './graph.js';
import { writeSnapshot } from './snapshot-file.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

async function main(): Promise<void> {
  const [scaleArg, out] = process.argv.slice(2);
  const scale = Number(scaleArg);
  if (!Number.isSafeInteger(scale) || scale < 100 || !out) throw new Error('usage: generate.ts <partitions per asset ≥ 100> <output file>');
  const started = performance.now();
  const graph = loadDefinitions(plannerGraph(scale));
  const codeVersions = Object.fromEntries(graph.order.map((k) => [k, 'v1']));
  const planner = new Planner(graph, { codeVersions }).load({ cursor: 0, dynamicKeys: {}, assets: [], requests: [] }, BENCH_NOW);
  const ctx = planner.context;
  let seq = 0;
  const events: WeftEvent[] = [];
  for (const key of ['readings_hourly', 'prices_daily']) {
    const def = graph.node(key).partitions;
    const count = def.count(ctx);
    const partitions = Array.from({ length: count }, (_, i) => ({ partitionKey: def.keyAt(i, ctx), dataVersion: sha(`${key}:${i}:v0`) }));
    events.push({ seq: ++seq, at: BENCH_NOW, kind: 'source.observed', assetKey: key, partitions });
  }
  planner.apply(events);
  planner.adoptAll((_asset, _key, token) => sha(`value of ${token}`));
  writeSnapshot(out, planner.snapshot());
  process.stderr.write(`[planner] generated ${graph.order.length} assets × ${scale} partitions in ${Math.round(performance.now() - started)} ms → ${out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
