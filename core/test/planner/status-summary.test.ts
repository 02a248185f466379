import { describe, expect, it } from 'vitest';
import { describeReason, type Reason, daily, hourly, multiPartitions, PARTITION_STATUSES, staticPartitions, statusRuns, summarizeStatuses, totalCounts, unpartitioned, type PartitionStatus } from '../../src/index.js';

const code = (s: PartitionStatus): number => PARTITION_STATUSES.indexOf(s);
const ctxAt = (iso: string) => ({ now: Date.parse(iso), dynamicKeys: () => [] });

describe('status summaries', () => {
  it('runs compress consecutive statuses and stop at a limit', () => {
    const codes = Uint8Array.from([0, 0, 1, 1, 1, 0, 4]);
    expect(statusRuns(codes)).toEqual([
      { fromIndex: 0, toIndex: 2, status: 'fresh' },
      { fromIndex: 2, toIndex: 5, status: 'missing' },
      { fromIndex: 5, toIndex: 6, status: 'fresh' },
      { fromIndex: 6, toIndex: 7, status: 'failed' },
    ]);
    expect(statusRuns(codes, 0, 7, 2)).toHaveLength(2);
    expect(totalCounts(codes)).toMatchObject({ fresh: 3, missing: 3, failed: 1, stale: 0 });
  });

  it('buckets hourly partitions by year, month, day and hour in the definition’s zone', () => {
    const def = hourly({ start: '2023-12-31T00:00', timezone: 'Europe/Paris' });
    const ctx = ctxAt('2024-02-02T00:00:00Z');
    const n = def.count(ctx);
    const codes = new Uint8Array(n).fill(code('fresh'));
    codes[n - 1] = code('failed');
    const [years] = summarizeStatuses(def, ctx, codes);
    expect(years?.buckets.map((b) => [b.label, b.count])).toEqual([
      ['2023', 24],
      ['2024', n - 24],
    ]);
    expect(years?.buckets[1]?.counts).toMatchObject({ fresh: n - 25, failed: 1 });
    const [months] = summarizeStatuses(def, ctx, codes, { level: 'month' });
    expect(months?.buckets.map((b) => b.label)).toEqual(['2023-12', '2024-01', '2024-02']);
    expect(months?.buckets[1]?.count).toBe(31 * 24);
    // Drill down: the days of January 2024 are the indices of its month bucket.
    const jan = months?.buckets[1];
    const [days] = summarizeStatuses(def, ctx, codes, { level: 'day', from: jan?.fromIndex, to: jan?.toIndex });
    expect(days?.buckets).toHaveLength(31);
    expect(days?.buckets[0]).toMatchObject({ label: '2024-01-01', firstKey: def.keyAt(jan!.fromIndex, ctx), count: 24 });
    // A level finer than the partitions stops at them; a range of one day splits into hours by default.
    const [hours] = summarizeStatuses(def, ctx, codes, { from: jan!.fromIndex, to: jan!.fromIndex + 24 });
    expect(hours?.buckets).toHaveLength(24);
    expect(hours?.buckets[5]?.label).toBe('2024-01-01T05');
  });

  it('refuses more buckets than asked for, with a way out', () => {
    const def = hourly({ start: '2024-01-01T00:00' });
    const ctx = ctxAt('2024-03-01T00:00:00Z');
    const codes = new Uint8Array(def.count(ctx));
    expect(() => summarizeStatuses(def, ctx, codes, { level: 'hour', maxBuckets: 100 })).toThrow(/coarser level or a narrower range/);
  });

  it('counts each dimension of a multi-dimensional asset over the others', () => {
    const def = multiPartitions({ region: staticPartitions(['eu', 'us']), day: daily({ start: '2024-01-30' }) });
    const ctx = ctxAt('2024-02-03T00:00:00Z');
    const n = def.count(ctx);
    expect(n).toBe(8);
    const codes = new Uint8Array(n).fill(code('fresh'));
    const failed = def.indexOf(def.joinKey({ region: 'us', day: '2024-02-01' }), ctx)!;
    codes[failed] = code('failed');
    const summary = summarizeStatuses(def, ctx, codes, { level: 'day' });
    const byName = Object.fromEntries(summary.map((d) => [d.dimension, d.buckets]));
    expect(byName['region']?.map((b) => [b.label, b.count, b.counts.failed])).toEqual([
      ['eu', 4, 0],
      ['us', 4, 1],
    ]);
    expect(byName['day']?.map((b) => [b.label, b.counts.failed])).toEqual([
      ['2024-01-30', 0],
      ['2024-01-31', 0],
      ['2024-02-01', 1],
      ['2024-02-02', 0],
    ]);
  });

  it('handles unpartitioned and static assets', () => {
    expect(summarizeStatuses(unpartitioned(), ctxAt('2024-01-01T00:00:00Z'), Uint8Array.from([code('stale')]))[0]?.buckets[0]?.counts.stale).toBe(1);
    const s = staticPartitions(['a', 'b', 'c']);
    expect(summarizeStatuses(s, ctxAt('2024-01-01T00:00:00Z'), Uint8Array.from([0, 1, 1]))[0]?.buckets.map((b) => b.label)).toEqual(['a', 'b', 'c']);
  });

  it('buckets a million hourly partitions into years that add up to the asset', () => {
    const def = hourly({ start: '1910-01-01T00:00' });
    const ctx = ctxAt('2024-01-31T00:00:00Z');
    const codes = new Uint8Array(def.count(ctx));
    expect(codes.length).toBeGreaterThan(1_000_000);
    const [years] = summarizeStatuses(def, ctx, codes);
    expect(years?.buckets.length).toBe(115);
    expect(years?.buckets.reduce((a, b) => a + b.count, 0)).toBe(codes.length);
  });
});

describe('reasons in words', () => {
  it.each([
    [{ kind: 'never_materialized' }, 'missing: never materialized'],
    [{ kind: 'upstream_changed', assetKey: 'raw', input: 'orders', partitions: ['2024-03-01', '2024-03-02', '2024-03-03'], more: 0 }, 'stale: upstream raw 3 partitions (2024-03-01, 2024-03-02, 2024-03-03) changed (input orders)'],
    [{ kind: 'upstream_failed', assetKey: 'raw', input: 'orders', partitions: ['2024-03-01'], more: 0 }, 'blocked: upstream raw partition 2024-03-01 failed (input orders)'],
    [{ kind: 'failed', fingerprint: 'abc', failureClass: 'actionable', message: 'KeyError: x\n  at …', retryAt: null }, 'failed: actionable failure, fingerprint abc: KeyError: x'],
  ] as const)('%j', (reason, text) => {
    expect(describeReason(reason as Reason)).toBe(text);
  });
});
