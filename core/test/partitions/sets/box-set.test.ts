import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoxSet, RangeSet, type Box } from '../../../src/partitions/sets/index.js';

const r = RangeSet.range;
const pointKey = (point: readonly number[]): string => point.join(',');

/** Every point of a box, as `x,y,z` strings. */
function boxPoints(box: Box): string[] {
  let points: number[][] = [[]];
  for (const set of box) points = points.flatMap((p) => Array.from(set.values(), (v) => [...p, v]));
  return points.map(pointKey);
}

function oracleOf(set: BoxSet): Set<string> {
  return new Set(set.boxes().flatMap(boxPoints));
}

const sortedKeys = (points: Iterable<string>): string[] => Array.from(points).sort();

/** Boxes are non-empty and pairwise disjoint, so their sizes add up to the point count. */
function expectDisjoint(set: BoxSet): void {
  const total = set.boxes().reduce((n, box) => n + box.reduce((m, s) => m * s.size, 1), 0);
  expect(set.boxes().every((box) => box.length === set.dims && box.every((s) => !s.isEmpty()))).toBe(true);
  expect(oracleOf(set).size).toBe(total);
  expect(set.size).toBe(total);
}

/** Small per-dimension sets within 0 … extent - 1. */
const arbDimSet = (extent: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: extent - 1 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 2 })
    .map((ranges) => RangeSet.fromRanges(ranges.map(([s, n]): [number, number] => [s, Math.min(s + n, extent)])));

/** A box set as the union of a few (possibly overlapping) boxes, with its naive point-set oracle. */
const arbBoxSet = (extents: readonly number[]) =>
  fc.array(fc.tuple(...extents.map(arbDimSet)), { maxLength: 4 }).map((boxes) => ({
    set: BoxSet.fromBoxes(extents.length, boxes),
    oracle: new Set(boxes.flatMap(boxPoints)),
  }));

/** All points of the space, for `has` checks. */
function allPoints(extents: readonly number[]): number[][] {
  let points: number[][] = [[]];
  for (const extent of extents) points = points.flatMap((p) => Array.from({ length: extent }, (_, v) => [...p, v]));
  return points;
}

/** Flat mixed-radix index of a point, digit 0 most significant. */
const flatOf = (point: readonly number[], radices: readonly number[]): number => point.reduce((acc, v, d) => acc * radices[d]! + v, 0);

describe('BoxSet: cases', () => {
  it('empty sets and empty boxes', () => {
    expect(BoxSet.empty(2).isEmpty()).toBe(true);
    expect(BoxSet.empty(2).size).toBe(0);
    expect(BoxSet.box([r(0, 3), RangeSet.EMPTY]).isEmpty()).toBe(true);
    expect(BoxSet.empty(3).toFlat([2, 2, 2]).isEmpty()).toBe(true);
    expect(BoxSet.fromFlat(RangeSet.EMPTY, [2, 2]).isEmpty()).toBe(true);
    expect(() => BoxSet.empty(0)).toThrow(RangeError);
  });

  it('has, size and dimension checks', () => {
    const set = BoxSet.box([r(0, 3), RangeSet.of([1, 4])]);
    expect(set.size).toBe(6);
    expect(set.has([2, 4])).toBe(true);
    expect(set.has([2, 3])).toBe(false);
    expect(() => set.has([1])).toThrow(RangeError);
    expect(() => set.union(BoxSet.empty(3))).toThrow(RangeError);
  });

  it('merges boxes that differ in one dimension', () => {
    const a = BoxSet.box([r(0, 5), r(0, 2)]);
    const b = BoxSet.box([r(5, 9), r(0, 2)]);
    const c = BoxSet.box([r(0, 9), r(2, 3)]);
    const union = a.union(b).union(c);
    expect(union.boxCount).toBe(1);
    expect(union.boxes()[0]!.map((s) => s.toJSON())).toEqual([[[0, 9]], [[0, 3]]]);
  });

  it('difference splits a box into at most 2·dims boxes', () => {
    const outer = BoxSet.box([r(0, 10), r(0, 10), r(0, 10)]);
    const hole = BoxSet.box([r(3, 6), r(3, 6), r(3, 6)]);
    const rest = outer.difference(hole);
    expect(rest.size).toBe(1000 - 27);
    expect(rest.boxCount).toBeLessThanOrEqual(6);
    expect(rest.has([4, 4, 4])).toBe(false);
    expect(rest.has([4, 4, 9])).toBe(true);
    expectDisjoint(rest);
    expect(rest.union(hole).equals(outer)).toBe(true);
  });

  it('equals compares points, not box lists', () => {
    const split = BoxSet.fromBoxes(2, [[r(0, 2), r(0, 4)], [r(2, 4), r(0, 2)], [r(2, 4), r(2, 4)]]);
    const whole = BoxSet.box([r(0, 4), r(0, 4)]);
    expect(split.equals(whole)).toBe(true);
    expect(whole.equals(BoxSet.box([r(0, 4), r(0, 3)]))).toBe(false);
  });

  it('permute reorders dimensions', () => {
    const set = BoxSet.box([r(0, 2), r(5, 6), r(7, 9)]);
    const permuted = set.permute([2, 0, 1]);
    expect(permuted.has([8, 1, 5])).toBe(true);
    expect(permuted.size).toBe(set.size);
    expect(() => set.permute([0, 0, 1])).toThrow(RangeError);
  });

  it('points enumerates every point once', () => {
    const set = BoxSet.fromBoxes(2, [[r(0, 2), r(0, 2)], [r(5, 6), r(3, 5)]]);
    expect(sortedKeys(Array.from(set.points(), pointKey))).toEqual(['0,0', '0,1', '1,0', '1,1', '5,3', '5,4']);
  });

  it('a box full in its inner dimensions is one flat range', () => {
    const radices = [200_000, 24, 3];
    const box = BoxSet.box([r(5, 100_005), r(0, 24), r(0, 3)]);
    const flat = box.toFlat(radices);
    expect(flat.toJSON()).toEqual([[5 * 72, 100_005 * 72]]);
    expect(BoxSet.fromFlat(flat, radices).boxCount).toBe(1);
    expect(BoxSet.fromFlat(flat, radices).equals(box)).toBe(true);
    expect(BoxSet.box([r(0, 200_000), r(0, 24), r(0, 3)]).toFlat(radices).toJSON()).toEqual([[0, 200_000 * 72]]);
  });

  it('a partial inner dimension gives one flat range per outer point and inner range', () => {
    const radices = [1000, 4];
    const flat = BoxSet.box([r(0, 1000), RangeSet.of([0, 1, 3])]).toFlat(radices);
    expect(flat.rangeCount).toBe(1001); // [0,2), then [4t+3, 4t+6) merged across days, then [3999, 4000)
    expect(flat.size).toBe(3000);
    const back = BoxSet.fromFlat(flat, radices);
    expect(back.boxCount).toBe(1);
  });

  it('toFlat and fromFlat reject points outside the radices', () => {
    expect(() => BoxSet.box([r(0, 3), r(0, 5)]).toFlat([3, 4])).toThrow(RangeError);
    expect(() => BoxSet.box([r(-1, 3), r(0, 4)]).toFlat([3, 4])).toThrow(RangeError);
    expect(() => BoxSet.fromFlat(r(0, 13), [3, 4])).toThrow(RangeError);
    expect(() => BoxSet.box([r(0, 3), r(0, 4)]).toFlat([3])).toThrow(RangeError);
  });
});

