import { fileURLToPath } from 'node:url';
import { asset, check, daily, hourly, input, monthly, rollup, source, window } from '@weft/core';
import { fsFiles } from '@weft/plugin-fs';

const range = { start: '2024-01-01', end: '2024-01-04' };

/** Hourly meter readings, one CSV file per hour under data/readings/<date>/<hour>.csv. */
export const readings = source({
  key: 'readings',
  partitions: hourly(range),
  observe: fsFiles({ root: fileURLToPath(new URL('../data', import.meta.url)), key: 'readings/{date}/{hour}.csv' }),
  observeIntervalMs: 5_000,
});

/** Parses a readings CSV: one number per line. */
function parse(bytes: Uint8Array): number[] {
  return new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const value = Number(line);
      if (!Number.isFinite(value)) throw new Error(`line ${i + 1} is not a number: ${JSON.stringify(line)}`);
      return value;
    });
}

/** The day's total consumption, from its 24 hourly files. */
export const dailyTotal = asset({
  key: 'daily_total',
  partitions: daily(range),
  inputs: { hours: input(readings, rollup()) },
  checks: [check<number>({ name: 'non_negative', blocking: true, fn: (total) => ({ passed: total >= 0, message: `total ${total}` }) })],
  compute: ({ hours }) => [...hours.values()].flatMap(parse).reduce((a, b) => a + b, 0),
});

/** The month's total. */
export const monthlyTotal = asset({
  key: 'monthly_total',
  partitions: monthly({ start: '2024-01', end: '2024-02' }),
  inputs: { days: input(dailyTotal, rollup()) },
  compute: ({ days }) => [...days.values()].reduce((a, b) => a + b, 0),
});

/** The mean daily total over the last 7 days. */
export const rollingMean = asset({
  key: 'rolling_mean_7d',
  partitions: daily(range),
  inputs: { days: input(dailyTotal, window(7)) },
  compute: ({ days }) => Math.round(([...days.values()].reduce((a, b) => a + b, 0) / days.size) * 100) / 100,
});
