import { asset, daily, hourly, input, monthly, offset, rollup, self, source, window, type Definition } from '@weft/core';
import { intCodec } from '../support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Values never flow through the planner benchmark: a codec is needed only to define the assets. */
const numberCodec = intCodec;

/** The benchmark's clock: a fixed midnight, so runs are comparable. */
export const BENCH_NOW = Date.parse('2025-01-01T00:00:00Z');

/**
 * The most daily partitions the second chain has: more would start before year 1000 (a million
 * days go back to 713 BC, which ISO dates of four digits cannot name). Above it that chain is
 * hourly too.
 */
export const MAX_DAILY = 365_000;

/**
 * Ten assets of `perAsset` partitions each (two sources, four hourly assets, four daily ones),
 * wired with identity, 24-hour and 6-hour windows, a 7- and a 30-day window, running states
 * reading their own previous partition, and two smaller rollups (hours → days, days → months).
 * Above {@link MAX_DAILY} partitions per asset the "daily" chain has hourly windows (same shape:
 * 7- and 30-window rolls, a running state, a rollup into months).
 */
export function plannerGraph(perAsset: number): Definition[] {
  const hourStart = new Date(BENCH_NOW - perAsset * HOUR).toISOString().slice(0, 13);
  const dailyChain = perAsset <= MAX_DAILY;
  const dayStart = new Date(BENCH_NOW - perAsset * DAY).toISOString().slice(0, 10);
  const period = (): ReturnType<typeof daily> => (dailyChain ? daily({ start: dayStart }) : hourly({ start: `${hourStart}:00` }));
  const sum = (values: Iterable<number>): number => {
    let s = 0;
    for (const v of values) s += v;
    return s;
  };
  const srcH = source<number>({ key: 'readings_hourly', partitions: hourly({ start: `${hourStart}:00` }), codec: numberCodec });
  const srcD = source<number>({ key: 'prices_daily', partitions: period(), codec: numberCodec });
  const h1 = asset({ key: 'h1_clean', partitions: hourly({ start: `${hourStart}:00` }), inputs: { raw: srcH }, codec: numberCodec, compute: ({ raw }) => raw });
  const h2 = asset({ key: 'h2_rolling_24h', partitions: hourly({ start: `${hourStart}:00` }), inputs: { hours: input(h1, window(24)) }, codec: numberCodec, compute: ({ hours }) => sum(hours.values()) });
  const h3 = asset({ key: 'h3_running', partitions: hourly({ start: `${hourStart}:00` }), inputs: { now: h1, prev: self<number>(offset(-1)) }, codec: numberCodec, compute: ({ now, prev }) => now + (prev ?? 0) });
  const h4 = asset({ key: 'h4_lagged_6h', partitions: hourly({ start: `${hourStart}:00` }), inputs: { w: input(h2, window(6, { offset: -1 })) }, codec: numberCodec, compute: ({ w }) => sum(w.values()) });
  const dh = asset({ key: 'dh_daily_rollup', partitions: daily({ start: hourStart.slice(0, 10) }), inputs: { hours: input(h1, rollup()) }, codec: numberCodec, compute: ({ hours }) => sum(hours.values()) });
  const d1 = asset({ key: 'd1_clean', partitions: period(), inputs: { raw: srcD }, codec: numberCodec, compute: ({ raw }) => raw });
  const d2 = asset({ key: 'd2_rolling_7d', partitions: period(), inputs: { days: input(d1, window(7)) }, codec: numberCodec, compute: ({ days }) => sum(days.values()) });
  const d3 = asset({ key: 'd3_running', partitions: period(), inputs: { now: d1, prev: self<number>(offset(-1)) }, codec: numberCodec, compute: ({ now, prev }) => now + (prev ?? 0) });
  const d4 = asset({ key: 'd4_rolling_30d', partitions: period(), inputs: { days: input(d2, window(30)) }, codec: numberCodec, compute: ({ days }) => sum(days.values()) });
  const m1 = asset({ key: 'm1_monthly', partitions: monthly({ start: dailyChain ? dayStart.slice(0, 7) : hourStart.slice(0, 7) }), inputs: { days: input(d1, rollup()) }, codec: numberCodec, compute: ({ days }) => sum(days.values()) });
  return [srcH, srcD, h1, h2, h3, h4, dh, d1, d2, d3, d4, m1];
}
