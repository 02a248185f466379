import { InProcessRunner } from '@weft/core';
import type { Benchmark } from '../benchmark.js';
import { minimalityGraph } from '../minimality/graph.js';
import { prng } from '../support.js';

const START = '2024-01-01';
const T0 = Date.parse(`${START}T00:00:00Z`);
const HOUR = 3_600_000;


const hourKey = (h: number): string => `${new Date(T0 + h * HOUR).toISOString().slice(0, 13)}:00`;

/**
 * Minimality (DESIGN §6): after k random source partitions change, the partitions Weft recomputes
 * must be exactly those whose token differs from a from-scratch computation over the new sources
 * (the affected closure, stopped by early cutoff). `scale` = days of hourly readings.
 */
export const minimalityBench: Benchmark = {
  name: 'minimality',
  description: 'recomputed set after k random source changes vs a from-scratch oracle (scale = days of hourly data)',
  defaultScale: 120,
  smokeScale: 20,
  async run({ scale, log }) {
    const days = Math.max(8, Math.floor(scale));
    const hours = days * 24;
    const now = T0 + hours * HOUR;
    const rand = prng(20261121);
    const initial = Array.from({ length: hours }, () => Math.floor(rand() * 10));
    const seeded = (values: readonly number[]): InProcessRunner => {
      const runner = new InProcessRunner(minimalityGraph(START), { now });
      values.forEach((v, h) => runner.setSource('readings', hourKey(h), v));
      return runner;
    };
    const runner = seeded(initial);
    const first = await runner.runUntilIdle();
    log(`initial run: ${first.length} materializations over ${days} days`);

    let changed = 0;
    let recomputed = 0;
    let oracle = 0;
    let exact = true;
    const values = [...initial];
    for (let round = 0; round < 5; round++) {
      const k = 1 + Math.floor(rand() * 8);
      const snapshot = new Map(runner.tokens);
      for (let c = 0; c < k; c++) {
        const h = Math.floor(rand() * hours);
        values[h] = Math.floor(rand() * 10);
        runner.setSource('readings', hourKey(h), values[h] as number);
      }
      changed += k;
      const runs = await runner.runUntilIdle();
      const scratch = seeded(values);
      await scratch.runUntilIdle();
      const expected = new Set([...scratch.tokens].filter(([key, token]) => snapshot.get(key) !== token).map(([key]) => key));
      const actual = new Set(runs.map((r) => `${r.assetKey}\u0000${r.partitionKey}`));
      const same = actual.size === expected.size && [...actual].every((x) => expected.has(x));
      const converged = [...scratch.tokens].every(([key, token]) => runner.tokens.get(key) === token);
      if (!same || !converged) exact = false;
      recomputed += actual.size;
      oracle += expected.size;
      log(`round ${round + 1}: ${k} source changes → ${actual.size} recomputed, oracle ${expected.size}${same && converged ? '' : ' MISMATCH'}`);
    }
    return { changed, recomputed, oracle, exact, partitions: first.length };
  },
};
