/**
 * What the heatmap draws: cells (one per summary bucket, or per partition at the leaf level) with
 * their counts by status, and the queries it asks the API (the range-compressed `statusSummary`:
 * never a million partitions).
 */
import { STATUSES, type Status } from '../components/status';

export type Counts = Record<Status, number> & { total: number };

export interface Cell {
  /** What the cell is called in full (`2024-03`, a key). */
  readonly label: string;
  /** What is written in the cell (`Mar`, `05`). */
  readonly short: string;
  readonly firstKey: string;
  readonly lastKey: string;
  readonly count: number;
  readonly counts: Counts;
  /** A single partition (the leaf level): a click opens its forensics. */
  readonly partition: boolean;
}

export const COUNTS_FIELDS = 'fresh stale failed checkFailed running blocked missing total';

export const SUMMARY_QUERY = `query HeatmapSummary($key: String!, $level: SummaryLevel, $from: String, $to: String, $dimension: String) {
  asset(key: $key) {
    __typename
    ... on Asset {
      statusSummary(level: $level, from: $from, to: $to, dimension: $dimension, maxBuckets: 5000) {
        total { ${COUNTS_FIELDS} }
        dimensions { dimension buckets { label firstKey lastKey count counts { ${COUNTS_FIELDS} } } }
      }
    }
    ... on Error { message }
  }
}`;

export interface SummaryBucket {
  readonly label: string;
  readonly firstKey: string;
  readonly lastKey: string;
  readonly count: number;
  readonly counts: Counts;
}

export interface SummaryData {
  readonly asset:
    | { readonly __typename: 'Asset'; readonly statusSummary: { readonly total: Counts; readonly dimensions: ReadonlyArray<{ readonly dimension: string; readonly buckets: readonly SummaryBucket[] }> } }
    | { readonly __typename: string; readonly message: string };
}

export type Level = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR';
export const LEVELS: readonly Level[] = ['YEAR', 'MONTH', 'DAY', 'HOUR'];

/** The level of a time bucket's label (`2024` YEAR … `2024-03-01T05` HOUR), or null for a key. */
export function levelOfLabel(label: string): Level | null {
  if (/^\d{4}$/.test(label)) return 'YEAR';
  if (/^\d{4}-\d{2}$/.test(label)) return 'MONTH';
  if (/^\d{4}-\d{2}-\d{2}$/.test(label)) return 'DAY';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(label)) return 'HOUR';
  return null;
}

export const nextLevel = (level: Level): Level | null => LEVELS[LEVELS.indexOf(level) + 1] ?? null;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The short text written in a cell. */
export function shortLabel(label: string): string {
  switch (levelOfLabel(label)) {
    case 'YEAR':
      return label;
    case 'MONTH':
      return MONTHS[Number(label.slice(5, 7)) - 1] ?? label;
    case 'DAY':
      return label.slice(8, 10);
    case 'HOUR':
      return `${label.slice(11, 13)}h`;
    default:
      return label;
  }
}

export function cellsOf(buckets: readonly SummaryBucket[]): Cell[] {
  return buckets.map((b) => ({ label: b.label, short: shortLabel(b.label), firstKey: b.firstKey, lastKey: b.lastKey, count: b.count, counts: b.counts, partition: b.count === 1 && b.firstKey === b.lastKey }));
}

/** Most severe first: the colour of a cell's corner when it holds any. */
export const SEVERITY: readonly Status[] = ['failed', 'checkFailed', 'blocked', 'stale', 'running', 'missing', 'fresh'];

export function worstOf(counts: Counts): Status | null {
  return SEVERITY.find((s) => counts[s] > 0) ?? null;
}

export function dominantOf(counts: Counts): Status | null {
  let best: Status | null = null;
  for (const s of STATUSES) if (counts[s] > 0 && (best === null || counts[s] > counts[best])) best = s;
  return best;
}

export function emptyCounts(): Counts {
  return { fresh: 0, stale: 0, failed: 0, checkFailed: 0, running: 0, blocked: 0, missing: 0, total: 0 };
}

/** The API's status enum (`CHECK_FAILED`) as a counts field (`checkFailed`). */
export const statusOfEnum = (s: string): Status => s.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) as Status;

export function countsOfOne(status: Status): Counts {
  const c = emptyCounts();
  c[status] = 1;
  c.total = 1;
  return c;
}

/** The readiness marker the benchmark and the tests read. */
export interface HeatmapMarker {
  /** How many times real data was painted (first paint, then once per drill). */
  ready: number;
  level: string;
  /** The total the legend shows. */
  total: number;
  cells: number;
}

declare global {
  interface Window {
    __weftHeatmap?: HeatmapMarker;
  }
}

/** Marks a paint of real data: `performance.mark('weft-heatmap-ready')` and `window.__weftHeatmap`. */
export function markReady(level: string, total: number, cells: number): void {
  performance.mark('weft-heatmap-ready', { detail: { level, total, cells } });
  const previous = window.__weftHeatmap?.ready ?? 0;
  window.__weftHeatmap = { ready: previous + 1, level, total, cells };
}
