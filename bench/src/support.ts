import type { Codec } from '@weft/core';

/** Small integers as canonical decimal text: the value codec of the benchmarks' trivial assets. */
export const intCodec: Codec<number> = { name: 'int', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };

/** A small seeded PRNG (mulberry32): the same sequence on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The `p`-th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
