/**
 * Requests and backfills (`/requests`, `/requests/:id`): what operators asked for, newest first,
 * with progress bars; a request's page follows its progress live through the `request`
 * subscription, lists the outcome of each partition it names (paged) and can cancel it.
 */
import { useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useLiveTick } from '../api/live';
import { useSession } from '../api/session';
import { ErrorBox, Loading } from '../components/status';
import { assetPath, fmtDuration, fmtInt, fmtTime } from '../lib/format';
import { CANCEL_MUTATION, REQUEST_QUERY, REQUEST_SUBSCRIPTION, REQUESTS_QUERY, type CancelResult, type RequestRow } from '../requests/model';
import { Outcomes } from '../requests/outcomes';
import { ProgressBar, ProgressLegend, RequestStatusBadge } from '../requests/progress';
import '../requests/requests.css';

const LIST_SIZE = 50;
const requestPath = (id: string) => `/requests/${encodeURIComponent(id)}`;

export function RequestsPage() {
  const [params, setParams] = useSearchParams();
  const location = params.get('location');
  const status = (['OPEN', 'DONE', 'CANCELLED'] as const).find((s) => s === params.get('status')) ?? null;
  const [before, setBefore] = useState<string[]>([]);
  const [{ data, error, fetching }, reexecute] = useQuery<{ requests: RequestRow[] }>({ query: REQUESTS_QUERY, variables: { location, status, before: before[before.length - 1] ?? null, first: LIST_SIZE } });
  const tick = useLiveTick();
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);
  const rows = data?.requests ?? [];
  return (
    <div className="page" data-testid="requests">
      <h1>Requests and backfills</h1>
      <div className="rq-filters">
        <label>
          Status
          <select
            aria-label="Status"
            value={status ?? ''}
            onChange={(e) => {
              setBefore([]);
              setParams(
                (p) => {
                  const n = new URLSearchParams(p);
                  if (e.target.value) n.set('status', e.target.value);
                  else n.delete('status');
                  return n;
                },
                { replace: true },
              );
            }}
          >
            <option value="">any</option>
            <option value="OPEN">open</option>
            <option value="DONE">done</option>
            <option value="CANCELLED">cancelled</option>
          </select>
        </label>
        <span className="muted">{fetching && data ? 'refreshing…' : ''}</span>
      </div>
      {error ? <ErrorBox message={error.message} /> : null}
      {!data && !error ? <Loading what="requests" /> : null}
      {data ? (
        <div className="panel">
          {rows.length === 0 ? (
            <p className="muted" data-testid="no-requests">
              No requests{status ? ` ${status.toLowerCase()}` : ''}.
            </p>
          ) : (
            <table className="rq-table">
              <thead>
                <tr>
                  <th>Request</th>
                  <th>Action</th>
                  <th>Asset</th>
                  <th>Partitions</th>
                  <th>Who</th>
                  <th>When</th>
                  <th>Status</th>
                  <th>Progress</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-testid="request-row" data-id={r.id}>
                    <td className="mono">
                      <Link to={requestPath(r.id)}>#{r.id}</Link>
                    </td>
                    <td>{r.action.toLowerCase()}</td>
                    <td>
                      <Link to={assetPath(r.assetKey)}>{r.assetKey}</Link>
                    </td>
                    <td>{r.allPartitions ? 'all' : fmtInt(r.partitionCount ?? 0)}</td>
                    <td>{r.requestedBy ?? '—'}</td>
                    <td className="rq-time">{fmtTime(r.createdAt)}</td>
                    <td>
                      <RequestStatusBadge status={r.status} />
                    </td>
                    <td>
                      <ProgressBar progress={r.progress} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="rq-pager">
            <button type="button" disabled={before.length === 0} onClick={() => setBefore((b) => b.slice(0, -1))}>
              ← Newer
            </button>
            <button type="button" disabled={rows.length < LIST_SIZE} onClick={() => setBefore((b) => [...b, rows[rows.length - 1]!.id])}>
              Older →
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function RequestPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const location = params.get('location');
  const { can } = useSession();
  const [{ data, error }, reexecute] = useQuery<{ request: ({ __typename: 'Request' } & RequestRow) | { __typename: string; message: string } }>({ query: REQUEST_QUERY, variables: { location, id } });
  const loaded = data?.request.__typename === 'Request' ? (data.request as RequestRow) : null;
  // Live progress: the subscription sends the request each time its progress changes, until it is settled.
  const [live] = useSubscription<{ request: RequestRow }>({ query: REQUEST_SUBSCRIPTION, variables: { location, id }, pause: !loaded || loaded.done });
  const [cancelled, cancel] = useMutation<{ cancelRequest: CancelResult }>(CANCEL_MUTATION);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const liveRequest = live.data?.request;
  const cancelledRequest = cancelled.data?.cancelRequest.__typename === 'Request' ? (cancelled.data.cancelRequest as RequestRow) : null;
  // The freshest of what the query, the subscription and the cancel answered.
  const request = [loaded, liveRequest, cancelledRequest].filter((r): r is RequestRow => !!r && r.id === id).reduce<RequestRow | null>((best, r) => (!best || (r.done && !best.done) || (r.done === best.done && settledOf(r) >= settledOf(best)) ? r : best), null);
  // Outcomes follow the live progress (and the events of its asset, for what the counts do not show).
  const tick = useLiveTick((e) => e.assetKey === request?.assetKey || e.kind.startsWith('request.'));
  const refresh = tick + (liveRequest ? settledOf(liveRequest) + 1 : 0) + (cancelledRequest ? 1 : 0);
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);

  if (error) return <ErrorBox message={error.message} />;
  if (!data) return <Loading what={`request ${id}`} />;
  if (data.request.__typename !== 'Request' || !request)
    return (
      <div className="page">
        <ErrorBox message={'message' in data.request ? data.request.message : data.request.__typename} />
      </div>
    );
  const mayCancel = request.status === 'OPEN' && request.asset !== null && can('operator', request.asset.group);
  const onCancel = async () => {
    setNote(null);
    const r = await cancel({ location, id });
    const res = r.data?.cancelRequest;
    if (r.error || !res) setNote({ ok: false, text: r.error?.message ?? 'no answer' });
    else if (res.__typename === 'Request') setNote({ ok: true, text: 'Cancelled: nothing more is started for it (what runs finishes).' });
    else setNote({ ok: false, text: `${res.__typename}: ${'message' in res ? res.message : ''}` });
    reexecute({ requestPolicy: 'network-only' });
  };
  const elapsed = request.finishedAt ? Date.parse(request.finishedAt) - Date.parse(request.createdAt) : null;
  return (
    <div className="page" data-testid="request" data-status={request.status}>
      <div className="rq-head">
        <Link to="/requests">← Requests</Link>
        <h1>
          {request.action.toLowerCase()} {request.assetKey} <span className="muted mono">#{request.id}</span>
        </h1>
        <RequestStatusBadge status={request.status} />
        {live.data && !request.done ? (
          <span className="muted" data-testid="request-live">
            ● following live
          </span>
        ) : null}
        <span className="spacer" />
        {mayCancel ? (
          <button type="button" className="danger" disabled={cancelled.fetching} onClick={() => void onCancel()}>
            {cancelled.fetching ? 'Cancelling…' : 'Cancel request'}
          </button>
        ) : null}
      </div>
      {note ? (
        <div className={`rq-note ${note.ok ? 'ok' : 'bad'}`} role={note.ok ? 'status' : 'alert'} data-testid="cancel-result">
          {note.text}
        </div>
      ) : null}
      <div className="panel">
        <dl className="rq-facts">
          <div>
            <dt>Asset</dt>
            <dd>
              <Link to={assetPath(request.assetKey)}>{request.assetKey}</Link> <span className="muted">({request.asset?.group ?? '?'})</span>
            </dd>
          </div>
          <div>
            <dt>Requested by</dt>
            <dd>{request.requestedBy ?? '—'}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{fmtTime(request.createdAt)}</dd>
          </div>
          <div>
            <dt>Finished</dt>
            <dd>
              {fmtTime(request.finishedAt)}
              {elapsed !== null ? <span className="muted"> (after {fmtDuration(elapsed)})</span> : null}
            </dd>
          </div>
          <div>
            <dt>Partitions named</dt>
            <dd>{request.allPartitions ? 'every partition' : fmtInt(request.partitionCount ?? 0)}</dd>
          </div>
          <div>
            <dt>Covers (with what they need)</dt>
            <dd>{request.total === null ? '—' : fmtInt(request.total)}</dd>
          </div>
          <div>
            <dt>Priority</dt>
            <dd>{request.priority}</dd>
          </div>
          <div>
            <dt>Done</dt>
            <dd data-testid="fraction-done">{request.fractionDone === null ? '—' : `${Math.round(request.fractionDone * 100)} %`}</dd>
          </div>
        </dl>
        <ProgressBar progress={request.progress} wide />
        {request.progress ? <ProgressLegend progress={request.progress} /> : null}
      </div>
      <Outcomes request={request} location={location} refresh={refresh} />
    </div>
  );
}

function settledOf(r: RequestRow): number {
  return r.progress ? r.progress.total - r.progress.running - r.progress.stale - r.progress.missing : -1;
}
