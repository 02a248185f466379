import { asset, daily, input, monthly, rollup, source, window, type Definition, type PartitionKey, type SourceConnector } from '@weft/core';
import { intCodec } from '../support.js';

const DAY = 86_400_000;

/** The workload's clock (both systems): every partition is a closed window before this midnight. */
export const VS_NOW = Date.parse('2025-01-01T00:00:00Z');
/** Chains in the workload. */
export const CHAINS = 10;
/** Partitions per batch on Weft's side: the workers' run and the planner's decisions alike. */
export const WEFT_BATCH_SIZE = 500;

/** One chain's asset keys; the same names on both sides. */
export interface ChainKeys {
  readonly source: string;
  readonly cleaned: string;
  readonly monthly: string;
  readonly rolling: string;
}

/**
 * The workload both systems run: {@link CHAINS} chains of a daily source (external data) → `cleaned`
 * (daily, its day of the source) → `monthly` (a rollup of cleaned's days) and `rolling_7d` (daily,
 * a 7-day window of cleaned ending at its day), over `days` daily partitions ending at
 * {@link VS_NOW}. Monthly partitions are the whole months inside that range.
 */
export class VsWorkload {
  readonly start: string;
  readonly monthStart: string;
  readonly end = new Date(VS_NOW).toISOString().slice(0, 10);
  readonly dayKeys: readonly PartitionKey[];
  readonly monthKeys: readonly PartitionKey[];
  readonly chains: readonly ChainKeys[];

  constructor(readonly days: number) {
    const first = new Date(VS_NOW - days * DAY);
    this.start = first.toISOString().slice(0, 10);
    const firstMonth = first.getUTCDate() === 1 ? first : new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
    this.monthStart = firstMonth.toISOString().slice(0, 10);
    this.dayKeys = Array.from({ length: days }, (_, d) => new Date(VS_NOW - (days - d) * DAY).toISOString().slice(0, 10));
    const months: PartitionKey[] = [];
    for (let m = new Date(firstMonth); m.getTime() < VS_NOW; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) months.push(m.toISOString().slice(0, 7));
    this.monthKeys = months;
    this.chains = Array.from({ length: CHAINS }, (_, c) => ({ source: `c${c}_source`, cleaned: `c${c}_cleaned`, monthly: `c${c}_monthly`, rolling: `c${c}_rolling_7d` }));
  }

  /** Partitions of computed assets (what materializing everything from empty commits). */
  get assetPartitions(): number {
    return CHAINS * (2 * this.days + this.monthKeys.length);
  }

  /** The first wave a planner decides from scratch: every cleaned partition, by asset. */
  firstWave(): Map<string, readonly PartitionKey[]> {
    return new Map(this.chains.map((c) => [c.cleaned, this.dayKeys]));
  }

  /** The second wave, once cleaned is materialized: every monthly and rolling partition, by asset. */
  secondWave(): Map<string, readonly PartitionKey[]> {
    return new Map(this.chains.flatMap((c) => [[c.monthly, this.monthKeys] as const, [c.rolling, this.dayKeys] as const]));
  }

  /** The day whose source partition changes: the middle of chain 0's history (its month is whole, its window inside). */
  changedDay(): PartitionKey {
    return this.dayKeys[Math.floor(this.days / 2)] as PartitionKey;
  }

  /**
   * The affected closure of one source partition changing, worked out from the workload's shape
   * (not from either system): that day of cleaned, the month holding it (when it is a whole month
   * of the range), and the 7 rolling days whose windows include it.
   */
  closure(chain: ChainKeys, day: PartitionKey): Map<string, readonly PartitionKey[]> {
    const d = this.dayKeys.indexOf(day);
    const month = day.slice(0, 7);
    return new Map([
      [chain.cleaned, [day]],
      [chain.monthly, this.monthKeys.includes(month) ? [month] : []],
      [chain.rolling, this.dayKeys.slice(d, d + 7)],
    ]);
  }

  /**
   * The value a computed partition must hold when the sources hold `values` (per chain, per day):
   * cleaned its day's, rolling_7d the sum of the 7 days ending at its day (fewer at the range's
   * start), monthly the sum of its month's days. From prefix sums: constant time per partition at
   * any scale (the check reads every committed partition). Throws on a key not of the workload.
   */
  expectedValues(values: ReadonlyArray<readonly number[]>): (assetKey: string, partitionKey: PartitionKey) => number {
    const dayIndex = new Map(this.dayKeys.map((k, d) => [k, d]));
    const monthRange = new Map<string, [number, number]>();
    this.dayKeys.forEach((k, d) => {
      const range = monthRange.get(k.slice(0, 7));
      if (range) range[1] = d + 1;
      else monthRange.set(k.slice(0, 7), [d, d + 1]);
    });
    const prefix = values.map((vals) => {
      const out = new Float64Array(this.days + 1);
      for (let d = 0; d < this.days; d++) out[d + 1] = (out[d] as number) + (vals[d] ?? 0);
      return out;
    });
    return (assetKey, partitionKey) => {
      const [, chain, kind] = /^c(\d+)_(cleaned|monthly|rolling_7d)$/.exec(assetKey) ?? [];
      const sums = prefix[Number(chain)];
      const range = kind === 'monthly' ? monthRange.get(partitionKey) : undefined;
      const d = kind === 'monthly' ? undefined : dayIndex.get(partitionKey);
      if (!sums || (kind === 'monthly' ? !range : d === undefined)) throw new Error(`vs-dagster: no expected value for ${assetKey} ${partitionKey} (not a partition of the workload)`);
      const [from, to] = range ?? (kind === 'cleaned' ? [d as number, (d as number) + 1] : [Math.max(0, (d as number) - 6), (d as number) + 1]);
      return (sums[to] as number) - (sums[from] as number);
    };
  }

  /** A source partition's value: distinct per chain and day. */
  sourceValue(chain: number, day: number): number {
    return chain * 1_000_000 + day;
  }

  /**
   * Weft's definitions of the workload. Computes are trivial (identity and sums of small integers:
   * a value is needed for Weft to store, and early cutoff must not stop the change), sources read
   * from `connector` (values pushed, never polled: one observation a day).
   */
  definitions(connector: (chain: number) => SourceConnector, options: { batchSize?: number } = {}): Definition[] {
    const days = daily({ start: this.start, end: this.end });
    const months = monthly({ start: this.monthStart.slice(0, 7), end: this.end.slice(0, 7) });
    const sum = (values: Iterable<number>): number => {
      let s = 0;
      for (const v of values) s += v;
      return s;
    };
    const batch = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
    return this.chains.flatMap((c, i) => {
      const src = source<number>({ key: c.source, partitions: days, codec: intCodec, observe: connector(i), observeIntervalMs: DAY });
      const cleaned = asset({ key: c.cleaned, partitions: days, inputs: { raw: src }, codec: intCodec, version: 'v1', ...batch, compute: ({ raw }) => raw });
      const month = asset({ key: c.monthly, partitions: months, inputs: { days: input(cleaned, rollup()) }, codec: intCodec, version: 'v1', ...batch, compute: ({ days: d }) => sum(d.values()) });
      const rolling = asset({ key: c.rolling, partitions: days, inputs: { days: input(cleaned, window(7)) }, codec: intCodec, version: 'v1', ...batch, compute: ({ days: d }) => sum(d.values()) });
      return [src, cleaned, month, rolling];
    });
  }
}
