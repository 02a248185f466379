/**
 * Failure triage (`/failures`): failures grouped by fingerprint (one problem each), most recent
 * first, with counts, first and last seen, the partitions failing with it now and the latest
 * attempt's message and log; "Retry group" for operators of the asset's group. Live.
 */
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { useLiveTick } from '../api/live';
import { ErrorBox, Loading } from '../components/status';
import '../failures/failures.css';
import { FailureRow } from '../failures/group';
import { FAILURES_QUERY, type FailureGroup } from '../failures/queries';
import { fmtInt } from '../lib/format';

export function FailuresPage() {
  const [params, setParams] = useSearchParams();
  const location = params.get('location');
  const all = params.get('all') === '1';
  const assetFilter = params.get('asset') ?? '';
  const [{ data, error, fetching }, reexecute] = useQuery<{ failures: FailureGroup[] }>({ query: FAILURES_QUERY, variables: { location, onlyCurrent: !all } });
  const tick = useLiveTick((e) => e.kind.startsWith('materialization.') || e.kind.startsWith('request.') || e.kind.startsWith('check.'));
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());

  const groups = (data?.failures ?? []).filter((g) => !assetFilter || g.assetKey.toLowerCase().includes(assetFilter.toLowerCase()));
  const failing = groups.reduce((n, g) => n + g.partitionCount, 0);
  const id = (g: FailureGroup) => `${g.assetKey}\u0000${g.fingerprint}`;
  const set = (k: string, v: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v) n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  return (
    <div className="page" data-testid="failures">
      <h1>Failures</h1>
      <div className="fg-filters">
        <label>
          Asset
          <input type="search" aria-label="Filter by asset" placeholder="asset key" value={assetFilter} onChange={(e) => set('asset', e.target.value || null)} />
        </label>
        <label>
          <input type="checkbox" checked={all} onChange={(e) => set('all', e.target.checked ? '1' : null)} />
          include groups no partition fails with any more
        </label>
        <span className="muted" data-testid="failures-summary">
          {data ? `${fmtInt(groups.length)} ${groups.length === 1 ? 'group' : 'groups'}, ${fmtInt(failing)} ${failing === 1 ? 'partition' : 'partitions'} failing` : ''}
          {fetching && data ? ' · refreshing' : ''}
        </span>
      </div>
      {error ? <ErrorBox message={error.message} /> : null}
      {!data && !error ? <Loading what="failures" /> : null}
      {data ? (
        <div className="panel">
          {groups.length === 0 ? (
            <p className="muted" data-testid="no-failures">
              No failures{all ? '' : ' now'}.
            </p>
          ) : (
            <table className="fg-table">
              <thead>
                <tr>
                  <th />
                  <th>Asset</th>
                  <th>Class</th>
                  <th>Fingerprint</th>
                  <th className="num">Attempts</th>
                  <th className="num">Failing now</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                  <th>Message</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <FailureRow
                    key={id(g)}
                    group={g}
                    location={location}
                    open={open.has(id(g))}
                    onToggle={() =>
                      setOpen((o) => {
                        const n = new Set(o);
                        if (n.has(id(g))) n.delete(id(g));
                        else n.add(id(g));
                        return n;
                      })
                    }
                  />
                ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
    </div>
  );
}
