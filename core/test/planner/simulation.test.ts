import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InProcessRunner, type Definition, type PlannedBatch } from '../../src/index.js';
import { buildGraph, POISON, type AssetShape } from './random-graph.js';

const START = '2024-01-01';
const T0 = Date.parse('2024-01-01T00:00:00Z');
const HOUR = 3_600_000;

const shapeArb: fc.Arbitrary<AssetShape> = fc.record({
  grain: fc.constantFrom('daily', 'daily', 'daily', 'monthly', 'unpartitioned'),
  inputs: fc.array(fc.record({ from: fc.nat(20), choice: fc.nat(20) }), { minLength: 1, maxLength: 3 }),
  selfOffset: fc.boolean(),
  modulus: fc.integer({ min: 2, max: 60 }),
});

const hourKey = (h: number): string => `${new Date(T0 + h * HOUR).toISOString().slice(0, 13)}:00`;

/** Every source hour set; the clock after `days` days (so monthly partitions may exist). */
function seeded(defs: Definition[], days: number, values: (h: number) => number): InProcessRunner {
  const runner = new InProcessRunner(defs, { now: T0 + days * 24 * HOUR });
  for (let h = 0; h < days * 24; h++) runner.setSource('src', hourKey(h), values(h));
  return runner;
}

/** Checks before every batch that each planned partition reads only fresh upstream partitions. */
function guardFreshInputs(runner: InProcessRunner): void {
  runner.beforeBatch = (batch: PlannedBatch) => {
    const ctx = runner.planner.context;
    for (const p of batch.partitions) {
      for (const input of p.inputs) {
        const def = runner.graph.node(input.assetKey).partitions;
        for (const [a, b] of input.ranges) {
          for (let u = a; u < b; u++) {
            const key = def.keyAt(u, ctx);
            const state = runner.planner.state(input.assetKey, key).status;
            if (state !== 'fresh') throw new Error(`${batch.assetKey} ${p.partitionKey} scheduled while ${input.assetKey} ${key} is ${state}`);
          }
        }
      }
    }
  };
}

const key = (asset: string, partition: string): string => `${asset}\u0000${partition}`;

describe('planner against a from-scratch oracle', () => {
  it('recomputes exactly the partitions whose token changed, and converges to the from-scratch state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(shapeArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 2, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 24, maxLength: 24 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 5 }),
        async (shapes, days, pattern, changes) => {
          const defs = buildGraph(shapes, START);
          const initial = (h: number): number => pattern[h % 24] as number;
          const runner = seeded(defs, days, initial);
          guardFreshInputs(runner);
          await runner.runUntilIdle();
          const before = new Map(runner.tokens);
          for (const k of runner.graph.order) {
            const summary = runner.planner.summary(k);
            expect(summary.fresh, `${k}: ${JSON.stringify(summary)}`).toBe(runner.planner.statusCodes(k).length);
          }

          const changed = new Map<number, number>();
          for (const [h, v] of changes) changed.set(h % (days * 24), v);
          for (const [h, v] of changed) runner.setSource('src', hourKey(h), v);
          const reruns = await runner.runUntilIdle();

          const scratch = seeded(buildGraph(shapes, START), days, (h) => changed.get(h) ?? initial(h));
          await scratch.runUntilIdle();
          expect(new Map(runner.tokens)).toEqual(new Map(scratch.tokens));
          const expected = [...scratch.tokens].filter(([k, t]) => before.get(k) !== t).map(([k]) => k).sort();
          const recomputed = reruns.map((r) => key(r.assetKey, r.partitionKey)).sort();
          expect(recomputed).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does not retry an actionable failure until its token changes, and fails only the affected partitions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(shapeArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 2, max: 20 }), fc.nat(), async (shapes, days, poisonAt) => {
        // (Restoring the original value instead would make the old, successful token current again:
        // the partitions become fresh without running — covered by 'restoring an input' below.)
        const defs = buildGraph(shapes, START);
        const runner = seeded(defs, days, () => 1);
        guardFreshInputs(runner);
        await runner.runUntilIdle();
        const hour = poisonAt % (days * 24);
        runner.setSource('src', hourKey(hour), POISON);
        const failedRun = await runner.runUntilIdle();
        const failures = failedRun.filter((r) => r.status === 'failed');
        for (const f of failures) expect(runner.planner.state(f.assetKey, f.partitionKey).status).toBe('failed');
        // Nothing new runs while the input stays corrupt.
        expect(await runner.runUntilIdle()).toEqual([]);
        // Fixing the input (to a new value) changes the token: the failed partitions run again and everything converges.
        runner.setSource('src', hourKey(hour), 2);
        const fixed = await runner.runUntilIdle();
        expect(fixed.filter((r) => r.status === 'failed')).toEqual([]);
        for (const f of failures) expect(fixed.some((r) => r.assetKey === f.assetKey && r.partitionKey === f.partitionKey)).toBe(true);
        for (const k of runner.graph.order) expect(runner.planner.summary(k).fresh).toBe(runner.planner.statusCodes(k).length);
      }),
      { numRuns: 40 },
    );
  });

  it('restoring an input to its previous value makes the old materialization current again, without reruns', async () => {
    const defs = buildGraph([{ grain: 'daily', inputs: [{ from: 0, choice: 0 }], selfOffset: true, modulus: 50 }], START);
    const runner = seeded(defs, 5, () => 1);
    await runner.runUntilIdle();
    runner.setSource('src', hourKey(30), POISON);
    const failed = await runner.runUntilIdle();
    expect(failed.map((r) => [r.assetKey, r.partitionKey, r.status])).toEqual([['a0', '2024-01-02', 'failed']]);
    expect(runner.planner.state('a0', '2024-01-03')).toMatchObject({ status: 'blocked', reasons: [{ kind: 'upstream_failed', assetKey: 'a0', input: 'prev', partitions: ['2024-01-02'] }] });
    runner.setSource('src', hourKey(30), 1);
    expect(await runner.runUntilIdle()).toEqual([]);
    expect(runner.planner.summary('a0')).toMatchObject({ fresh: 5, failed: 0, blocked: 0 });
  });
});
