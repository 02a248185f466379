import { asset, check, daily, hourly, input, InProcessRunner, monthly, offset, rollup, self, source, window, type Definition } from '../../src/index.js';

/** Epoch ms of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso);

/**
 * The reference pipeline of the tests: hourly readings → daily totals (blocking check: no negative
 * total) → monthly rollup, a 7-day rolling mean, and a running total reading its own previous day.
 */
export function pipeline(start = '2024-01-01'): Definition[] {
  const readings = source<number>({ key: 'readings', partitions: hourly({ start }), codec: { name: 'number', encode: (n: number) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) } });
  const dailyTotal = asset({
    key: 'daily_total',
    partitions: daily({ start }),
    inputs: { hours: input(readings, rollup()) },
    checks: [check<number>({ name: 'non_negative', blocking: true, fn: (v) => v >= 0 })],
    compute: ({ hours }) => {
      let sum = 0;
      for (const v of hours.values()) {
        if (!Number.isFinite(v)) throw new Error(`corrupt reading: ${v}`);
        sum += v;
      }
      return sum;
    },
  });
  const monthlyTotal = asset({
    key: 'monthly_total',
    partitions: monthly({ start }),
    inputs: { days: input(dailyTotal, rollup()) },
    compute: ({ days }) => [...days.values()].reduce((a, b) => a + b, 0),
  });
  const weeklyMean = asset({
    key: 'rolling_mean_7d',
    partitions: daily({ start }),
    inputs: { days: input(dailyTotal, window(7)) },
    compute: ({ days }) => Math.round(([...days.values()].reduce((a, b) => a + b, 0) / days.size) * 1000) / 1000,
  });
  const runningTotal = asset({
    key: 'running_total',
    partitions: daily({ start }),
    inputs: { today: dailyTotal, previous: self<number>(offset(-1)) },
    compute: ({ today, previous }) => today + (previous ?? 0),
  });
  return [readings, dailyTotal, monthlyTotal, weeklyMean, runningTotal];
}

/** A runner over the pipeline with every hour of `days` days set to `value(hourIndex)`. */
export function runnerWithReadings(days: number, value: (hour: number) => number, now = at('2024-03-01T00:00:00Z')): InProcessRunner {
  const runner = new InProcessRunner(pipeline(), { now });
  for (let h = 0; h < days * 24; h++) {
    const t = new Date(at('2024-01-01T00:00:00Z') + h * 3_600_000).toISOString();
    runner.setSource('readings', `${t.slice(0, 13)}:00`, value(h));
  }
  return runner;
}
