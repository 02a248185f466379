import { describe, expect, it } from 'vitest';
import { asset, source } from '../../src/definitions/index.js';
import { jsonCodec } from '../../src/hashing/index.js';
import { InProcessRunner, materialize } from '../../src/materialize/index.js';
import { daily } from '../../src/partitions/definitions/index.js';

const days = () => daily({ start: '2024-01-01' });

describe('canonical JSON codec and early cutoff', () => {
  it('objects with the same fields in another order have the same data version', async () => {
    const n = source<number>({ key: 'n', partitions: days(), codec: jsonCodec<number>() });
    const ba = asset({ key: 'ba', partitions: days(), inputs: { n }, compute: ({ n: v }) => ({ b: v, a: 2 }) });
    const ab = asset({ key: 'ab', partitions: days(), inputs: { n }, compute: ({ n: v }) => ({ a: 2, b: v }) });
    const result = await materialize([n, ba, ab], { partitions: ['2024-01-01'], sources: { n: { '2024-01-01': 1 } } });
    const versions = Object.fromEntries(result.runs.map((r) => [r.assetKey, r.dataVersion]));
    expect(versions.ba).toMatch(/^[0-9a-f]{64}$/);
    expect(versions.ab).toBe(versions.ba);
    expect(result.value('ba', '2024-01-01')).toEqual({ a: 2, b: 1 });
  });

  it('a recomputed upstream whose data version did not change does not rerun its downstream', async () => {
    const n = source<number>({ key: 'n', partitions: days(), codec: jsonCodec<number>() });
    let objRuns = 0;
    let downRuns = 0;
    // Even inputs give {b, a}, odd ones {a, b}: the same value with its keys in another order.
    const obj = asset({
      key: 'obj',
      partitions: days(),
      inputs: { n },
      compute: ({ n: v }) => (objRuns++, v < 10 ? (v % 2 === 0 ? { b: 1, a: 2 } : { a: 2, b: 1 }) : { a: 2, b: v }),
    });
    const down = asset({ key: 'down', partitions: days(), inputs: { o: obj }, compute: ({ o }) => (downRuns++, o.a + o.b) });
    const runner = new InProcessRunner([n, obj, down], { now: Date.parse('2024-01-03T00:00:00Z') });
    runner.setSource('n', '2024-01-01', 2);
    runner.setSource('n', '2024-01-02', 2);
    const first = await runner.runUntilIdle();
    expect(first.map((r) => `${r.assetKey}/${r.partitionKey}`).sort()).toEqual(['down/2024-01-01', 'down/2024-01-02', 'obj/2024-01-01', 'obj/2024-01-02']);
    expect([objRuns, downRuns]).toEqual([2, 2]);
    const objVersion = runner.runs.find((r) => r.assetKey === 'obj' && r.partitionKey === '2024-01-01')?.dataVersion;

    // The source changes, so obj reruns, but it returns the same value with its keys reordered.
    runner.setSource('n', '2024-01-01', 3);
    const second = await runner.runUntilIdle();
    expect(second.map((r) => `${r.assetKey}/${r.partitionKey}`)).toEqual(['obj/2024-01-01']);
    expect(second[0]?.dataVersion).toBe(objVersion);
    expect([objRuns, downRuns]).toEqual([3, 2]);
    expect(runner.planner.state('down', '2024-01-01')).toEqual({ status: 'fresh', reasons: [] });

    // A real change does propagate.
    runner.setSource('n', '2024-01-01', 40);
    const third = await runner.runUntilIdle();
    expect(third.map((r) => `${r.assetKey}/${r.partitionKey}`)).toEqual(['obj/2024-01-01', 'down/2024-01-01']);
    expect(runner.value('down', '2024-01-01')).toBe(42);
    expect([objRuns, downRuns]).toEqual([4, 3]);
  });

  it('observing a source with the same value again reruns nothing', async () => {
    const n = source<number>({ key: 'n', partitions: days(), codec: jsonCodec<number>() });
    let runs = 0;
    const twice = asset({ key: 'twice', partitions: days(), inputs: { n }, compute: ({ n: v }) => (runs++, v * 2) });
    const runner = new InProcessRunner([n, twice], { now: Date.parse('2024-01-02T00:00:00Z') });
    runner.setSource('n', '2024-01-01', 5);
    await runner.runUntilIdle();
    runner.setSource('n', '2024-01-01', 5);
    expect(await runner.runUntilIdle()).toEqual([]);
    expect(runs).toBe(1);
  });
});
