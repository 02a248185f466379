import { asset, check, daily, hourly, input, monthly, rollup, source, window, type Codec, type Definition, type SourceConnector } from '@weft/core';

/** The e2e pipeline: hourly CSV readings in MinIO → daily cleaned → monthly rollup → 7-day window, with a blocking check. */
export interface PipelineOptions {
  readonly connector: SourceConnector;
  readonly start?: string;
  /** Bump to change the cleaned asset's code version. */
  readonly cleanVersion?: string;
  /** Called whenever a compute runs (assetKey, partitionKey). */
  readonly onCompute?: (assetKey: string, partitionKey: string) => void;
  /**
   * Makes each daily compute take this long times its day of the month (the 1st: `slowMs`, the
   * 12th: 12 × `slowMs`): the crash test kills a worker mid-batch, and the days, computed side by
   * side, must commit one after another (the same delay for all made them commit within one poll).
   */
  readonly slowMs?: number;
}

const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(JSON.stringify(n)), decode: (b) => JSON.parse(new TextDecoder().decode(b)) as number };

/** Parses `value` lines of a readings CSV; a line that is not a number is corrupt data. */
export function parseReadings(bytes: Uint8Array): number[] {
  return new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const v = Number(line);
      if (!Number.isFinite(v)) throw new Error(`corrupt reading on line ${i + 1}: ${JSON.stringify(line)}`);
      return v;
    });
}

export function pipeline(options: PipelineOptions): Definition[] {
  const start = options.start ?? '2024-01-01';
  const seen = options.onCompute ?? (() => {});
  const readings = source({ key: 'readings', partitions: hourly({ start }), observe: options.connector, observeIntervalMs: 3_600_000 });
  const cleaned = asset({
    key: 'daily_cleaned',
    partitions: daily({ start }),
    inputs: { hours: input(readings, rollup()) },
    codec: number,
    version: options.cleanVersion ?? 'clean-v1',
    checks: [check<number>({ name: 'non_negative', blocking: true, fn: (v) => ({ passed: v >= 0, message: `total ${v}` }) })],
    compute: async ({ hours }, ctx) => {
      seen('daily_cleaned', ctx.partitionKey);
      if (options.slowMs) await new Promise((r) => setTimeout(r, options.slowMs! * Number(ctx.partitionKey.slice(8, 10))));
      let total = 0;
      for (const bytes of hours.values()) for (const v of parseReadings(bytes)) total += v;
      // Rounded to tens: small changes stop here (early cutoff). Version 2 of the code counts in thousands more.
      return Math.round(total / 10) * 10 + (options.cleanVersion === 'clean-v2' ? 1000 : 0);
    },
  });
  const monthlyRollup = asset({
    key: 'monthly_rollup',
    partitions: monthly({ start: start.slice(0, 7) }),
    inputs: { days: input(cleaned, rollup()) },
    codec: number,
    version: 'monthly-v1',
    compute: ({ days }, ctx) => {
      seen('monthly_rollup', ctx.partitionKey);
      return [...days.values()].reduce((a, b) => a + b, 0);
    },
  });
  const weekly = asset({
    key: 'rolling_7d',
    partitions: daily({ start }),
    inputs: { days: input(cleaned, window(7)) },
    codec: number,
    version: 'rolling-v1',
    compute: ({ days }, ctx) => {
      seen('rolling_7d', ctx.partitionKey);
      return [...days.values()].reduce((a, b) => a + b, 0);
    },
  });
  return [readings, cleaned, monthlyRollup, weekly];
}
