import { describe, expect, it } from 'vitest';
import { dagsterReaction, SENSOR_INTERVAL_MS, type DagsterTick } from '../src/vs-dagster/dagster-react.js';
import { dagsterAtLeast, vsRatios, type TimedOutStep } from '../src/vs-dagster/ratios.js';
import { requestedOnce, sameSets } from '../src/vs-dagster/report.js';
import { summarize } from '../src/vs-dagster/weft-planner.js';
import { VsWorkload } from '../src/vs-dagster/workload.js';

const tick = (evalMs: number, runsMs: number[], requested = true): DagsterTick => ({ evalMs, runsMs, requested: requested ? { a: {} } : {} });

describe('dagsterReaction', () => {
  const cases: Array<{ name: string; ticks: DagsterTick[]; best: number; requesting: number }> = [
    { name: 'one requesting tick: its evaluation and runs', ticks: [tick(1_000, [2_000]), tick(500, [], false)], best: 3_000, requesting: 1 },
    { name: 'two ticks within an interval: one interval between them', ticks: [tick(1_000, [2_000]), tick(800, [400, 600]), tick(500, [], false)], best: SENSOR_INTERVAL_MS + 1_800, requesting: 2 },
    { name: 'a tick whose runs outlast the interval: the next tick waits a second interval', ticks: [tick(1_000, [40_000]), tick(800, [200])], best: 2 * SENSOR_INTERVAL_MS + 1_000, requesting: 2 },
    { name: 'nothing requested', ticks: [tick(700, [], false)], best: 0, requesting: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = dagsterReaction(c.ticks);
      expect(r.bestMs).toBe(c.best);
      expect(r.expectedMs).toBe(c.best + SENSOR_INTERVAL_MS / 2);
      expect(r.worstMs).toBe(c.best + SENSOR_INTERVAL_MS);
      expect(r.ticks).toBe(c.requesting);
    });
  }
});

describe('VsWorkload', () => {
  const cases = [
    { days: 40, start: '2024-11-22', months: ['2024-12'], changed: '2024-12-12' },
    { days: 1_000, start: '2022-04-07', months: 32, changed: '2023-08-20' },
  ];
  for (const c of cases) {
    it(`${c.days} days: keys, whole months, the changed day's closure of 9`, () => {
      const w = new VsWorkload(c.days);
      expect(w.dayKeys).toHaveLength(c.days);
      expect(w.start).toBe(c.start);
      expect(w.dayKeys.at(-1)).toBe('2024-12-31');
      if (Array.isArray(c.months)) expect(w.monthKeys).toEqual(c.months);
      else expect(w.monthKeys).toHaveLength(c.months);
      expect(w.assetPartitions).toBe(10 * (2 * c.days + w.monthKeys.length));
      expect(w.changedDay()).toBe(c.changed);
      const closure = w.closure(w.chains[0] as VsWorkload['chains'][number], w.changedDay());
      expect([...closure.values()].reduce((n, k) => n + k.length, 0)).toBe(9);
      expect(closure.get('c0_monthly')).toEqual([c.changed.slice(0, 7)]);
    });
  }

  it('the closure near the end keeps only the rolling days that exist, and no open month', () => {
    const w = new VsWorkload(40);
    const closure = w.closure(w.chains[1] as VsWorkload['chains'][number], '2024-11-28');
    expect(closure.get('c1_rolling_7d')).toEqual(['2024-11-28', '2024-11-29', '2024-11-30', '2024-12-01', '2024-12-02', '2024-12-03', '2024-12-04']);
    expect(closure.get('c1_monthly')).toEqual([]);
  });
});

describe('sameSets', () => {
  const expected = summarize(new Map([['a', ['2024-01-01', '2024-01-02']]]));
  const cases = [
    { name: 'the same keys in another order', actual: summarize(new Map([['a', ['2024-01-02', '2024-01-01']]])), same: true },
    { name: 'one key fewer', actual: summarize(new Map([['a', ['2024-01-01']]])), same: false },
    { name: 'another key, same count', actual: summarize(new Map([['a', ['2024-01-01', '2024-01-03']]])), same: false },
    { name: 'an extra asset', actual: summarize(new Map([['a', ['2024-01-01', '2024-01-02']], ['b', ['x']]])), same: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems: string[] = [];
      expect(sameSets('t', c.actual, expected, problems)).toBe(c.same);
      expect(problems).toHaveLength(c.same ? 0 : 1);
    });
  }
});

