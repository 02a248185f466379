import { daily, type PartitionContext, type PartitionsDefinition } from '@weft/core';
import type { ProvenanceStore } from '@weft/store';
import { describe, expect, it } from 'vitest';
import { StatusCache } from '../src/api/status-cache.js';

/** A store that answers status codes after a tick and counts its reads. */
function countingStore(): { store: ProvenanceStore; reads: string[][] } {
  const reads: string[][] = [];
  const store = {
    location: 'here',
    statusCodesOf: async (assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext) => {
      reads.push(assets.map((a) => a.assetKey));
      await new Promise((r) => setTimeout(r, 10));
      return new Map(assets.map((a) => [a.assetKey, new Uint8Array(a.def.count(ctx)).fill(reads.length)]));
    },
  } as unknown as ProvenanceStore;
  return { store, reads };
}

const def = daily({ start: '2024-01-01' });
const ctx: PartitionContext = { now: Date.parse('2024-01-11T00:00:00Z'), dynamicKeys: () => [] };

describe('the status cache', () => {
  it('shares one read among concurrent requests, keeps it while the version holds, and reads again when it moves', async () => {
    const { store, reads } = countingStore();
    const cache = new StatusCache();
    const assets = [
      { assetKey: 'a', def },
      { assetKey: 'b', def },
    ];
    const [x, y, z] = await Promise.all([cache.codesOf(store, 'v1', assets, ctx), cache.codesOf(store, 'v1', assets, ctx), cache.codesOf(store, 'v1', [{ assetKey: 'a', def }], ctx)]);
    expect(reads).toEqual([['a', 'b']]);
    expect(x.get('a')).toBe(y.get('a'));
    expect(z.get('a')).toBe(x.get('a'));
    expect(x.get('b')?.length).toBe(10);
    await cache.codesOf(store, 'v1', assets, ctx);
    expect(reads).toHaveLength(1);
    const moved = await cache.codesOf(store, 'v2', [{ assetKey: 'b', def }], ctx);
    expect(reads).toEqual([['a', 'b'], ['b']]);
    expect(moved.get('b')?.[0]).toBe(2);
    // A new window (the clock moved) is another version too.
    await cache.codesOf(store, 'v2', [{ assetKey: 'b', def }], { ...ctx, now: ctx.now + 86_400_000 });
    expect(reads).toHaveLength(3);
  });

  it('evicts the least recently used assets past its byte budget', async () => {
    const { store, reads } = countingStore();
    const cache = new StatusCache(25);
    await cache.codesOf(store, 'v', [{ assetKey: 'a', def }], ctx);
    await cache.codesOf(store, 'v', [{ assetKey: 'b', def }], ctx);
    await cache.codesOf(store, 'v', [{ assetKey: 'a', def }], ctx); // a is used again: b is the oldest
    await cache.codesOf(store, 'v', [{ assetKey: 'c', def }], ctx); // over 25 bytes: b goes
    await cache.codesOf(store, 'v', [{ assetKey: 'a', def }], ctx);
    expect(reads).toEqual([['a'], ['b'], ['c']]);
    await cache.codesOf(store, 'v', [{ assetKey: 'b', def }], ctx);
    expect(reads.at(-1)).toEqual(['b']);
  });
});
