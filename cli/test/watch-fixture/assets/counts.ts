/** How many orders a day had (beside revenue: its edits leave this alone). */
import { asset, daily } from '@weft/core';
import { days, parsed } from './orders.js';

export const lineCount = asset({
  key: 'line_count',
  partitions: daily(days),
  inputs: { amounts: parsed },
  compute: ({ amounts }) => amounts.length,
});
