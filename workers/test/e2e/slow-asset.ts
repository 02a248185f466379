/** A daily asset whose compute takes `ms` and returns the day of the month: room to interrupt a run. */
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, daily, type Codec } from '@weft/core';

export const intCodec: Codec<number> = { name: 'int', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };

export function slowDailyAsset(ms: number) {
  return asset({
    key: 'slow',
    partitions: daily({ start: '2024-01-01' }),
    codec: intCodec,
    version: 'v1',
    concurrency: 1,
    compute: async (_inputs, ctx) => {
      await sleep(ms);
      return Number(ctx.partitionKey.slice(-2));
    },
  });
}
