import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../src/runtime/concurrent.js';
import { RecentValues } from '../src/runtime/recent-values.js';

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

describe('mapConcurrent (the partitions of a batch, a few at once)', () => {
  it.each([
    { items: 0, limit: 4, most: 0 },
    { items: 1, limit: 4, most: 1 },
    { items: 10, limit: 1, most: 1 },
    { items: 10, limit: 3, most: 3 },
    { items: 5, limit: 16, most: 5 },
  ])('$items items with limit $limit: results in order, at most $most in flight, started in order', async ({ items, limit, most }) => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const out = await mapConcurrent(Array.from({ length: items }, (_, i) => i), limit, async (item, index) => {
      started.push(index);
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Later items finish first: the results must still come back in the items' order.
      await sleep(2 * (items - item));
      inFlight--;
      return item * 10;
    });
    expect(out).toEqual(Array.from({ length: items }, (_, i) => i * 10));
    expect(peak).toBe(most);
    expect(started).toEqual([...started].sort((a, b) => a - b));
  });

  it('rejects with the first error once the calls in flight end, and starts nothing after it', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const call = mapConcurrent([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item);
      if (item === 1) throw new Error('item 1 failed');
      await sleep(20);
      finished.push(item);
      return item;
    });
    await expect(call).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });
});

describe('RecentValues (values the worker stored last)', () => {
  it('gives back what was stored, as a copy neither side can change', () => {
    const cache = new RecentValues(1024, 256);
    const stored = bytes(8, 7);
    cache.set('file:///a', stored);
    stored.fill(0);
    const first = cache.get('file:///a');
    expect(first).toEqual(bytes(8, 7));
    first?.fill(9);
    expect(cache.get('file:///a')).toEqual(bytes(8, 7));
    expect(cache.get('file:///b')).toBeUndefined();
  });

  it('keeps within its budget, dropping the least recently used first, and never keeps a large value', () => {
    const cache = new RecentValues(300, 150);
    cache.set('a', bytes(100));
    cache.set('b', bytes(100));
    cache.get('a'); // a is now newer than b
    cache.set('c', bytes(100));
    expect(cache.size).toEqual({ values: 3, bytes: 300 });
    cache.set('d', bytes(100));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.size).toEqual({ values: 3, bytes: 300 });
    cache.set('huge', bytes(151));
    expect(cache.get('huge')).toBeUndefined();
    // The same URI stored again is counted once.
    cache.set('a', bytes(100, 2));
    expect(cache.size).toEqual({ values: 3, bytes: 300 });
    expect(cache.get('a')).toEqual(bytes(100, 2));
  });
});
