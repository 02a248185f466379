import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WeftError } from '../../../src/errors.js';
import { BoxSet, PartitionSet, RangeSet } from '../../../src/partitions/sets/index.js';
import { ctx, fakeMulti, fakeNumbered, fakeStatic } from './fake-definitions.js';

const r = RangeSet.range;

describe('PartitionSet over a single dimension', () => {
  const def = fakeNumbered(10);

  it('all, empty and count', () => {
    expect(PartitionSet.all(def, ctx).count).toBe(10);
    expect(PartitionSet.all(def, ctx).indices.toJSON()).toEqual([[0, 10]]);
    expect(PartitionSet.empty(def).isEmpty()).toBe(true);
    expect(PartitionSet.all(fakeStatic([]), ctx).isEmpty()).toBe(true);
  });

  it('fromKeys reports unknown and malformed keys instead of throwing', () => {
    const { set, unknown } = PartitionSet.fromKeys(def, ['k3', 'k1', 'nope', 'k2', 'k3', '', 'k10'], ctx);
    expect(set.indices.toJSON()).toEqual([[1, 4]]);
    expect(unknown).toEqual(['nope', '', 'k10']);
    expect(set.has('k2', ctx)).toBe(true);
    expect(set.has('k4', ctx)).toBe(false);
    expect(set.has('nope', ctx)).toBe(false);
  });

  it('keys, page and summarize', () => {
    const set = PartitionSet.fromIndices(def, RangeSet.fromRanges([[0, 2], [5, 6], [7, 10]]));
    expect(Array.from(set.keys(ctx))).toEqual(['k0', 'k1', 'k5', 'k7', 'k8', 'k9']);
    expect(set.page(ctx, 1, 3)).toEqual(['k1', 'k5', 'k7']);
    expect(set.page(ctx, 6, 3)).toEqual([]);
    expect(set.summarize(ctx)).toEqual([
      { firstKey: 'k0', lastKey: 'k1', count: 2, firstIndex: 0, lastIndex: 1 },
      { firstKey: 'k5', lastKey: 'k5', count: 1, firstIndex: 5, lastIndex: 5 },
      { firstKey: 'k7', lastKey: 'k9', count: 3, firstIndex: 7, lastIndex: 9 },
    ]);
    expect(set.summarize(ctx, 2).map((s) => s.firstKey)).toEqual(['k0', 'k5']);
    expect(PartitionSet.empty(def).summarize(ctx)).toEqual([]);
  });

  it('keys of partitions that do not exist throw, existing() drops them', () => {
    const set = PartitionSet.fromIndices(def, r(8, 12));
    expect(() => Array.from(set.keys(ctx))).toThrow(RangeError);
    expect(Array.from(set.existing(ctx).keys(ctx))).toEqual(['k8', 'k9']);
  });

  it('set algebra delegates to RangeSet', () => {
    const a = PartitionSet.fromIndices(def, r(0, 6));
    const b = PartitionSet.fromIndices(def, r(4, 10));
    expect(a.union(b).indices.toJSON()).toEqual([[0, 10]]);
    expect(a.intersect(b).indices.toJSON()).toEqual([[4, 6]]);
    expect(a.difference(b).indices.toJSON()).toEqual([[0, 4]]);
    expect(a.equals(PartitionSet.fromIndices(def, r(0, 6)))).toBe(true);
    expect(a.toJSON()).toEqual([[0, 6]]);
  });

  it('combines sets of equal definitions given by different objects', () => {
    const a = PartitionSet.fromIndices(fakeNumbered(10), r(0, 3));
    const b = PartitionSet.fromIndices(fakeNumbered(10), r(2, 5));
    expect(a.union(b).count).toBe(5);
  });

  it('refuses to combine sets of different definitions', () => {
    const a = PartitionSet.all(def, ctx);
    const b = PartitionSet.all(fakeNumbered(10, 'x'), ctx);
    for (const combine of [() => a.union(b), () => a.intersect(b), () => a.difference(b), () => a.equals(b)]) {
      expect(combine).toThrow(WeftError);
      expect(combine).toThrow(/cannot combine partitions of static \[k0.*with partitions of static \[x0/);
    }
  });

  it('toBoxes needs a multi definition', () => {
    expect(() => PartitionSet.all(def, ctx).toBoxes(ctx)).toThrow(/multi-dimensional/);
  });
});

describe('PartitionSet over a multi definition', () => {
  // dimensions (name order): color, day, size; digit order: day, size, color.
  const colors = ['blue', 'green', 'red'];
  const days = Array.from({ length: 6 }, (_, i) => `d${i}`);
  const sizes = ['L', 'M', 'S', 'XL'];
  const def = fakeMulti(
    [
      { name: 'day', keys: days },
      { name: 'size', keys: sizes },
      { name: 'color', keys: colors },
    ],
    ['day', 'size', 'color'],
  );
  const radices = [6, 4, 3]; // digit order
  const extents = [3, 6, 4]; // dimensions order

  it('toBoxes uses dimensions order and fromBoxes inverts it', () => {
    // color = red (2), every day, size ∈ {M, S} (1, 2)
    const boxes = BoxSet.box([r(2, 3), r(0, 6), r(1, 3)]);
    const set = PartitionSet.fromBoxes(def, boxes, ctx);
    expect(set.count).toBe(12);
    for (const index of set.indices.values()) {
      const [color, day, size] = def.decompose(index, ctx);
      expect(color).toBe(2);
      expect(day).toBeGreaterThanOrEqual(0);
      expect([1, 2]).toContain(size);
    }
    expect(set.has('color=red|day=d3|size=S', ctx)).toBe(true);
    expect(set.has('color=blue|day=d3|size=S', ctx)).toBe(false);
    expect(set.toBoxes(ctx).equals(boxes)).toBe(true);
    expect(set.toBoxes(ctx).boxCount).toBe(1);
  });

  it('every day, every size and color is one flat range and one summary entry', () => {
    const set = PartitionSet.fromBoxes(def, BoxSet.box([r(0, 3), r(1, 5), r(0, 4)]), ctx);
    expect(set.indices.rangeCount).toBe(1);
    expect(set.summarize(ctx)).toEqual([
      { firstKey: 'color=blue|day=d1|size=L', lastKey: 'color=red|day=d4|size=XL', count: 48, firstIndex: 12, lastIndex: 59 },
    ]);
  });

  it('fromBoxes rejects a box set of the wrong dimension count or out of range', () => {
    expect(() => PartitionSet.fromBoxes(def, BoxSet.box([r(0, 1), r(0, 1)]), ctx)).toThrow(RangeError);
    expect(() => PartitionSet.fromBoxes(def, BoxSet.box([r(0, 4), r(0, 1), r(0, 1)]), ctx)).toThrow(RangeError);
  });

  it('toBoxes agrees with decompose for any flat set, and fromBoxes round-trips', () => {
    const total = radices.reduce((a, b) => a * b, 1);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(total - 1), fc.integer({ min: 1, max: 20 })), { maxLength: 5 }), (ranges) => {
        const indices = RangeSet.fromRanges(ranges.map(([s, n]): [number, number] => [s, Math.min(s + n, total)]));
        const set = PartitionSet.fromIndices(def, indices);
        const boxes = set.toBoxes(ctx);
        expect(boxes.size).toBe(indices.size);
        for (let index = 0; index < total; index++) expect(boxes.has(def.decompose(index, ctx))).toBe(indices.has(index));
        expect(PartitionSet.fromBoxes(def, boxes, ctx).equals(set)).toBe(true);
      }),
    );
  });

  it('fromKeys and keys agree for multi keys', () => {
    const keys = ['color=green|day=d0|size=XL', 'color=green|day=d0|size=L', 'day=d0', 'color=pink|day=d0|size=L'];
    const { set, unknown } = PartitionSet.fromKeys(def, keys, ctx);
    expect(unknown).toEqual(['day=d0', 'color=pink|day=d0|size=L']);
    expect(Array.from(set.keys(ctx)).sort()).toEqual(keys.slice(0, 2).sort());
    expect(set.toBoxes(ctx).boxes().map((box) => box.map((s) => s.toJSON()))).toEqual([[[[1, 2]], [[0, 1]], [[0, 1], [3, 4]]]]);
    expect(extents).toEqual(def.dimensions.map((d) => d.definition.count(ctx)));
  });
});
