import { setTimeout as sleep } from 'node:timers/promises';
import { asset, hourly } from '@weft/core';
import type { Benchmark } from '../benchmark.js';
import { intCodec } from '../support.js';
import { startWorkersBench } from '../workers/environment.js';

const BATCH = 500;

/**
 * DESIGN §6 throughput: a trivial compute over `scale` partitions end to end (planner, Temporal
 * workflows and activities, value storage, lineage writes in PostgreSQL), in batches of 500.
 */
export const throughputBench: Benchmark = {
  name: 'throughput',
  description: 'trivial compute over N partitions end to end on PostgreSQL + the Temporal dev server (in memory), batches of 500',
  defaultScale: 100_000,
  smokeScale: 2_000,
  async run({ scale, log }) {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const start = new Date(now - scale * 3_600_000).toISOString().slice(0, 13);
    const numbers = asset({ key: 'numbers', partitions: hourly({ start: `${start}:00` }), codec: intCodec, version: 'v1', batchSize: BATCH, compute: (_inputs, ctx) => ctx.partitionKey.length });
    const t0 = performance.now();
    const env = await startWorkersBench([numbers], { location: 'throughput', now: () => now, maxConcurrentActivityTaskExecutions: 8 });
    const setupMs = performance.now() - t0;
    log(`services and worker up in ${Math.round(setupMs)} ms (${env.temporalVersion}); materializing ${scale} partitions…`);
    try {
      const started = performance.now();
      let done = 0;
      let lastLog = 0;
      while (done < scale) {
        const [row] = await env.store.db.query<{ n: string }>('SELECT count(*) AS n FROM weft_materializations');
        done = Number(row?.n ?? 0);
        if (performance.now() - lastLog > 2000) {
          log(`${done} / ${scale} (${Math.round(done / ((performance.now() - started) / 1000))}/s)`);
          lastLog = performance.now();
        }
        if (performance.now() - started > 30 * 60_000) throw new Error(`only ${done} of ${scale} partitions after 30 minutes`);
        if (done < scale) await sleep(100);
      }
      const seconds = (performance.now() - started) / 1000;
      const [dupes] = await env.store.db.query<{ n: string }>('SELECT count(*) - count(DISTINCT token) AS n FROM weft_materializations');
      return { partitions: done, perSecond: Math.round(done / seconds), seconds: Math.round(seconds * 10) / 10, batchSize: BATCH, temporalState: 'in memory', objects: 'local folder on /dev/shm (RAM)', duplicates: Number(dupes?.n ?? 0), target: 2000 };
    } finally {
      await env.close();
    }
  },
};
