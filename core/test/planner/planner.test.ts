import { describe, expect, it } from 'vitest';
import { at, runnerWithReadings } from './pipeline.js';

describe('planner on the reference pipeline', () => {
  it('materializes everything, then only the affected closure after a source change', async () => {
    const runner = runnerWithReadings(10, () => 1, at('2024-01-11T00:00:00Z'));
    const first = await runner.runUntilIdle();
    expect(first.filter((r) => r.status === 'failed')).toEqual([]);
    const byAsset = (runs: typeof first) => Object.fromEntries(['daily_total', 'monthly_total', 'rolling_mean_7d', 'running_total'].map((k) => [k, runs.filter((r) => r.assetKey === k).map((r) => r.partitionKey).sort()]));
    expect(byAsset(first).daily_total).toHaveLength(10);
    expect(byAsset(first).monthly_total).toEqual([]); // January has not closed yet
    expect(runner.value('daily_total', '2024-01-03')).toBe(24);
    expect(runner.value('running_total', '2024-01-10')).toBe(240);
    expect(runner.value('rolling_mean_7d', '2024-01-10')).toBe(24);
    expect(runner.planner.summary('daily_total').fresh).toBe(10);

    runner.setSource('readings', '2024-01-05T03:00', 5);
    const second = await runner.runUntilIdle();
    expect(byAsset(second)).toEqual({
      daily_total: ['2024-01-05'],
      monthly_total: [],
      rolling_mean_7d: ['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10'],
      running_total: ['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10'],
    });
    expect(runner.value('running_total', '2024-01-10')).toBe(244);
  });
});
