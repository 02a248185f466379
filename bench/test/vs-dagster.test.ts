import { describe, expect, it } from 'vitest';
import { dagsterReaction, SENSOR_INTERVAL_MS, type DagsterTick } from '../src/vs-dagster/dagster-react.js';
import { sameSets } from '../src/vs-dagster/report.js';
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