describe('VsWorkload.expectedValues', () => {
  /** The values worked out the slow way: a scan of the day keys per partition. */
  const naive = (w: VsWorkload, values: number[][], assetKey: string, key: string): number => {
    const vals = values[Number(/^c(\d+)_/.exec(assetKey)?.[1])] ?? [];
    const d = w.dayKeys.indexOf(key);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    if (assetKey.endsWith('_cleaned')) return vals[d] ?? 0;
    if (assetKey.endsWith('_rolling_7d')) return sum(vals.slice(Math.max(0, d - 6), d + 1));
    return sum(vals.filter((_, i) => w.dayKeys[i]?.startsWith(key)));
  };
  for (const days of [40, 1_000]) {
    it(`${days} days: every partition of chains 0 and 9 as a scan works it out, with one source value changed`, () => {
      const w = new VsWorkload(days);
      const values = w.chains.map((_, c) => w.dayKeys.map((_, d) => w.sourceValue(c, d)));
      (values[9] as number[])[Math.floor(days / 2)] = 123_456_789;
      const value = w.expectedValues(values);
      let checkedPartitions = 0;
      for (const c of [w.chains[0], w.chains[9]] as VsWorkload['chains']) {
        for (const [asset, keys] of [...w.firstWave(), ...w.secondWave()]) {
          if (!asset.startsWith(`${c.cleaned.split('_')[0]}_`)) continue;
          for (const key of keys) {
            expect(value(asset, key), `${asset} ${key}`).toBe(naive(w, values, asset, key));
            checkedPartitions++;
          }
        }
      }
      expect(checkedPartitions).toBe(2 * (2 * days + w.monthKeys.length));
    });
  }

  const bad = [
    { name: 'a day outside the range', asset: 'c0_cleaned', key: '1990-01-01' },
    { name: 'a month outside the range', asset: 'c0_monthly', key: '1990-01' },
    { name: 'an asset of no chain', asset: 'c42_cleaned', key: '2024-12-01' },
    { name: 'a source', asset: 'c0_source', key: '2024-12-01' },
  ];
  for (const b of bad) {
    it(`throws on ${b.name}`, () => {
      const w = new VsWorkload(40);
      const value = w.expectedValues(w.chains.map((_, c) => w.dayKeys.map((_, d) => w.sourceValue(c, d))));
      expect(() => value(b.asset, b.key)).toThrow(`${b.asset} ${b.key}`);
    });
  }
});

describe('ratios where Dagster timed out', () => {
  const limitMs = 600_000;
  const requested = { c0_cleaned: {} };
  const cases: Array<{ name: string; step: TimedOutStep; planMs: number; materializeMs: number }> = [
    { name: "the first tick's runs stopped: its evaluation, the whole limit for its runs", step: { timedOut: true, limitMs, command: 'runs', completed: [{ evalMs: 4_000, requested }] }, planMs: 4_000, materializeMs: limitMs },
    { name: 'the second tick stopped: the first tick and its runs, the whole limit to decide', step: { timedOut: true, limitMs, command: 'tick', completed: [{ evalMs: 4_000, requested, runsMs: [50_000, 7_000] }] }, planMs: 4_000 + limitMs, materializeMs: 57_000 },
    { name: 'the first tick stopped: the limit to decide, nothing run', step: { timedOut: true, limitMs, command: 'tick', completed: [] }, planMs: limitMs, materializeMs: 0 },
    { name: 'an idle tick before does not count as deciding', step: { timedOut: true, limitMs, command: 'runs', completed: [{ evalMs: 900, requested: {}, runsMs: [] }, { evalMs: 2_000, requested }] }, planMs: 2_000, materializeMs: limitMs },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(dagsterAtLeast(c.step)).toEqual({ planMs: c.planMs, materializeMs: c.materializeMs });
      const r = vsRatios({ planMs: 1_000, materializeMs: 60_000, firstDecisionMs: 500 }, { firstDecisionMs: 4_000 }, c.step);
      expect(r['plan']).toBeNull();
      expect(r['materialize']).toBeNull();
      expect(r['firstDecision']).toBe(8);
      expect(r['planAtLeast']).toBe(Math.round((c.planMs / 1_000) * 10) / 10);
      if (c.materializeMs > 0) expect(r['materializeAtLeast']).toBe(Math.round((c.materializeMs / 60_000) * 10) / 10);
      else expect(r).not.toHaveProperty('materializeAtLeast');
    });
  }

  it('no lower bounds when Dagster finished, and none from a Weft figure that is missing', () => {
    const finished = vsRatios({ planMs: 100, materializeMs: 1_000, replanMs: 0.5, reactMs: 200 }, { planMs: 1_000, materializeMs: 50_000, replanMs: 1_000, reactMs: 46_000 }, undefined);
    expect(finished).toMatchObject({ plan: 10, materialize: 50, replan: 2_000, react: 230 });
    expect(finished).not.toHaveProperty('planAtLeast');
    expect(finished).not.toHaveProperty('materializeAtLeast');
    const weftFailed = vsRatios({ planMs: 100 }, {}, { timedOut: true, limitMs, command: 'runs', completed: [{ evalMs: 3_000, requested }] });
    expect(weftFailed['materializeAtLeast']).toBeNull();
    expect(weftFailed['planAtLeast']).toBe(30);
  });
});

describe('requestedOnce', () => {
  const a = summarize(new Map([['a', ['2024-01-01', '2024-01-02']]]))['a'];
  const b = summarize(new Map([['b', ['2024-01']]]))['b'];
  const cases = [
    { name: 'assets of different ticks', ticks: [{ requested: { a } }, { requested: { b } }, { requested: {} }], keys: ['a', 'b'] },
    { name: 'an asset requested by two ticks is left out', ticks: [{ requested: { a, b } }, { requested: { a } }], keys: ['b'] },
    { name: 'no ticks', ticks: [], keys: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = requestedOnce(c.ticks);
      expect(Object.keys(out).sort()).toEqual(c.keys);
      if (out['a']) expect(out['a']).toEqual(a);
    });
  }
});
