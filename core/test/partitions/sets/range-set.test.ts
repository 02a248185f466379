import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeSet, RangeSetBuilder } from '../../../src/partitions/sets/index.js';

const LO = -50;
const HI = 200;

const sorted = (values: Iterable<number>): number[] => Array.from(values).sort((a, b) => a - b);
const fromOracle = (oracle: Set<number>): RangeSet => RangeSet.of(oracle);

/** A RangeSet over -50…200 built from points and ranges in any order, with its naive oracle. */
const arbSet = fc
  .array(
    fc.oneof(
      fc.integer({ min: LO, max: HI }).map((i): [number, number] => [i, i + 1]),
      fc.tuple(fc.integer({ min: LO, max: HI }), fc.integer({ min: 0, max: 40 })).map(([s, n]): [number, number] => [s, Math.min(s + n, HI + 1)]),
    ),
    { maxLength: 12 },
  )
  .map((ranges) => {
    const oracle = new Set<number>();
    for (const [s, e] of ranges) for (let i = s; i < e; i++) oracle.add(i);
    return { set: RangeSet.fromRanges(ranges), oracle };
  });

/** The structural invariants of a canonical set: sorted, non-empty, disjoint and non-adjacent ranges. */
function expectCanonical(set: RangeSet): void {
  const json = set.toJSON();
  expect(set.rangeCount).toBe(json.length);
  json.forEach(([s, e], k) => {
    expect(s).toBeLessThan(e);
    if (k > 0) expect(s).toBeGreaterThan(json[k - 1]![1]);
  });
  expect(set.size).toBe(json.reduce((n, [s, e]) => n + e - s, 0));
}

