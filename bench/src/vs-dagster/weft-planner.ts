import { createHash } from 'node:crypto';
import { loadDefinitions, Planner, sourceDataVersion, type PartitionKey, type PlanResult, type WeftEvent } from '@weft/core';
import { VS_NOW, WEFT_BATCH_SIZE, type VsWorkload } from './workload.js';

/** Count, hash of the sorted keys (joined by newlines) and ends of a set of partitions: as the Python side answers. */
export interface KeySummary {
  readonly count: number;
  readonly sha256: string;
  readonly first: string;
  readonly last: string;
}

/** Per asset, a {@link KeySummary} of `keys` (assets without keys left out). */
export function summarize(keys: ReadonlyMap<string, readonly PartitionKey[]>): Record<string, KeySummary> {
  const out: Record<string, KeySummary> = {};
  for (const [asset, list] of keys) {
    if (list.length === 0) continue;
    const sorted = [...list].sort();
    out[asset] = { count: sorted.length, sha256: createHash('sha256').update(sorted.join('\n')).digest('hex'), first: sorted[0] as string, last: sorted.at(-1) as string };
  }
  return out;
}

/** One decision of the planner (events applied, then a plan) and what it started. */
export interface WeftTick {
  readonly evalMs: number;
  readonly requested: Record<string, KeySummary>;
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 1000) / 1000;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Weft's decisions on the workload with the core planner in memory (as `bench/src/benchmarks/planner.ts`
 * uses it): the state the workers' loop holds, without the store. Mirrors the Dagster side's ticks:
 * a first plan before any data; then every source partition observed, plans (each timed with the
 * events it applies) with the started partitions succeeding in between (not timed), until nothing
 * is left to run; then, per change, one source partition observed with a new version, the same.
 */
export class WeftPlannerRun {
  private readonly planner: Planner;
  private seq = 0;

  constructor(private readonly workload: VsWorkload) {
    // (The same definitions as the workers' run: batches of WEFT_BATCH_SIZE.)
    const graph = loadDefinitions(workload.definitions(() => ({ name: 'none', observe: async () => [], read: async () => new Uint8Array() }), { batchSize: WEFT_BATCH_SIZE }));
    this.planner = new Planner(graph, { codeVersions: Object.fromEntries(graph.order.filter((k) => graph.node(k).definition.kind === 'asset').map((k) => [k, 'v1'])) });
    this.planner.load({ cursor: 0, dynamicKeys: {}, assets: [], requests: [] }, VS_NOW);
  }

  private observed(assetKey: string, partitions: ReadonlyArray<{ partitionKey: PartitionKey; value: number }>): WeftEvent {
    return { seq: ++this.seq, at: VS_NOW, kind: 'source.observed', assetKey, partitions: partitions.map((p) => ({ partitionKey: p.partitionKey, dataVersion: sourceDataVersion({ checksum: String(p.value) }) })) };
  }

  private completions(plan: PlanResult): WeftEvent[] {
    return plan.batches.flatMap((b) =>
      b.partitions.map((p): WeftEvent => ({ seq: ++this.seq, at: VS_NOW, kind: 'materialization.succeeded', assetKey: b.assetKey, partitionKey: p.partitionKey, token: p.token, dataVersion: sha(`value of ${p.token}`), codeVersion: b.codeVersion, inputsAsOf: plan.cursor })),
    );
  }

  /** Applies `events`, then plans until nothing starts, completing each plan's partitions in between. */
  private untilIdle(events: WeftEvent[]): { ticks: WeftTick[]; decided: Map<string, PartitionKey[]> } {
    const ticks: WeftTick[] = [];
    const decided = new Map<string, PartitionKey[]>();
    let pending = events;
    for (;;) {
      const t0 = performance.now();
      this.planner.apply(pending);
      const plan = this.planner.plan(VS_NOW);
      const evalMs = ms(t0);
      const started = new Map<string, PartitionKey[]>();
      const add = (into: Map<string, PartitionKey[]>, assetKey: string, keys: readonly PartitionKey[]): void => {
        const list = into.get(assetKey) ?? [];
        for (const k of keys) list.push(k);
        into.set(assetKey, list);
      };
      for (const b of plan.batches) add(started, b.assetKey, b.partitions.map((p) => p.partitionKey));
      for (const [k, keys] of started) add(decided, k, keys);
      ticks.push({ evalMs, requested: summarize(started) });
      if (plan.batches.length === 0 || ticks.length > 10) return { ticks, decided };
      pending = this.completions(plan);
    }
  }

  /** Before any data: what a first plan starts (nothing). */
  first(): WeftTick {
    return this.untilIdle([]).ticks[0] as WeftTick;
  }

  /** Every source partition observed, then plans until idle. */
  scratch(): { planMs: number; idleTickMs: number; ticks: WeftTick[]; decided: Record<string, KeySummary> } {
    const events = this.workload.chains.map((c, i) => this.observed(c.source, this.workload.dayKeys.map((partitionKey, d) => ({ partitionKey, value: this.workload.sourceValue(i, d) }))));
    const { ticks, decided } = this.untilIdle(events);
    return { planMs: sum(ticks.slice(0, -1)), idleTickMs: ticks.at(-1)?.evalMs ?? 0, ticks, decided: summarize(decided) };
  }

  /** Chain `chain`'s source partition `day` observed with `value`, then plans until idle. */
  change(chain: number, day: PartitionKey, value: number): { ticks: WeftTick[]; recomputed: Record<string, KeySummary> } {
    const source = this.workload.chains[chain]?.source as string;
    const { ticks, decided } = this.untilIdle([this.observed(source, [{ partitionKey: day, value }])]);
    return { ticks, recomputed: summarize(decided) };
  }
}

const sum = (ticks: readonly WeftTick[]): number => Math.round(ticks.reduce((n, t) => n + t.evalMs, 0) * 1000) / 1000;
