/**
 * The pipeline the API tests run on real workers: an in-memory source (`raw`, its bytes and
 * versions set by the test), `clean` (group ingest, a blocking check), `total` (group finance, a
 * 3-day window over clean), `flaky` (group ingest, fails on one day while broken), `gated` (group
 * ingest, waits for the test to open its gate) and `per_customer` (dynamic partitions).
 */
import { asset, check, daily, dynamicPartitions, input, source, window, type Codec, type Definition, type SourceConnector } from '@weft/core';

export const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(JSON.stringify(n)), decode: (b) => JSON.parse(new TextDecoder().decode(b)) as number };

/** What the test controls. */
export interface PipelineControls {
  /** Source bytes per partition key (a decimal number). */
  readonly raw: Map<string, string>;
  flakyBroken: boolean;
  openGate(): void;
}

export function apiPipeline(): { definitions: Definition[]; controls: PipelineControls } {
  const raw = new Map<string, string>();
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const controls: PipelineControls = { raw, flakyBroken: true, openGate: () => open() };
  const connector: SourceConnector = {
    name: 'memory',
    observe: async () => [...raw.entries()].map(([partitionKey, v]) => ({ partitionKey, version: { checksum: v } })),
    read: async (key) => new TextEncoder().encode(raw.get(key) ?? '0'),
  };
  const days = daily({ start: '2024-01-01' });
  const rawSource = source({ key: 'raw', partitions: days, observe: connector, description: 'daily readings pushed by the test' });
  const clean = asset({
    key: 'clean',
    group: 'ingest',
    description: 'readings as numbers',
    partitions: days,
    inputs: { raw: rawSource },
    codec: number,
    version: 'clean-v1',
    metadata: { tags: ['core'], owner: 'data-eng' },
    checks: [check<number>({ name: 'positive', blocking: true, description: 'a reading is above zero', fn: (v) => ({ passed: v > 0, message: `value ${v}` }) })],
    compute: ({ raw: bytes }, ctx) => {
      const value = Number(new TextDecoder().decode(bytes));
      ctx.log(`parsed reading of ${ctx.partitionKey}`, { value });
      return value;
    },
  });
  const total = asset({ key: 'total', group: 'finance', partitions: days, inputs: { last3: input(clean, window(3)) }, codec: number, version: 'total-v1', compute: ({ last3 }) => [...last3.values()].reduce((a, b) => a + b, 0) });
  const flaky = asset({
    key: 'flaky',
    group: 'ingest',
    partitions: days,
    inputs: { clean },
    codec: number,
    version: 'flaky-v1',
    retry: { maximumAttempts: 1 },
    compute: ({ clean: v }, ctx) => {
      ctx.log('doubling', { level: 'debug', input: v });
      if (controls.flakyBroken && ctx.partitionKey === '2024-01-02') ctx.log('row cannot be parsed', { level: 'error', row: 7 });
      if (controls.flakyBroken && ctx.partitionKey === '2024-01-02') throw new Error(`bad row in ${ctx.partitionKey}: value ${v} cannot be parsed`);
      return v * 2;
    },
  });
  const gated = asset({
    key: 'gated',
    group: 'ingest',
    partitions: days,
    codec: number,
    version: 'gated-v1',
    concurrency: 1,
    compute: async () => {
      await gate;
      return 1;
    },
  });
  const perCustomer = asset({ key: 'per_customer', group: 'ingest', partitions: dynamicPartitions({ name: 'customers' }), codec: number, version: 'pc-v1', compute: (_i, ctx) => ctx.partitionKey.length });
  return { definitions: [rawSource, clean, total, flaky, gated, perCustomer], controls };
}
