import { PARTITION_STATUSES, type PartitionStatus } from '@weft/core';
import { type ProvenanceStore } from '@weft/store';

/** Partition counts per status of every asset. */
export interface StatusReport {
  readonly assets: ReadonlyArray<{ readonly key: string; readonly kind: 'asset' | 'source'; readonly counts: Record<PartitionStatus, number> }>;
}

/** Counts each asset's partitions by status, from the partition-state table. */
export async function statusCounts(store: ProvenanceStore, keys: readonly string[]): Promise<StatusReport> {
  const { counts: rows, sources: sourceKeys } = await store.statusCounts();
  const sources = new Set(sourceKeys);
  return {
    assets: keys.map((key) => {
      const counts = Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as Record<PartitionStatus, number>;
      for (const r of rows) if (r.assetKey === key) counts[r.status] = r.count;
      return { key, kind: sources.has(key) ? ('source' as const) : ('asset' as const), counts };
    }),
  };
}

/** One line per asset: `daily_total  3 fresh, 1 failed`. */
export function formatStatus(report: StatusReport): string {
  const width = Math.max(...report.assets.map((a) => a.key.length), 5);
  return report.assets
    .map((a) => {
      const parts = PARTITION_STATUSES.filter((s) => a.counts[s] > 0).map((s) => `${a.counts[s]} ${s.replace('_', ' ')}`);
      return `  ${a.key.padEnd(width)}  ${parts.length ? parts.join(', ') : 'no partitions yet'}`;
    })
    .join('\n');
}
