import { describe, expect, it } from 'vitest';
import { asset, check, daily, input, InProcessRunner, loadDefinitions, Planner, source, TransientError, window, type Definition } from '../../src/index.js';
import { intCodec } from './random-graph.js';

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const dayKey = (d: number): string => new Date(T0 + d * DAY).toISOString().slice(0, 10);

interface Knobs {
  versions?: { clean?: string; weekly?: string };
  concurrency?: number;
  failWith?: (value: number) => Error | undefined;
}

function graph(knobs: Knobs = {}): Definition[] {
  const src = source<number>({ key: 'src', partitions: daily({ start: '2024-01-01' }), codec: intCodec });
  const clean = asset({
    key: 'clean',
    partitions: daily({ start: '2024-01-01' }),
    inputs: { raw: src },
    codec: intCodec,
    version: knobs.versions?.clean ?? 'c1',
    ...(knobs.concurrency ? { concurrency: knobs.concurrency } : {}),
    checks: [check<number>({ name: 'below_1000', blocking: true, fn: (v) => ({ passed: v < 1000, message: `value ${v}` }) })],
    compute: ({ raw }) => {
      const error = knobs.failWith?.(raw);
      if (error) throw error;
      return raw * 2;
    },
  });
  const weekly = asset({
    key: 'weekly',
    partitions: daily({ start: '2024-01-01' }),
    inputs: { days: input(clean, window(3)) },
    codec: intCodec,
    version: knobs.versions?.weekly ?? 'w1',
    compute: ({ days }) => [...days.values()].reduce((a, b) => a + b, 0),
  });
  return [src, clean, weekly];
}

function seeded(days: number, knobs: Knobs = {}, options: Partial<ConstructorParameters<typeof InProcessRunner>[1]> = {}): InProcessRunner {
  const runner = new InProcessRunner(graph(knobs), { now: T0 + days * DAY, ...options });
  for (let d = 0; d < days; d++) runner.setSource('src', dayKey(d), d + 1);
  return runner;
}

const ran = (runs: ReadonlyArray<{ assetKey: string; partitionKey: string }>): string[] => runs.map((r) => `${r.assetKey} ${r.partitionKey}`).sort();

