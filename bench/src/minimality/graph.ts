import { asset, daily, hourly, input, monthly, offset, rollup, self, source, window, type Definition } from '@weft/core';
import { intCodec } from '../support.js';

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * A mixed graph whose computes really run: hourly readings → daily totals → a capped daily level
 * (min(total, 100): many changes stop there, early cutoff) → 7-day window and monthly rollup, a
 * running total over itself, and an hourly parity flag (changes flip it only half the time).
 */
export function minimalityGraph(start: string): Definition[] {
  const readings = source<number>({ key: 'readings', partitions: hourly({ start }), codec: intCodec });
  const parity = asset({ key: 'hourly_parity', partitions: hourly({ start }), inputs: { r: readings }, codec: intCodec, compute: ({ r }) => r % 2 });
  const dailyTotal = asset({ key: 'daily_total', partitions: daily({ start }), inputs: { hours: input(readings, rollup()) }, codec: intCodec, compute: ({ hours }) => sum(hours) });
  const capped = asset({ key: 'daily_capped', partitions: daily({ start }), inputs: { t: dailyTotal }, codec: intCodec, compute: ({ t }) => Math.min(t, 100) });
  const weekly = asset({ key: 'capped_7d', partitions: daily({ start }), inputs: { days: input(capped, window(7)) }, codec: intCodec, compute: ({ days }) => sum(days) });
  const monthlyTotal = asset({ key: 'monthly_capped', partitions: monthly({ start: start.slice(0, 7) }), inputs: { days: input(capped, rollup()) }, codec: intCodec, compute: ({ days }) => sum(days) });
  const running = asset({ key: 'running_capped', partitions: daily({ start }), inputs: { t: capped, prev: self<number>(offset(-1)) }, codec: intCodec, compute: ({ t, prev }) => t + (prev ?? 0) });
  const parityDaily = asset({ key: 'daily_odd_hours', partitions: daily({ start }), inputs: { hours: input(parity, rollup()) }, codec: intCodec, compute: ({ hours }) => sum(hours) });
  return [readings, parity, dailyTotal, capped, weekly, monthlyTotal, running, parityDaily];
}
