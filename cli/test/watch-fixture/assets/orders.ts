/** Daily order files (orders/<date>.csv: one amount a line) and the amounts parsed. */
import { asset, daily, source } from '@weft/core';
import { fsFiles } from '@weft/plugin-fs';

export const days = { start: '2024-01-01', end: '2024-01-04' };

export const orders = source({
  key: 'orders',
  partitions: daily(days),
  observe: fsFiles({ root: process.env['WEFT_FIXTURE_DATA'] ?? '/nonexistent', key: 'orders/{date}.csv' }),
  observeIntervalMs: 2_000,
});

export const parsed = asset({
  key: 'parsed',
  partitions: daily(days),
  inputs: { orders },
  compute: (inputs) =>
    new TextDecoder()
      .decode(inputs.orders)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number),
});
