/** One failure group of the triage table: its row, and when expanded its partitions and the latest attempt. */
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { useSession } from '../api/session';
import { StackTrace } from '../components/stack-trace';
import { ErrorBox, Loading } from '../components/status';
import { assetPath, fmtInt, fmtTime, partitionPath } from '../lib/format';
import { LATEST_FAILURE_QUERY, RETRY_MUTATION, type FailureGroup, type LatestFailure, type RetryResult } from './queries';

const RESULT_TITLES: Record<string, string> = { Forbidden: 'Not allowed', NotFound: 'Not found', InvalidInput: 'Invalid input', InvalidPartition: 'Invalid partition', Unavailable: 'Unavailable' };

export function FailureRow({ group, location, open, onToggle }: { group: FailureGroup; location: string | null; open: boolean; onToggle(): void }) {
  const { can } = useSession();
  const [retried, retry] = useMutation<{ retry: RetryResult }>(RETRY_MUTATION);
  const [result, setResult] = useState<RetryResult | { __typename: 'error'; message: string } | null>(null);
  const mayRetry = group.asset !== null && can('operator', group.asset.group);
  const onRetry = async () => {
    setResult(null);
    const r = await retry({ location, asset: group.assetKey, fingerprint: group.fingerprint });
    setResult(r.error ? { __typename: 'error', message: r.error.message } : (r.data?.retry ?? { __typename: 'error', message: 'no answer' }));
  };
  return (
    <>
      <tr className={`fg-row${open ? ' open' : ''}`} data-testid="failure-group" data-fingerprint={group.fingerprint} data-asset={group.assetKey}>
        <td>
          <button type="button" className="link fg-toggle" aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${group.assetKey} ${group.fingerprint}`} onClick={onToggle}>
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td>
          <Link to={assetPath(group.assetKey)}>{group.assetKey}</Link>
          <div className="muted fg-small">{group.asset?.group ?? ''}</div>
        </td>
        <td>
          <span className={`fg-class fg-${group.failureClass.toLowerCase()}`}>{group.failureClass.toLowerCase()}</span>
        </td>
        <td className="mono" title={group.fingerprint} data-testid="fingerprint">
          {group.fingerprint}
        </td>
        <td className="num" data-testid="occurrences">
          {fmtInt(group.occurrences)}
        </td>
        <td className="num" data-testid="partition-count">
          {fmtInt(group.partitionCount)}
        </td>
        <td className="fg-time">{fmtTime(group.firstSeen)}</td>
        <td className="fg-time">{fmtTime(group.lastSeen)}</td>
        <td className="fg-message" title={group.sampleMessage}>
          {group.sampleMessage}
        </td>
        <td className="fg-actions">
          {mayRetry && group.partitionCount > 0 ? (
            <button type="button" className="primary" disabled={retried.fetching} onClick={() => void onRetry()}>
              {retried.fetching ? 'Retrying…' : 'Retry group'}
            </button>
          ) : null}
        </td>
      </tr>
      {result ? (
        <tr className="fg-result-row">
          <td />
          <td colSpan={9}>
            <RetryOutcome result={result} />
          </td>
        </tr>
      ) : null}
      {open ? (
        <tr className="fg-detail-row">
          <td />
          <td colSpan={9}>
            <FailureDetail group={group} location={location} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function RetryOutcome({ result }: { result: RetryResult | { __typename: 'error'; message: string } }) {
  if (result.__typename === 'RequestsSubmitted') {
    const keys = result.requests.flatMap((r) => r.partitionKeys ?? []);
    return (
      <div className="fg-outcome ok" role="status" data-testid="retry-result">
        Retry submitted{result.woken ? '' : ' (the loop picks it up at its next tick)'}:{' '}
        {result.requests.map((r) => (
          <Link key={r.id} to={`/requests/${encodeURIComponent(r.id)}`}>
            request {r.id}
          </Link>
        ))}{' '}
        for {fmtInt(keys.length)} {keys.length === 1 ? 'partition' : 'partitions'} ({keys.slice(0, 5).join(', ')}
        {keys.length > 5 ? ', …' : ''}).
      </div>
    );
  }
  return (
    <div className="fg-outcome bad" role="alert" data-testid="retry-result" data-kind={result.__typename}>
      <strong>{RESULT_TITLES[result.__typename] ?? 'Error'}:</strong> {result.message}
    </div>
  );
}

function FailureDetail({ group, location }: { group: FailureGroup; location: string | null }) {
  const latest = group.partitions[group.partitions.length - 1] ?? null;
  const [shown, setShown] = useState(latest);
  return (
    <div className="fg-detail">
      <div className="fg-partitions">
        <h3>
          Failed by it now: {fmtInt(group.partitionCount)} {group.partitionCount === 1 ? 'partition' : 'partitions'}
        </h3>
        {group.partitions.length === 0 ? <p className="muted">None: every partition it failed has succeeded since.</p> : null}
        <ul data-testid="failure-partitions">
          {group.partitions.map((p) => (
            <li key={p} className={p === shown ? 'sel' : ''}>
              <Link to={partitionPath(group.assetKey, p)}>{p === '' ? '(unpartitioned)' : p}</Link>
              <button type="button" className="link fg-small" onClick={() => setShown(p)} aria-label={`Show the latest attempt of ${p}`}>
                attempt
              </button>
            </li>
          ))}
          {group.partitionCount > group.partitions.length ? <li className="muted">and {fmtInt(group.partitionCount - group.partitions.length)} more</li> : null}
        </ul>
      </div>
      <div className="fg-trace">
        {shown !== null ? (
          <LatestAttempt assetKey={group.assetKey} partitionKey={shown} location={location} fallback={group.sampleMessage} fallbackStack={group.lastStack} />
        ) : (
          <>
            <h3>Message</h3>
            <pre className="fg-pre">{group.sampleMessage}</pre>
            <StackTrace stack={group.lastStack} title="Stack trace of its latest failure" />
          </>
        )}
      </div>
    </div>
  );
}

function LatestAttempt({ assetKey, partitionKey, location, fallback, fallbackStack }: { assetKey: string; partitionKey: string; location: string | null; fallback: string; fallbackStack: string | null }) {
  const [{ data, error }] = useQuery<LatestFailure>({ query: LATEST_FAILURE_QUERY, variables: { location, asset: assetKey, partition: partitionKey }, requestPolicy: 'network-only' });
  if (error) return <ErrorBox message={error.message} />;
  if (!data) return <Loading what="the latest attempt" />;
  const p = data.partition;
  if (!('attempts' in p)) return <ErrorBox message={('message' in p ? p.message : undefined) ?? p.__typename} />;
  const failed = p.attempts.find((a) => a.status === 'failed');
  return (
    <>
      <h3>
        Latest attempt of {partitionKey === '' ? 'the partition' : partitionKey}
        {failed ? ` (attempt ${failed.attempt})` : ''} · now {p.status.toLowerCase()}
      </h3>
      <pre className="fg-pre" data-testid="failure-trace">
        {p.failure?.message ?? failed?.message ?? fallback}
      </pre>
      <StackTrace stack={failed ? failed.stack : fallbackStack} title="Stack trace" />
      {p.failure?.retryAt ? <p className="muted">Retried automatically at {fmtTime(p.failure.retryAt)}.</p> : null}
      {p.failureLogs.length > 0 ? (
        <>
          <h3>What it logged</h3>
          <pre className="fg-pre fg-log" data-testid="failure-log">
            {p.failureLogs.map((l) => `${l.at.slice(11, 23)} ${l.level.padEnd(5)} ${l.message}`).join('\n')}
          </pre>
        </>
      ) : null}
    </>
  );
}
