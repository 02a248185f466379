/** The day's revenue (scaled by the helper's factor) and the month's; each logs its value. */
import { asset, daily, input, monthly, rollup } from '@weft/core';
import { factor } from '../lib/factor.js';
import { days, parsed } from './orders.js';

export const revenue = asset({
  key: 'revenue',
  partitions: daily(days),
  inputs: { amounts: parsed },
  compute: ({ amounts }, ctx) => {
    const value = amounts.reduce((a, b) => a + b, 0) * factor;
    ctx.log(`value ${value}`);
    return value;
  },
});

export const total = asset({
  key: 'total',
  partitions: monthly({ start: '2024-01', end: '2024-02' }),
  inputs: { days: input(revenue, rollup()) },
  compute: ({ days: values }, ctx) => {
    const value = [...values.values()].reduce((a, b) => a + b, 0);
    ctx.log(`value ${value}`);
    return value;
  },
});