describe('planner scenarios', () => {
  it('a code version bump recomputes that asset and its downstream, nothing else', async () => {
    const runner = seeded(5);
    await runner.runUntilIdle();
    const snapshot = runner.planner.snapshot();
    const graphV2 = loadDefinitions(graph({ versions: { weekly: 'w2' } }));
    const planner = new Planner(graphV2, { codeVersions: { clean: 'explicit:c1', weekly: 'explicit:w2' } }).load(snapshot, runner.now);
    const plan = planner.plan(runner.now);
    expect(plan.batches.flatMap((b) => b.partitions.map((p) => `${b.assetKey} ${p.partitionKey}`)).sort()).toEqual([0, 1, 2, 3, 4].map((d) => `weekly ${dayKey(d)}`));
    expect(planner.state('weekly', dayKey(2)).reasons).toContainEqual({ kind: 'running', token: expect.any(String), since: runner.now });
    expect(planner.summary('clean').fresh).toBe(5);
  });

  it('explains a code change with from → to', async () => {
    const runner = seeded(2);
    await runner.runUntilIdle();
    const planner = new Planner(loadDefinitions(graph()), { codeVersions: { clean: 'explicit:c2', weekly: 'explicit:w1' }, limits: { global: 0 } }).load(runner.planner.snapshot(), runner.now);
    planner.plan(runner.now);
    expect(planner.state('clean', dayKey(0))).toMatchObject({ status: 'stale', reasons: [{ kind: 'code_changed', from: 'explicit:c1', to: 'explicit:c2' }] });
    expect(planner.state('weekly', dayKey(1))).toMatchObject({ status: 'stale', reasons: [{ kind: 'upstream_not_fresh', assetKey: 'clean', input: 'days', partitions: [dayKey(0), dayKey(1)] }] });
  });

  it('respects per-asset and global concurrency limits and schedules newest partitions first', () => {
    const runner = seeded(10, { concurrency: 3 });
    const plan = runner.planner.plan(runner.now);
    expect(plan.batches.flatMap((b) => b.partitions.map((p) => p.partitionKey))).toEqual([dayKey(9), dayKey(8), dayKey(7)]);
    expect(plan.deferred).toBeGreaterThan(0);
    // Nothing more starts until something finishes.
    expect(runner.planner.plan(runner.now).batches).toEqual([]);

    const limited = seeded(10, {}, { limits: { global: 2 } });
    expect(limited.planner.plan(limited.now).batches.flatMap((b) => b.partitions.map((p) => p.partitionKey))).toEqual([dayKey(9), dayKey(8)]);
  });

  it('respects per-compute-provider limits', () => {
    const src = source<number>({ key: 'src', partitions: daily({ start: '2024-01-01' }), codec: intCodec });
    const heavy = asset({ key: 'heavy', partitions: daily({ start: '2024-01-01' }), inputs: { s: src }, codec: intCodec, computeProvider: 'gpu', compute: ({ s }) => s });
    const light = asset({ key: 'light', partitions: daily({ start: '2024-01-01' }), inputs: { s: src }, codec: intCodec, compute: ({ s }) => s });
    const runner = new InProcessRunner([src, heavy, light], { now: T0 + 6 * DAY, limits: { perProvider: { gpu: 2 } } });
    for (let d = 0; d < 6; d++) runner.setSource('src', dayKey(d), d);
    const plan = runner.planner.plan(runner.now);
    const byAsset = (key: string) => plan.batches.filter((b) => b.assetKey === key).flatMap((b) => b.partitions.map((p) => p.partitionKey));
    expect(byAsset('heavy')).toEqual([dayKey(5), dayKey(4)]);
    expect(byAsset('light')).toHaveLength(6);
    expect(plan.batches.filter((b) => b.assetKey === 'heavy').every((b) => b.computeProvider === 'gpu')).toBe(true);
  });

  it('runs what user requests need first, upstream included', () => {
    const runner = seeded(10, { concurrency: 2 }, { limits: { global: 2 } });
    runner.request({ id: 'r1', action: 'backfill', assetKey: 'weekly', partitionKeys: [dayKey(2)], priority: 5 });
    const plan = runner.planner.plan(runner.now);
    // weekly 2024-01-03 reads clean days 1..3: those come before the newest days.
    expect(plan.batches.flatMap((b) => b.partitions.map((p) => p.partitionKey)).sort()).toEqual([dayKey(1), dayKey(2)]);
    expect(plan.batches.every((b) => b.requestIds.includes('r1'))).toBe(true);
    const progress = runner.planner.requestProgress('r1');
    expect(progress?.total).toBe(1 + 3 + 3); // weekly 1 partition, clean 3, src 3
  });

  it('a failing blocking check blocks downstream, with the reason recorded', async () => {
    const runner = seeded(4);
    runner.setSource('src', dayKey(1), 600); // clean = 1200 fails below_1000
    await runner.runUntilIdle();
    expect(runner.planner.state('clean', dayKey(1))).toEqual({ status: 'check_failed', reasons: [{ kind: 'check_failed', check: 'below_1000', message: 'value 1200' }] });
    expect(runner.planner.state('weekly', dayKey(2))).toEqual({
      status: 'blocked',
      reasons: [{ kind: 'never_materialized' }, { kind: 'upstream_check_failed', assetKey: 'clean', input: 'days', partitions: [dayKey(1)], more: 0 }],
    });
    expect(runner.planner.state('weekly', dayKey(0)).status).toBe('fresh');
    runner.setSource('src', dayKey(1), 7);
    const fixed = await runner.runUntilIdle();
    expect(ran(fixed)).toEqual(['clean 2024-01-02', 'weekly 2024-01-02', 'weekly 2024-01-03', 'weekly 2024-01-04']);
  });

  it('retries transient failures after retryAt, and actionable ones only on request', async () => {
    let transient = true;
    const runner = seeded(2, { failWith: (v) => (v === 2 ? (transient ? new TransientError('flaky network') : new Error('bad row')) : undefined) }, { transientRetries: 0 });
    await runner.runUntilIdle();
    const failed = runner.planner.state('clean', dayKey(1));
    expect(failed.status).toBe('failed');
    const reason = failed.reasons.find((r) => r.kind === 'failed');
    expect(reason).toMatchObject({ kind: 'failed', failureClass: 'transient', message: expect.stringContaining('flaky network'), fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const retryAt = (reason as { retryAt: number }).retryAt;
    expect(retryAt).toBeGreaterThan(runner.now);
    expect(await runner.runUntilIdle()).toEqual([]);
    transient = false;
    runner.advance(retryAt);
    const second = await runner.runUntilIdle();
    expect(ran(second)).toEqual(['clean 2024-01-02']);
    expect(runner.planner.state('clean', dayKey(1))).toMatchObject({ status: 'failed', reasons: expect.arrayContaining([expect.objectContaining({ kind: 'failed', failureClass: 'actionable', retryAt: null })]) });
    runner.advance(retryAt + 10 * DAY - 2 * DAY);
    expect((await runner.runUntilIdle()).filter((r) => r.assetKey === 'clean' && r.partitionKey === dayKey(1))).toEqual([]);
    runner.request({ id: 'retry-1', action: 'retry', assetKey: 'clean', partitionKeys: [dayKey(1)] });
    expect(ran(await runner.runUntilIdle())).toContain('clean 2024-01-02');
  });

  it('brings new time windows into existence as the clock moves, and reports when to wake up', async () => {
    const runner = seeded(3);
    // settle() evaluates without starting anything; the next window closes at midnight.
    expect(runner.planner.settle(runner.now)).toBe(T0 + 4 * DAY);
    runner.advance(T0 + 4 * DAY);
    runner.setSource('src', dayKey(3), 4);
    await runner.runUntilIdle();
    expect(runner.planner.state('clean', dayKey(3)).status).toBe('fresh');
    expect(runner.planner.summary('clean').fresh).toBe(4);
  });

  it('round-trips through a snapshot: a reloaded planner plans the same', async () => {
    const runner = seeded(6);
    await runner.runUntilIdle();
    runner.setSource('src', dayKey(2), 50);
    const snapshot = runner.planner.snapshot();
    const reloaded = new Planner(loadDefinitions(graph()), { codeVersions: { clean: 'explicit:c1', weekly: 'explicit:w1' } }).load(snapshot, runner.now);
    const a = runner.planner.plan(runner.now);
    const b = reloaded.plan(runner.now);
    expect(b.batches.map((x) => x.partitions.map((p) => [p.partitionKey, p.token]))).toEqual(a.batches.map((x) => x.partitions.map((p) => [p.partitionKey, p.token])));
  });

  it('evaluates only what a change reaches (incremental cost)', async () => {
    const runner = seeded(200);
    await runner.runUntilIdle();
    const before = runner.planner.stats.evaluated;
    runner.setSource('src', dayKey(100), 1234);
    runner.planner.plan(runner.now);
    // src 100, clean 100, weekly 100..102: a handful, not 600.
    expect(runner.planner.stats.evaluated - before).toBeLessThanOrEqual(6);
  });
});
