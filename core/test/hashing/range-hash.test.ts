import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalEncode,
  combinedHashOf,
  combinedHashOfDigests,
  dataVersionOf,
  forEachRangePiece,
  RangeHashTree,
  UNKNOWN_DATA_VERSION,
  type DataVersion,
} from '../../src/hashing/index.js';
import { thrown } from './arbitraries.js';

// ---- A naive reference implementation of the documented format, computed from scratch. ----

const B = 64;
const sha = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const ZERO = Buffer.alloc(32);

function refLeaf(version: DataVersion | undefined): { kind: number; digest: Buffer } {
  if (version === undefined) return { kind: 0, digest: ZERO };
  if (version === UNKNOWN_DATA_VERSION) return { kind: 3, digest: ZERO };
  if (/^[0-9a-f]{64}$/.test(version)) return { kind: 1, digest: Buffer.from(version, 'hex') };
  return { kind: 2, digest: sha(canonicalEncode(['weft/range-leaf/v1', version])) };
}

/** Digest of the aligned block (level, index): zeros when all its leaves are missing. */
function refBlock(leaves: readonly (DataVersion | undefined)[], level: number, index: number): Buffer {
  if (level === 0) throw new Error('leaves are not blocks');
  const size = B ** level;
  if (leaves.slice(index * size, (index + 1) * size).every((v) => v === undefined)) return ZERO;
  const children: Buffer[] = [];
  for (let c = 0; c < B; c++) {
    const child = index * B + c;
    if (level === 1) {
      const { kind, digest } = refLeaf(leaves[child]);
      children.push(Buffer.from([kind]), digest);
    } else {
      children.push(refBlock(leaves, level - 1, child));
    }
  }
  return sha(Buffer.from('weft/range-node/v1'), Buffer.from([level]), ...children);
}

function u64(n: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(n));
  return out;
}

function refRangeHash(leaves: readonly (DataVersion | undefined)[], a: number, b: number): string {
  for (let i = a; i < b; i++) if (leaves[i] === UNKNOWN_DATA_VERSION) return UNKNOWN_DATA_VERSION;
  const parts: Buffer[] = [Buffer.from('weft/range/v1'), u64(a), u64(b)];
  let p = a;
  while (p < b) {
    // The largest aligned block starting at p that fits, searched from the top level down.
    let level = 6;
    while (level > 0 && !(p % B ** level === 0 && p + B ** level <= b)) level--;
    if (level === 0) {
      const { kind, digest } = refLeaf(leaves[p]);
      parts.push(Buffer.from([kind]), digest);
    } else {
      parts.push(refBlock(leaves, level, p / B ** level));
    }
    p += B ** level;
  }
  return sha(...parts).toString('hex');
}

// ---- Arbitraries ----

const dv = (n: number): string => dataVersionOf(new Uint8Array([n, n >> 8]));
const knownPool: (DataVersion | undefined)[] = [
  ...Array.from({ length: 12 }, (_, n) => dv(n)),
  'etag-"x"',
  '',
  'A'.repeat(64), // upper-case hex is not digest-shaped: hashed as a string
  '0'.repeat(64), // a digest of zeros is still not "missing"
  undefined,
];
const pool = [...knownPool, UNKNOWN_DATA_VERSION];
const version = fc.constantFrom(...pool);
const knownVersion = fc.constantFrom(...knownPool);

const scenario = fc
  .constantFrom(130, 5000, 9000)
  .chain((size) =>
    fc.record({
      size: fc.constant(size),
      ops: fc.array(fc.record({ i: fc.noBias(fc.nat(size - 1)), v: version }), { maxLength: 80 }),
      dense: fc.boolean(),
      queries: fc.array(fc.tuple(fc.noBias(fc.nat(size + 200)), fc.noBias(fc.nat(size + 200))), { minLength: 1, maxLength: 6 }),
    }),
  );

function apply(ops: readonly { i: number; v: DataVersion | undefined }[], leaves: (DataVersion | undefined)[], tree: RangeHashTree) {
  for (const { i, v } of ops) {
    leaves[i] = v;
    tree.setLeaf(i, v);
  }
}

