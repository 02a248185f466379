import { startMinio, startPostgres, startTemporal } from '@weft/services';
import type { Benchmark } from '../benchmark.js';
import { percentile } from '../support.js';


/**
 * Start-up time of each real service Weft's tests and `weft dev` start (ready = answering
 * requests), `scale` starts each. Sequential, so the numbers do not compete for the 2 cores.
 */
export const servicesStartup: Benchmark = {
  name: 'services-startup',
  description: 'time until PostgreSQL (initdb + start), the Temporal dev server and MinIO answer',
  defaultScale: 5,
  smokeScale: 1,
  async run({ scale, log }) {
    const starters = {
      postgres: () => startPostgres({ databaseUrl: '' }),
      temporal: () => startTemporal({ existingAddress: '' }),
      minio: () => startMinio(),
    };
    const result: Record<string, unknown> = { starts: scale };
    for (const [name, start] of Object.entries(starters)) {
      const times: number[] = [];
      for (let i = 0; i < scale; i++) {
        const t0 = performance.now();
        const server = await start();
        times.push(performance.now() - t0);
        await server.stop();
      }
      times.sort((a, b) => a - b);
      log(`${name}: ready in p50 ${percentile(times, 50).toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms over ${scale} start(s)`);
      result[`${name}P50Ms`] = Math.round(percentile(times, 50));
      result[`${name}MaxMs`] = Math.round(times.at(-1) ?? Number.NaN);
    }
    return result;
  },
};
