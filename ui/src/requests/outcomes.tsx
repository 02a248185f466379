/** Per-partition outcomes of a request, paged: each partition it names and where it stands now. */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { ErrorBox, Loading, StatusBadge, type Status } from '../components/status';
import { fmtInt, fmtTime, partitionPath } from '../lib/format';
import { ALL_OUTCOMES_QUERY, outcomesByKeyQuery, REQUEST_KEYS_QUERY, type Outcome, type RequestRow } from './model';

export const PAGE_SIZE = 25;

const STATUS_OF: Record<string, Status> = { FRESH: 'fresh', STALE: 'stale', FAILED: 'failed', CHECK_FAILED: 'checkFailed', RUNNING: 'running', BLOCKED: 'blocked', MISSING: 'missing' };

export function Outcomes({ request, location, refresh }: { request: RequestRow; location: string | null; refresh: number }) {
  return request.allPartitions ? <AllOutcomes request={request} location={location} refresh={refresh} /> : <NamedOutcomes request={request} location={location} refresh={refresh} />;
}

function NamedOutcomes({ request, location, refresh }: { request: RequestRow; location: string | null; refresh: number }) {
  const [page, setPage] = useState(0);
  const count = request.partitionCount ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const [keysResult] = useQuery<{ request: { __typename: string; partitionKeys?: string[] | null } }>({ query: REQUEST_KEYS_QUERY, variables: { location, id: request.id, first: (page + 1) * PAGE_SIZE } });
  const keys = (keysResult.data?.request.partitionKeys ?? []).slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const variables: Record<string, string | null> = { location, asset: request.assetKey };
  keys.forEach((k, i) => (variables[`k${i}`] = k));
  const [{ data, error }, reexecute] = useQuery<{ asset: Record<string, Outcome | string> & { __typename: string; message?: string } }>({ query: outcomesByKeyQuery(keys.length), variables, pause: keys.length === 0 });
  useEffect(() => {
    if (refresh > 0) reexecute({ requestPolicy: 'network-only' });
  }, [refresh, reexecute]);
  if (keysResult.error) return <ErrorBox message={keysResult.error.message} />;
  if (error) return <ErrorBox message={error.message} />;
  if (data?.asset.__typename && data.asset.__typename !== 'Asset') return <ErrorBox message={data.asset.message ?? data.asset.__typename} />;
  const rows = data ? keys.map((_, i) => data.asset[`p${i}`] as Outcome | undefined).filter((o): o is Outcome => o !== undefined) : [];
  return (
    <OutcomeTable request={request} rows={rows} loading={!data && keys.length > 0} total={count}>
      <div className="rq-pager">
        <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          ← Previous
        </button>
        <span className="muted" data-testid="outcomes-page">
          page {page + 1} of {pages} · partitions {fmtInt(Math.min(count, page * PAGE_SIZE + 1))}–{fmtInt(Math.min(count, (page + 1) * PAGE_SIZE))} of {fmtInt(count)}
        </span>
        <button type="button" disabled={page + 1 >= pages} onClick={() => setPage((p) => p + 1)}>
          Next →
        </button>
      </div>
    </OutcomeTable>
  );
}

function AllOutcomes({ request, location, refresh }: { request: RequestRow; location: string | null; refresh: number }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error }, reexecute] = useQuery<{ asset: { __typename: string; message?: string; partitions?: { totalCount: number; endCursor: string | null; hasNextPage: boolean; nodes: Outcome[] } } }>({
    query: ALL_OUTCOMES_QUERY,
    variables: { location, asset: request.assetKey, after, first: PAGE_SIZE },
  });
  useEffect(() => {
    if (refresh > 0) reexecute({ requestPolicy: 'network-only' });
  }, [refresh, reexecute]);
  if (error) return <ErrorBox message={error.message} />;
  if (data && !data.asset.partitions) return <ErrorBox message={data.asset.message ?? data.asset.__typename} />;
  const p = data?.asset.partitions;
  const page = cursors.length - 1;
  return (
    <OutcomeTable request={request} rows={p?.nodes ?? []} loading={!data} total={p?.totalCount ?? 0}>
      <div className="rq-pager">
        <button type="button" disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ← Previous
        </button>
        <span className="muted" data-testid="outcomes-page">
          page {page + 1} of {fmtInt(Math.max(1, Math.ceil((p?.totalCount ?? 0) / PAGE_SIZE)))} · every partition of the asset
        </span>
        <button type="button" disabled={!p?.hasNextPage} onClick={() => p?.endCursor && setCursors((c) => [...c, p.endCursor])}>
          Next →
        </button>
      </div>
    </OutcomeTable>
  );
}

function OutcomeTable({ request, rows, loading, total, children }: { request: RequestRow; rows: readonly Outcome[]; loading: boolean; total: number; children: React.ReactNode }) {
  return (
    <div className="panel">
      <h2>
        Partitions of {request.assetKey} it names ({fmtInt(total)})
      </h2>
      {loading ? <Loading what="outcomes" /> : null}
      <table className="rq-table" data-testid="outcomes">
        <thead>
          <tr>
            <th>Partition</th>
            <th>Now</th>
            <th>Last materialized</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((o) => (
            <tr key={o.key} data-testid="outcome" data-partition={o.key} data-status={STATUS_OF[o.status] ?? o.status}>
              <td>
                <Link to={partitionPath(request.assetKey, o.key)}>{o.key === '' ? '(unpartitioned)' : o.key}</Link>
              </td>
              <td>{STATUS_OF[o.status] ? <StatusBadge status={STATUS_OF[o.status]!} /> : o.status}</td>
              <td className="rq-time">{fmtTime(o.current?.finishedAt)}</td>
              <td>
                {o.failure ? (
                  <span className="rq-outcome-msg" title={o.failure.message}>
                    {o.failure.message}
                  </span>
                ) : o.running ? (
                  <span className="muted">running since {fmtTime(o.running.since)}</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {children}
    </div>
  );
}