describe('forEachRangePiece: canonical decomposition', () => {
  const cases: [number, number, [number, number][]][] = [
    [0, 0, []],
    [5, 7, [[0, 5], [0, 6]]],
    [0, 64, [[1, 0]]],
    [0, 130, [[1, 0], [1, 1], [0, 128], [0, 129]]],
    [63, 129, [[0, 63], [1, 1], [0, 128]]],
    [0, 4096, [[2, 0]]],
    [64, 4160, [...Array.from({ length: 63 }, (_, k): [number, number] => [1, k + 1]), [1, 64]]],
    [4095, 4097, [[0, 4095], [0, 4096]]],
  ];
  it.each(cases)('[%i, %i)', (a, b, expected) => {
    const pieces: [number, number][] = [];
    forEachRangePiece(a, b, (level, index) => pieces.push([level, index]));
    expect(pieces).toEqual(expected);
  });

  it('covers [a, b) exactly with aligned blocks', () => {
    fc.assert(
      fc.property(fc.nat(300_000), fc.nat(300_000), (x, y) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        let next = a;
        forEachRangePiece(a, b, (level, index) => {
          expect(index * B ** level).toBe(next);
          next += B ** level;
        });
        expect(next).toBe(b);
      }),
    );
  });
});

describe('RangeHashTree', () => {
  it('equals the from-scratch reference for random updates and ranges', () => {
    fc.assert(
      fc.property(scenario, ({ size, ops, dense, queries }) => {
        const leaves: (DataVersion | undefined)[] = [];
        const tree = new RangeHashTree();
        if (dense) apply(Array.from({ length: size }, (_, i) => ({ i, v: pool[i % pool.length] })), leaves, tree);
        const half = Math.floor(ops.length / 2);
        apply(ops.slice(0, half), leaves, tree);
        const [x0, y0] = queries[0]!;
        tree.rangeHash(Math.min(x0, y0), Math.max(x0, y0)); // caches some nodes mid-way…
        tree.rangeHash(0, size + 200); // …and all of them
        apply(ops.slice(half), leaves, tree);
        const fixed: [number, number][] = [[0, size], [1, size - 1], [64, Math.min(8192, size)], [4096, size + 4096]];
        for (const [x, y] of [...queries, ...fixed]) {
          const [a, b] = x <= y ? [x, y] : [y, x];
          expect(tree.rangeHash(a, b)).toBe(refRangeHash(leaves, a, b));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('does not depend on capacity, update order or caching', () => {
    fc.assert(
      fc.property(scenario, ({ size, ops, queries }) => {
        const final = new Map<number, DataVersion | undefined>();
        for (const { i, v } of ops) final.set(i, v);
        const one = new RangeHashTree();
        for (const { i, v } of ops) {
          one.setLeaf(i, v);
          one.rangeHash(0, Math.min(i + 1, size)); // query after every update
        }
        const other = new RangeHashTree(1 << 16);
        for (const [i, v] of [...final].reverse()) other.setLeaf(i, v);
        other.setLeaf(size + 100_000, dv(1)); // more leaves, far outside every query
        for (const [x, y] of queries) {
          const [a, b] = x <= y ? [x, y] : [y, x];
          expect(one.rangeHash(a, b)).toBe(other.rangeHash(a, b));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('changes when any leaf in the range changes, and not when leaves outside it change', () => {
    fc.assert(
      fc.property(
        fc.array(knownVersion, { minLength: 1, maxLength: 5000 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        knownVersion,
        (values, x, y, z, replacement) => {
          const tree = new RangeHashTree();
          tree.setLeaves(0, values);
          const n = values.length;
          const a = x % n;
          const b = a + 1 + (y % (n - a));
          const before = tree.rangeHash(a, b);
          const inside = a + (z % (b - a));
          fc.pre(replacement !== values[inside]);
          tree.setLeaf(inside, replacement);
          expect(tree.rangeHash(a, b)).not.toBe(before);
          tree.setLeaf(inside, values[inside]);
          expect(tree.rangeHash(a, b)).toBe(before);
          if (a > 0) tree.setLeaf(z % a, replacement);
          tree.setLeaf(b + (z % 100), replacement);
          expect(tree.rangeHash(a, b)).toBe(before);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('treats leaves beyond leafCount as missing', () => {
    const tree = new RangeHashTree();
    tree.setLeaves(0, [dv(1), dv(2), undefined]);
    expect(tree.leafCount).toBe(3);
    expect(tree.rangeHash(0, 10_000)).toBe(refRangeHash([dv(1), dv(2)], 0, 10_000));
    expect(tree.rangeHash(0, 10_000)).toBe(combinedHashOf([dv(1), dv(2), ...Array<undefined>(9998)], 0));
  });

  it('stays correct while it grows past levels it has already hashed', () => {
    const tree = new RangeHashTree();
    const leaves: (DataVersion | undefined)[] = [dv(1), undefined, 'etag'];
    tree.setLeaves(0, leaves);
    expect(tree.rangeHash(0, 64)).toBe(refRangeHash(leaves, 0, 64));
    for (const far of [100, 5000, 300_000]) {
      tree.setLeaf(far, dv(far));
      leaves[far] = dv(far);
      for (const b of [64, 4096, 262_144, far + 1]) expect(tree.rangeHash(0, b)).toBe(refRangeHash(leaves, 0, b));
    }
  });

  it('is UNKNOWN exactly for ranges containing an unknown leaf', () => {
    const tree = new RangeHashTree();
    tree.setLeaves(0, Array.from({ length: 10_000 }, (_, i) => dv(i)));
    tree.setLeaf(5000, UNKNOWN_DATA_VERSION);
    expect(tree.hasUnknown).toBe(true);
    expect(tree.rangeHash(0, 10_000)).toBe(UNKNOWN_DATA_VERSION);
    expect(tree.rangeHash(4096, 8192)).toBe(UNKNOWN_DATA_VERSION);
    expect(tree.rangeHash(5000, 5001)).toBe(UNKNOWN_DATA_VERSION);
    expect(tree.rangeHash(0, 5000)).toMatch(/^[0-9a-f]{64}$/);
    expect(tree.rangeHash(5001, 10_000)).toMatch(/^[0-9a-f]{64}$/);
    tree.setLeaf(5000, dv(5000));
    expect(tree.hasUnknown).toBe(false);
    expect(tree.rangeHash(0, 10_000)).toBe(refRangeHash(Array.from({ length: 10_000 }, (_, i) => dv(i)), 0, 10_000));
  });

  it('does no work for a leaf set to the value it has', () => {
    const tree = new RangeHashTree();
    tree.setLeaves(0, Array.from({ length: 5000 }, (_, i) => dv(i)));
    tree.rangeHash(0, 5000);
    const hashes = tree.nodeHashes;
    tree.setLeaves(0, Array.from({ length: 5000 }, (_, i) => dv(i)));
    tree.rangeHash(0, 5000);
    expect(tree.nodeHashes).toBe(hashes);
  });

  it('rehashes ~10k nodes, not 1M, after 10,000 scattered updates in a 1,000,000-leaf tree', () => {
    const n = 1_000_000;
    const tree = new RangeHashTree(n);
    const digest = (i: number, salt: number) => (i * 2654435761 + salt).toString(16).padStart(64, '0');
    for (let i = 0; i < n; i++) tree.setLeaf(i, digest(i, 0));
    const full = tree.rangeHash(0, n);
    const initial = tree.nodeHashes;
    expect(initial).toBeLessThan(16_000); // 15,625 level-1 + 245 level-2 + 4 level-3 blocks (at most)
    expect(tree.byteSize).toBeLessThan(40 * 1024 * 1024);
    let seed = 12345;
    for (let k = 0; k < 10_000; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      tree.setLeaf(seed % n, digest(seed % n, 1));
    }
    expect(tree.rangeHash(0, n)).not.toBe(full);
    const rehashed = tree.nodeHashes - initial;
    expect(rehashed).toBeLessThanOrEqual(10_000 + 250);
    expect(rehashed).toBeGreaterThan(5_000);
  });

  it('rejects bad indices and ranges', () => {
    const tree = new RangeHashTree();
    expect(thrown(() => tree.setLeaf(-1, undefined)).code).toBe('hashing.bad_value');
    expect(thrown(() => tree.setLeaf(1.5, undefined)).code).toBe('hashing.bad_value');
    expect(thrown(() => tree.setLeaf(2 ** 32, undefined)).code).toBe('hashing.bad_value');
    expect(thrown(() => tree.rangeHash(5, 4)).code).toBe('hashing.bad_value');
    expect(thrown(() => tree.rangeHash(0, 2 ** 32 + 1)).code).toBe('hashing.bad_value');
  });
});

describe('combinedHashOf', () => {
  it('gives the same hash as the tree for the same leaves', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 300 }), fc.nat(20_000), (versions, start) => {
        const tree = new RangeHashTree();
        tree.setLeaves(start, versions);
        const expected = tree.rangeHash(start, start + versions.length);
        expect(combinedHashOf(versions, start)).toBe(expected);
        expect(expected).toBe(refRangeHash([...Array<undefined>(start), ...versions], start, start + versions.length));
      }),
      { numRuns: 100 },
    );
  });

  it('handles whole aligned blocks (rollups of 64 and 4096 leaves)', () => {
    const versions = Array.from({ length: 4096 + 64 }, (_, i) => dv(i));
    const tree = new RangeHashTree();
    tree.setLeaves(4096, versions);
    expect(combinedHashOf(versions, 4096)).toBe(tree.rangeHash(4096, 4096 + versions.length));
  });

  it('covers the 24-hour rollup and 7-day window cases', () => {
    const hours = Array.from({ length: 24 }, (_, i) => dv(i));
    expect(combinedHashOf(hours, 48)).toBe(refRangeHash([...Array<undefined>(48), ...hours], 48, 72));
    expect(combinedHashOf(hours.slice(0, 7), 100)).not.toBe(combinedHashOf(hours.slice(0, 7), 101));
    expect(combinedHashOf([], 5)).toBe(refRangeHash([], 5, 5));
  });
});

describe('combinedHashOfDigests (data versions held as bytes, as the planner keeps them)', () => {
  /** Data versions of `n` partitions as the planner stores them: 32 bytes each and a presence flag. */
  const stored = (versions: ReadonlyArray<string | undefined>): { digests: Uint8Array; present: Uint8Array } => {
    const digests = new Uint8Array(versions.length * 32);
    const present = new Uint8Array(versions.length);
    versions.forEach((v, i) => {
      // Bytes left behind where a partition is not present must not count.
      digests.set(v === undefined ? Buffer.alloc(32, 0xab) : Buffer.from(v, 'hex'), i * 32);
      present[i] = v === undefined ? 0 : 1;
    });
    return { digests, present };
  };
  const digestVersion = fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), { nil: undefined });

  it('equals combinedHashOf of the same versions as hex, for any run of them', () => {
    fc.assert(
      fc.property(fc.array(digestVersion, { maxLength: 200 }), fc.nat(200), fc.nat(200), (versions, x, y) => {
        const { digests, present } = stored(versions);
        const a = Math.min(x, versions.length);
        const b = Math.min(a + y, versions.length);
        expect(combinedHashOfDigests(digests, present, a, b - a)).toBe(combinedHashOf(versions.slice(a, b), 0));
      }),
      { numRuns: 200 },
    );
  });

  it('handles whole aligned blocks and scratch buffers grown past their first size (4,160 leaves)', () => {
    const versions = Array.from({ length: 4096 + 64 + 3 }, (_, i) => (i % 5 === 0 ? undefined : dv(i)));
    const { digests, present } = stored(versions);
    expect(combinedHashOfDigests(digests, present, 3, 4096 + 64)).toBe(combinedHashOf(versions.slice(3), 0));
    expect(combinedHashOfDigests(digests, present, 0, 24)).toBe(combinedHashOf(versions.slice(0, 24), 0));
  });
});
