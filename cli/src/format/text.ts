/** Plain-text building blocks of the CLI's output: tables, times, short hashes. */
import { formatAge } from '@weft/core';

/**
 * Lays rows out in columns (two spaces apart); the first row is the header. Columns whose index is
 * in `right` are right-aligned (numbers).
 */
export function table(rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 && !right.has(i) ? cell : right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The first 12 characters of a hash (what a person compares by eye), or `-`. */
export function short(hash: string | null | undefined): string {
  if (!hash) return '-';
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}

/** An instant as `2024-03-01 06:00:02Z (3h ago)`. */
export function when(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const text = new Date(at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  const ago = now - at;
  return ago >= 0 ? `${text} (${formatAge(ago)} ago)` : text;
}

/** The first line of a message, cut to `max` characters. */
export function oneLine(message: string | null | undefined, max = 160): string {
  const line = (message ?? '').split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `1 partition`, `3 partitions`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** A duration in seconds as `45s`, `12m 5s`, `3h 2m`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