describe('RangeSet: cases', () => {
  const cases: Array<{ name: string; set: RangeSet; json: Array<[number, number]>; size: number }> = [
    { name: 'EMPTY', set: RangeSet.EMPTY, json: [], size: 0 },
    { name: 'empty range', set: RangeSet.range(5, 5), json: [], size: 0 },
    { name: 'reversed range', set: RangeSet.range(5, 2), json: [], size: 0 },
    { name: 'of nothing', set: RangeSet.of([]), json: [], size: 0 },
    { name: 'single point', set: RangeSet.of([7]), json: [[7, 8]], size: 1 },
    { name: 'negative point', set: RangeSet.of([-3]), json: [[-3, -2]], size: 1 },
    { name: 'adjacent points merge', set: RangeSet.of([3, 1, 2, 2, 5]), json: [[1, 4], [5, 6]], size: 4 },
    { name: 'across zero', set: RangeSet.of([-1, 0, 1]), json: [[-1, 2]], size: 3 },
    { name: 'adjacent ranges merge', set: RangeSet.fromRanges([[0, 3], [3, 5]]), json: [[0, 5]], size: 5 },
    { name: 'overlapping ranges merge', set: RangeSet.fromRanges([[4, 9], [0, 5], [20, 21], [8, 10]]), json: [[0, 10], [20, 21]], size: 11 },
    { name: 'empty ranges ignored', set: RangeSet.fromRanges([[3, 3], [9, 1], [1, 2]]), json: [[1, 2]], size: 1 },
    { name: 'fromJSON normalizes', set: RangeSet.fromJSON([[5, 6], [0, 2], [2, 5]]), json: [[0, 6]], size: 6 },
    { name: 'union of gaps', set: RangeSet.range(0, 3).union(RangeSet.range(4, 6)), json: [[0, 3], [4, 6]], size: 5 },
    { name: 'union filling a gap', set: RangeSet.fromRanges([[0, 3], [4, 6]]).union(RangeSet.of([3])), json: [[0, 6]], size: 6 },
    { name: 'difference splits', set: RangeSet.range(0, 10).difference(RangeSet.of([0, 5, 9])), json: [[1, 5], [6, 9]], size: 7 },
    { name: 'difference of everything', set: RangeSet.range(0, 10).difference(RangeSet.range(-5, 15)), json: [], size: 0 },
    { name: 'intersect at the edge', set: RangeSet.range(0, 5).intersect(RangeSet.range(4, 10)), json: [[4, 5]], size: 1 },
    { name: 'intersect of touching ranges', set: RangeSet.range(0, 5).intersect(RangeSet.range(5, 10)), json: [], size: 0 },
    { name: 'clamp inside a range', set: RangeSet.range(-10, 10).clamp(-2, 3), json: [[-2, 3]], size: 5 },
    { name: 'clamp across ranges', set: RangeSet.fromRanges([[0, 3], [5, 8], [10, 12]]).clamp(2, 11), json: [[2, 3], [5, 8], [10, 11]], size: 5 },
    { name: 'clamp into a gap', set: RangeSet.fromRanges([[0, 3], [5, 8]]).clamp(3, 5), json: [], size: 0 },
    { name: 'shift negative', set: RangeSet.fromRanges([[0, 3], [5, 8]]).shift(-4), json: [[-4, -1], [1, 4]], size: 6 },
  ];
  it.each(cases)('$name', ({ set, json, size }) => {
    expect(set.toJSON()).toEqual(json);
    expect(set.size).toBe(size);
    expect(set.isEmpty()).toBe(size === 0);
    expectCanonical(set);
  });

  it('min and max (inclusive)', () => {
    expect(RangeSet.EMPTY.min()).toBeUndefined();
    expect(RangeSet.EMPTY.max()).toBeUndefined();
    const set = RangeSet.fromRanges([[-4, -1], [3, 9]]);
    expect(set.min()).toBe(-4);
    expect(set.max()).toBe(8);
    expect(RangeSet.of([5]).max()).toBe(5);
  });

  it('has at range boundaries', () => {
    const set = RangeSet.fromRanges([[-4, -1], [3, 9]]);
    const members = [-4, -3, -2, 3, 8];
    const others = [-5, -1, 0, 2, 9, 100, 3.5, Number.NaN];
    for (const i of members) expect(set.has(i)).toBe(true);
    for (const i of others) expect(set.has(i)).toBe(false);
    expect(RangeSet.EMPTY.has(0)).toBe(false);
  });

  const paging: Array<{ name: string; offset: number; limit: number; expected: number[] }> = [
    { name: 'first page', offset: 0, limit: 3, expected: [-3, -2, 5] },
    { name: 'across two boundaries', offset: 1, limit: 5, expected: [-2, 5, 6, 7, 20] },
    { name: 'last member only', offset: 6, limit: 10, expected: [21] },
    { name: 'exactly at the end', offset: 7, limit: 3, expected: [] },
    { name: 'past the end', offset: 100, limit: 3, expected: [] },
    { name: 'zero limit', offset: 2, limit: 0, expected: [] },
    { name: 'whole set', offset: 0, limit: 100, expected: [-3, -2, 5, 6, 7, 20, 21] },
  ];
  it.each(paging)('page: $name', ({ offset, limit, expected }) => {
    const set = RangeSet.fromRanges([[-3, -1], [5, 8], [20, 22]]);
    expect(set.page(offset, limit)).toEqual(expected);
  });

  it('page rejects negative and fractional arguments, nth answers undefined', () => {
    const set = RangeSet.range(0, 10);
    expect(() => set.page(-1, 2)).toThrow(RangeError);
    expect(() => set.page(0, 1.5)).toThrow(RangeError);
    expect(set.nth(-1)).toBeUndefined();
    expect(set.nth(10)).toBeUndefined();
    expect(set.nth(0.5)).toBeUndefined();
    expect(RangeSet.EMPTY.nth(0)).toBeUndefined();
    expect(RangeSet.EMPTY.page(0, 5)).toEqual([]);
  });

  it('rank counts smaller members', () => {
    const set = RangeSet.fromRanges([[-3, -1], [5, 8]]);
    expect([-10, -3, -2, -1, 0, 5, 7, 8, 100].map((i) => set.rank(i))).toEqual([0, 0, 1, 2, 2, 2, 4, 5, 5]);
  });

  it('values, descending values and the iterator', () => {
    const set = RangeSet.fromRanges([[-3, -1], [5, 7]]);
    expect(Array.from(set.values())).toEqual([-3, -2, 5, 6]);
    expect(Array.from(set.valuesDescending())).toEqual([6, 5, -2, -3]);
    expect([...set]).toEqual([-3, -2, 5, 6]);
    expect(Array.from(set.ranges())).toEqual([[-3, -1], [5, 7]]);
    expect(set.toString()).toBe('{[-3,-1) [5,7)}');
  });

  it('rejects non-integers', () => {
    expect(() => RangeSet.range(0, 1.5)).toThrow(RangeError);
    expect(() => RangeSet.of([1, Number.NaN])).toThrow(RangeError);
    expect(() => RangeSet.of([Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => RangeSet.EMPTY.shift(0.5)).toThrow(RangeError);
    expect(() => RangeSet.fromJSON([[0, 1, 2]] as unknown as Array<[number, number]>)).toThrow(TypeError);
    expect(() => RangeSet.fromJSON({} as unknown as Array<[number, number]>)).toThrow(TypeError);
  });

  it('JSON round trip', () => {
    const set = RangeSet.fromRanges([[-3, -1], [5, 7]]);
    expect(RangeSet.fromJSON(JSON.parse(JSON.stringify(set)) as Array<[number, number]>).equals(set)).toBe(true);
  });

  it('operations with no effect return the same instance', () => {
    const set = RangeSet.fromRanges([[0, 3], [5, 8]]);
    expect(set.union(RangeSet.EMPTY)).toBe(set);
    expect(set.difference(RangeSet.range(10, 20))).toBe(set);
    expect(set.clamp(-100, 100)).toBe(set);
    expect(set.shift(0)).toBe(set);
    expect(RangeSet.range(3, 3)).toBe(RangeSet.EMPTY);
  });
});

describe('RangeSetBuilder', () => {
  it('merges ascending points and ranges as they arrive', () => {
    const builder = new RangeSetBuilder();
    builder.add(1).add(2).add(2).add(3).addRange(3, 6).addRange(4, 5).add(8).addRange(9, 9);
    expect(builder.build().toJSON()).toEqual([[1, 6], [8, 9]]);
  });

  it('is correct for out-of-order input and stays usable after build', () => {
    const builder = new RangeSetBuilder();
    builder.add(10).add(2).addRange(-5, -3).add(11).add(3);
    expect(builder.build().toJSON()).toEqual([[-5, -3], [2, 4], [10, 12]]);
    builder.add(4).add(-10);
    expect(builder.build().toJSON()).toEqual([[-10, -9], [-5, -3], [2, 5], [10, 12]]);
    builder.clear();
    expect(builder.build()).toBe(RangeSet.EMPTY);
  });

  it('agrees with the oracle for any insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: LO, max: HI }), { maxLength: 300 }), (values) => {
        const builder = new RangeSetBuilder();
        for (const v of values) builder.add(v);
        const set = builder.build();
        expectCanonical(set);
        expect(Array.from(set.values())).toEqual(sorted(new Set(values)));
      }),
    );
  });
});

