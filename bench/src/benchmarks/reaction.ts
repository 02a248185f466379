import { setTimeout as sleep } from 'node:timers/promises';
import { asset, hourly, source, type SourceConnector } from '@weft/core';
import { WeftClient } from '@weft/workers';
import type { Benchmark } from '../benchmark.js';
import { intCodec, percentile } from '../support.js';
import { startWorkersBench } from '../workers/environment.js';



/**
 * DESIGN §6 reaction: from the return of a push call reporting one changed source partition to
 * the start of the first downstream materialization activity, both timestamps taken by Weft
 * (`scale` changes).
 */
export const reactionBench: Benchmark = {
  name: 'reaction',
  description: 'push call (one changed source partition) → first downstream materialization activity starts (scale = changes)',
  defaultScale: 50,
  smokeScale: 5,
  async run({ scale, log }) {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const hours = 48;
    const start = new Date(now - hours * 3_600_000).toISOString().slice(0, 13);
    const values = new Map<string, number>();
    const connector: SourceConnector = {
      name: 'memory',
      observe: async () => [...values].map(([partitionKey, v]) => ({ partitionKey, version: { checksum: String(v) } })),
      read: async (partitionKey) => intCodec.encode(values.get(partitionKey) ?? 0),
    };
    const readings = source<number>({ key: 'readings', partitions: hourly({ start: `${start}:00` }), codec: intCodec, observe: connector, observeIntervalMs: 3_600_000 });
    const doubled = asset({ key: 'doubled', partitions: hourly({ start: `${start}:00` }), inputs: { r: readings }, codec: intCodec, version: 'v1', compute: ({ r }) => r * 2 });
    const starts = new Map<string, number>();
    const env = await startWorkersBench([readings, doubled], {
      location: 'reaction',
      now: () => now,
      onBatchStart: (assetKey, keys, at) => {
        if (assetKey === 'doubled') for (const k of keys) if (!starts.has(k)) starts.set(k, at);
      },
    });
    try {
      const weft = new WeftClient({ store: env.store, client: env.client, location: env.location, taskQueue: env.taskQueue });
      const keys = Array.from({ length: hours }, (_, h) => `${new Date(now - (hours - h) * 3_600_000).toISOString().slice(0, 13)}:00`);
      // Materialize everything once.
      await weft.reportSourceChange('readings', keys.map((partitionKey) => ({ partitionKey, version: { checksum: 'v0' } })));
      while (starts.size < hours) await sleep(20);
      await sleep(1000);
      const latencies: number[] = [];
      for (let k = 0; k < scale; k++) {
        const key = keys[k % hours] as string;
        values.set(key, k + 1);
        starts.delete(key);
        await weft.reportSourceChange('readings', [{ partitionKey: key, version: { checksum: `v${k + 1}` } }]);
        const returned = Date.now();
        const deadline = returned + 30_000;
        while (!starts.has(key) && Date.now() < deadline) await sleep(1);
        const at = starts.get(key);
        if (at === undefined) throw new Error(`no materialization of doubled ${key} started within 30 s`);
        latencies.push(at - returned);
        await sleep(50);
      }
      latencies.sort((a, b) => a - b);
      log(`reaction over ${scale} changes: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`);
      return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), changes: scale, target: { p50Ms: 250 } };
    } finally {
      await env.close();
    }
  },
};