describe('BoxSet: properties against a point-set oracle', () => {
  for (const extents of [
    [6, 7],
    [4, 3, 5],
  ]) {
    const space = allPoints(extents);

    it(`union, intersect, difference, has, size in ${extents.length} dimensions`, () => {
      fc.assert(
        fc.property(arbBoxSet(extents), arbBoxSet(extents), (a, b) => {
          expectDisjoint(a.set);
          expect(sortedKeys(oracleOf(a.set))).toEqual(sortedKeys(a.oracle));
          const cases: Array<[BoxSet, Set<string>]> = [
            [a.set.union(b.set), new Set([...a.oracle, ...b.oracle])],
            [a.set.intersect(b.set), new Set([...a.oracle].filter((p) => b.oracle.has(p)))],
            [a.set.difference(b.set), new Set([...a.oracle].filter((p) => !b.oracle.has(p)))],
          ];
          for (const [result, oracle] of cases) {
            expectDisjoint(result);
            expect(result.size).toBe(oracle.size);
            expect(sortedKeys(oracleOf(result))).toEqual(sortedKeys(oracle));
            for (const point of space) expect(result.has(point)).toBe(oracle.has(pointKey(point)));
          }
          const same = sortedKeys(a.oracle).join(' ') === sortedKeys(b.oracle).join(' ');
          expect(a.set.equals(b.set)).toBe(same);
        }),
      );
    });

    it(`toFlat agrees with mixed-radix indices and round-trips in ${extents.length} dimensions`, () => {
      fc.assert(
        fc.property(arbBoxSet(extents), ({ set, oracle }) => {
          const flat = set.toFlat(extents);
          const expected = RangeSet.of(space.filter((p) => oracle.has(pointKey(p))).map((p) => flatOf(p, extents)));
          expect(flat.toJSON()).toEqual(expected.toJSON());
          expect(BoxSet.fromFlat(flat, extents).equals(set)).toBe(true);
        }),
      );
    });

    it(`one box survives a flat round trip as one box in ${extents.length} dimensions`, () => {
      fc.assert(
        fc.property(fc.tuple(...extents.map(arbDimSet)), (box) => {
          const set = BoxSet.box(box);
          const back = BoxSet.fromFlat(set.toFlat(extents), extents);
          expect(back.boxCount).toBe(1);
          expect(back.equals(set)).toBe(true);
        }),
      );
    });

    it(`fromFlat of any flat set agrees with decoding each index in ${extents.length} dimensions`, () => {
      const total = extents.reduce((a, b) => a * b, 1);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(total - 1), fc.integer({ min: 1, max: 30 })), { maxLength: 5 }), (ranges) => {
          const flat = RangeSet.fromRanges(ranges.map(([s, n]): [number, number] => [s, Math.min(s + n, total)]));
          const boxes = BoxSet.fromFlat(flat, extents);
          expectDisjoint(boxes);
          const expected = space.filter((p) => flat.has(flatOf(p, extents))).map(pointKey);
          expect(sortedKeys(oracleOf(boxes))).toEqual(sortedKeys(expected));
          expect(boxes.toFlat(extents).equals(flat)).toBe(true);
        }),
      );
    });
  }
});
