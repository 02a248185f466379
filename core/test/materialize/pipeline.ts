/** A small pipeline for materialize() tests: hourly readings → daily totals (blocking check) → monthly totals. */
import { asset, check, input, source, type ComputeContext } from '../../src/definitions/index.js';
import { jsonCodec } from '../../src/hashing/index.js';
import { daily, hourly, monthly } from '../../src/partitions/definitions/index.js';
import { rollup } from '../../src/partitions/mappings/index.js';

/** Epoch ms of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso);

/** Hourly keys (`YYYY-MM-DDTHH:00`, UTC) of `n` hours from `first` (an ISO instant). */
export function hourKeys(first: string, n: number): string[] {
  return Array.from({ length: n }, (_, h) => new Date(at(first) + h * 3_600_000).toISOString().slice(0, 13) + ':00');
}

/** Daily keys of `n` days from `first` (UTC calendar). */
export function dayKeys(first: string, n: number): string[] {
  return Array.from({ length: n }, (_, d) => new Date(at(`${first}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10));
}

/** Source values for every hour of `n` hours from 2024-01-01, `value(hourKey)` each. */
export function readingValues(n: number, value: (hourKey: string) => number = () => 1): Record<string, number> {
  return Object.fromEntries(hourKeys('2024-01-01T00:00:00Z', n).map((key) => [key, value(key)]));
}

/** The pipeline; `onCompute` sees every daily compute (to record contexts or throw). */
export function pipeline(onCompute: (total: number, ctx: ComputeContext) => void = () => {}) {
  const readings = source<number>({ key: 'readings', partitions: hourly({ start: '2024-01-01' }), codec: jsonCodec<number>() });
  const dailyTotal = asset({
    key: 'daily_total',
    partitions: daily({ start: '2024-01-01' }),
    inputs: { hours: input(readings, rollup()) },
    checks: [check<number>({ name: 'non_negative', blocking: true, fn: (v) => ({ passed: v >= 0, message: `total ${v}` }) })],
    compute: ({ hours }, ctx) => {
      const total = [...hours.values()].reduce((a, b) => a + b, 0);
      onCompute(total, ctx);
      return total;
    },
  });
  const monthlyTotal = asset({
    key: 'monthly_total',
    partitions: monthly({ start: '2024-01' }),
    inputs: { days: input(dailyTotal, rollup()) },
    compute: ({ days }) => ({ days: days.size, total: [...days.values()].reduce((a, b) => a + b, 0) }),
  });
  return { readings, dailyTotal, monthlyTotal, all: [readings, dailyTotal, monthlyTotal] };
}
