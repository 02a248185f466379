import { asset, daily, hourly, input, monthly, offset, rollup, self, source, window, type Definition, type SourceConnector } from '@weft/core';
import { intCodec } from '../support.js';

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** Options of {@link minimalityGraph}. */
export interface MinimalityGraphOptions {
  /** Where the workers read the readings from (the in-process runner is given them with setSource). */
  readonly connector?: SourceConnector;
  /** Called whenever a compute runs (asset, partition): what the workers recomputed. */
  readonly onCompute?: (assetKey: string, partitionKey: string) => void;
  /** Partitions per batch. @default the planner's default */
  readonly batchSize?: number;
}

/**
 * A mixed graph whose computes really run: hourly readings → daily totals → a capped daily level
 * (min(total, 100): many changes stop there, early cutoff) → 7-day window and monthly rollup, a
 * running total over itself, and an hourly parity flag (changes flip it only half the time).
 * Every compute is synchronous and pure (the oracle runs them too).
 */
export function minimalityGraph(start: string, options: MinimalityGraphOptions = {}): Definition[] {
  const seen = options.onCompute ?? (() => {});
  /** A compute's value, counted as a run of it. */
  const counted = <T>(assetKey: string, partitionKey: string, value: T): T => {
    seen(assetKey, partitionKey);
    return value;
  };
  const batch = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
  const readings = source<number>({ key: 'readings', partitions: hourly({ start }), codec: intCodec, ...(options.connector ? { observe: options.connector, observeIntervalMs: 3_600_000 } : {}) });
  const parity = asset({ key: 'hourly_parity', partitions: hourly({ start }), inputs: { r: readings }, codec: intCodec, version: 'v1', ...batch, compute: ({ r }, ctx) => counted('hourly_parity', ctx.partitionKey, r % 2) });
  const dailyTotal = asset({ key: 'daily_total', partitions: daily({ start }), inputs: { hours: input(readings, rollup()) }, codec: intCodec, version: 'v1', ...batch, compute: ({ hours }, ctx) => counted('daily_total', ctx.partitionKey, sum(hours)) });
  const capped = asset({ key: 'daily_capped', partitions: daily({ start }), inputs: { t: dailyTotal }, codec: intCodec, version: 'v1', ...batch, compute: ({ t }, ctx) => counted('daily_capped', ctx.partitionKey, Math.min(t, 100)) });
  const weekly = asset({ key: 'capped_7d', partitions: daily({ start }), inputs: { days: input(capped, window(7)) }, codec: intCodec, version: 'v1', ...batch, compute: ({ days }, ctx) => counted('capped_7d', ctx.partitionKey, sum(days)) });
  const monthlyTotal = asset({ key: 'monthly_capped', partitions: monthly({ start: start.slice(0, 7) }), inputs: { days: input(capped, rollup()) }, codec: intCodec, version: 'v1', ...batch, compute: ({ days }, ctx) => counted('monthly_capped', ctx.partitionKey, sum(days)) });
  const running = asset({ key: 'running_capped', partitions: daily({ start }), inputs: { t: capped, prev: self<number>(offset(-1)) }, codec: intCodec, version: 'v1', ...batch, compute: ({ t, prev }, ctx) => counted('running_capped', ctx.partitionKey, t + (prev ?? 0)) });
  const parityDaily = asset({ key: 'daily_odd_hours', partitions: daily({ start }), inputs: { hours: input(parity, rollup()) }, codec: intCodec, version: 'v1', ...batch, compute: ({ hours }, ctx) => counted('daily_odd_hours', ctx.partitionKey, sum(hours)) });
  return [readings, parity, dailyTotal, capped, weekly, monthlyTotal, running, parityDaily];
}