describe('RangeSet: properties against a Set<number> oracle', () => {
  it('membership, size, values, canonical form', () => {
    fc.assert(
      fc.property(arbSet, ({ set, oracle }) => {
        expectCanonical(set);
        expect(set.size).toBe(oracle.size);
        expect(Array.from(set.values())).toEqual(sorted(oracle));
        expect(Array.from(set.valuesDescending())).toEqual(sorted(oracle).reverse());
        for (let i = LO - 2; i <= HI + 2; i++) expect(set.has(i)).toBe(oracle.has(i));
        expect(set.toJSON()).toEqual(fromOracle(oracle).toJSON());
        expect(set.min()).toBe(oracle.size === 0 ? undefined : Math.min(...oracle));
        expect(set.max()).toBe(oracle.size === 0 ? undefined : Math.max(...oracle));
      }),
    );
  });

  it('union, intersect, difference', () => {
    fc.assert(
      fc.property(arbSet, arbSet, (a, b) => {
        const union = new Set([...a.oracle, ...b.oracle]);
        const common = new Set([...a.oracle].filter((i) => b.oracle.has(i)));
        const rest = new Set([...a.oracle].filter((i) => !b.oracle.has(i)));
        for (const [result, oracle] of [
          [a.set.union(b.set), union],
          [a.set.intersect(b.set), common],
          [a.set.difference(b.set), rest],
        ] as const) {
          expectCanonical(result);
          expect(result.toJSON()).toEqual(fromOracle(oracle).toJSON());
        }
        expect(a.set.equals(b.set)).toBe(sorted(a.oracle).join() === sorted(b.oracle).join());
        expect(a.set.isSubsetOf(b.set)).toBe(rest.size === 0);
        expect(a.set.overlaps(b.set)).toBe(common.size > 0);
      }),
    );
  });

  it('page, nth and rank', () => {
    fc.assert(
      fc.property(arbSet, fc.nat(300), fc.nat(60), ({ set, oracle }, offset, limit) => {
        const values = sorted(oracle);
        expect(set.page(offset, limit)).toEqual(values.slice(offset, offset + limit));
        expect(set.nth(offset)).toBe(values[offset]);
        const probe = offset + LO;
        expect(set.rank(probe)).toBe(values.filter((v) => v < probe).length);
      }),
    );
  });

  it('shift and clamp', () => {
    fc.assert(
      fc.property(arbSet, fc.integer({ min: -100, max: 100 }), fc.integer({ min: LO - 5, max: HI + 5 }), fc.integer({ min: LO - 5, max: HI + 5 }), ({ set, oracle }, delta, start, end) => {
        const shifted = set.shift(delta);
        expectCanonical(shifted);
        expect(shifted.toJSON()).toEqual(fromOracle(new Set([...oracle].map((i) => i + delta))).toJSON());
        const clamped = set.clamp(start, end);
        expectCanonical(clamped);
        expect(clamped.toJSON()).toEqual(fromOracle(new Set([...oracle].filter((i) => i >= start && i < end))).toJSON());
      }),
    );
  });
});

describe('RangeSet at scale', () => {
  it('a million ascending indices with 1% holes', () => {
    const n = 1_000_000;
    const builder = new RangeSetBuilder();
    for (let i = 0; i < n; i++) if (i % 100 !== 99) builder.add(i);
    const set = builder.build();
    expect(set.size).toBe(n - n / 100);
    expect(set.rangeCount).toBe(n / 100);
    expect(set.has(99)).toBe(false);
    expect(set.has(999_998)).toBe(true);
    expect(set.max()).toBe(999_998);
    expect(set.page(set.size - 3, 10)).toEqual([999_996, 999_997, 999_998]);
    expect(set.page(set.size, 10)).toEqual([]);
    expect(set.nth(99 * 5000)).toBe(500_000);
    expect(set.rank(500_000)).toBe(99 * 5000);
    const everything = set.union(RangeSet.fromRanges(Array.from({ length: n / 100 }, (_, k): [number, number] => [k * 100 + 99, k * 100 + 100])));
    expect(everything.toJSON()).toEqual([[0, n]]);
  });
});
