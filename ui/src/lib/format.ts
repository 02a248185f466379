/** Formatting shared by the pages. */

export const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** `2024-03-01 12:00:05 UTC`: times are shown in UTC, as partitions are keyed. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A short form of a long hash or version (`abc123…`), the full value in the title. */
export const short = (s: string | null | undefined, n = 10): string => (s == null ? '—' : s.length > n + 1 ? `${s.slice(0, n)}…` : s);

export const assetPath = (key: string): string => `/assets/${encodeURIComponent(key)}`;
export const partitionPath = (key: string, partition: string): string => `${assetPath(key)}/partitions/${encodeURIComponent(partition)}`;
