/** Small shared pieces: loading and error states, and the colour of each partition status. */
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function ErrorBox({ message, children }: { message: string; children?: ReactNode }) {
  return (
    <div className="error-box" role="alert">
      <strong>Error:</strong> {message}
      {children}
    </div>
  );
}

/** Partition statuses as the API names them (statusCounts fields), in display order. */
export const STATUSES = ['fresh', 'stale', 'failed', 'checkFailed', 'running', 'blocked', 'missing'] as const;
export type Status = (typeof STATUSES)[number];

/** One colour per status, shared by the graph, the heatmap and every badge. */
export const STATUS_COLOURS: Record<Status, string> = {
  fresh: '#2e9e5b',
  stale: '#e0a526',
  failed: '#d64545',
  checkFailed: '#b83280',
  running: '#3b82f6',
  blocked: '#7c6f9b',
  missing: '#c9ced6',
};

export const STATUS_LABELS: Record<Status, string> = { fresh: 'fresh', stale: 'stale', failed: 'failed', checkFailed: 'check failed', running: 'running', blocked: 'blocked', missing: 'missing' };

export function StatusBadge({ status, count }: { status: Status; count?: number }) {
  return (
    <span className={`badge badge-${status}`} style={{ background: STATUS_COLOURS[status] }} data-status={status}>
      {STATUS_LABELS[status]}
      {count !== undefined ? ` ${count.toLocaleString('en-US')}` : ''}
    </span>
  );
}
