/** A request's progress: its partitions by status as one stacked bar, and settled / total. */
import { STATUS_COLOURS, STATUS_LABELS } from '../components/status';
import type { Counts } from '../graph/model';
import { SEVERITY } from '../graph/model';
import { fmtInt } from '../lib/format';
import { settled } from './model';

/** The bar's order: what is done on the left, what is left on the right. */
const ORDER = ['fresh', 'failed', 'checkFailed', 'blocked', 'running', 'stale', 'missing'] as const;

export function ProgressBar({ progress, wide = false }: { progress: Counts | null; wide?: boolean }) {
  if (!progress || progress.total === 0) return <span className="muted">not counted yet</span>;
  const done = settled(progress);
  return (
    <div className={`rq-progress${wide ? ' wide' : ''}`} data-testid="progress" data-done={done} data-total={progress.total}>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={done} title={SEVERITY.filter((s) => progress[s] > 0).map((s) => `${fmtInt(progress[s])} ${STATUS_LABELS[s]}`).join(', ')}>
        {ORDER.filter((s) => progress[s] > 0).map((s) => (
          <span key={s} data-status={s} style={{ width: `${(100 * progress[s]) / progress.total}%`, background: STATUS_COLOURS[s] }} />
        ))}
      </div>
      <span className="rq-done" data-testid="progress-text">
        {fmtInt(done)}/{fmtInt(progress.total)}
      </span>
    </div>
  );
}

export function ProgressLegend({ progress }: { progress: Counts }) {
  return (
    <div className="rq-legend" data-testid="progress-legend">
      {ORDER.map((s) => (
        <span key={s} data-status={s} className={progress[s] ? '' : 'zero'}>
          <i style={{ background: STATUS_COLOURS[s] }} />
          {STATUS_LABELS[s]} <strong>{fmtInt(progress[s])}</strong>
        </span>
      ))}
    </div>
  );
}

export function RequestStatusBadge({ status }: { status: 'OPEN' | 'DONE' | 'CANCELLED' }) {
  return (
    <span className={`rq-status rq-${status.toLowerCase()}`} data-testid="request-status">
      {status.toLowerCase()}
    </span>
  );
}
