/**
 * Partition forensics (`/assets/:key/partitions/:partition?`; no segment: the unpartitioned
 * asset's one partition): where it stands and why (reasons in words, with their machine-readable
 * kinds), the provenance tree upstream, its materialization history with a diff between any two,
 * and the shown materialization's stored value, checks and logs (a failed attempt's logs too).
 */
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { useLiveTick } from '../api/live';
import { StackTrace } from '../components/stack-trace';
import { ErrorBox, Loading, StatusBadge } from '../components/status';
import { DetailPanel, DiffPanel, HISTORY_FIELDS, HistoryTable, LogsList, type HistoryEntry } from '../forensics/history';
import { ProvenanceTree } from '../forensics/provenance';
import { statusOfEnum } from '../heatmap/model';
import { assetPath, fmtTime, short } from '../lib/format';
import '../forensics/forensics.css';

const PARTITION_QUERY = `query Forensics($asset: String!, $partition: String!) {
  partition(assetKey: $asset, partitionKey: $partition) {
    __typename
    ... on Partition {
      id key status dataVersion codeVersion token updatedSeq changedSeq verifiedSeq
      asset { key group kind partitionsDefinition { kind } }
      reasons { kind description assetKey input partitions more check message fromCodeVersion toCodeVersion }
      failure { message fingerprint failureClass retryAt token }
      checkFailure { check message }
      running { since batchId token }
      attempts { attempt status message failureClass fingerprint token stack }
      current { id }
      materializations(first: 50) { ${HISTORY_FIELDS} }
      failureLogs(first: 200) { at level message attempt line fields }
    }
    ... on Error { message }
  }
}`;

interface PartitionData {
  readonly partition:
    | {
        readonly __typename: 'Partition';
        readonly key: string;
        readonly status: string;
        readonly dataVersion: string | null;
        readonly codeVersion: string | null;
        readonly token: string | null;
        readonly asset: { readonly key: string; readonly group: string; readonly kind: string; readonly partitionsDefinition: { readonly kind: string } };
        readonly reasons: ReadonlyArray<{ readonly kind: string; readonly description: string; readonly assetKey: string | null; readonly input: string | null; readonly partitions: readonly string[] | null; readonly more: number | null }>;
        readonly failure: { readonly message: string; readonly fingerprint: string; readonly failureClass: string; readonly retryAt: string | null; readonly token: string } | null;
        readonly checkFailure: { readonly check: string; readonly message: string } | null;
        readonly running: { readonly since: string | null; readonly batchId: string | null; readonly token: string } | null;
        readonly attempts: ReadonlyArray<{ readonly attempt: number; readonly status: string; readonly message: string | null; readonly failureClass: string | null; readonly fingerprint: string | null; readonly token: string; readonly stack: string | null }>;
        readonly current: { readonly id: string } | null;
        readonly materializations: readonly HistoryEntry[];
        readonly failureLogs: ReadonlyArray<{ readonly at: string; readonly level: string; readonly message: string; readonly attempt: number; readonly line: number; readonly fields: unknown }>;
      }
    | { readonly __typename: string; readonly message: string };
}

export function PartitionPage() {
  const { key = '', partition = '' } = useParams();
  return <Forensics key={`${key}\u0000${partition}`} assetKey={key} partitionKey={partition} />;
}

function Forensics({ assetKey, partitionKey }: { assetKey: string; partitionKey: string }) {
  const [{ data, error }, reexecute] = useQuery<PartitionData>({ query: PARTITION_QUERY, variables: { asset: assetKey, partition: partitionKey }, requestPolicy: 'network-only' });
  const tick = useLiveTick((e) => e.assetKey === assetKey && (e.partitionKeys.length === 0 || e.partitionKeys.includes(partitionKey)));
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);
  const [depth, setDepth] = useState(3);
  const [chosenTo, setTo] = useState<string | null>(null);
  const [chosenFrom, setFrom] = useState<string | null>(null);

  if (error && !data) return <div className="page"><ErrorBox message={error.message} /></div>;
  if (!data) return <div className="page"><Loading what={`partition ${partitionKey || '(unpartitioned)'} of ${assetKey}`} /></div>;
  const p = data.partition;
  if (p.__typename !== 'Partition' || !('status' in p)) {
    return (
      <div className="page">
        <h1>
          <Link to={assetPath(assetKey)}>{assetKey}</Link> › {partitionKey || '(unpartitioned)'}
        </h1>
        <ErrorBox message={'message' in p ? p.message : p.__typename} />
      </div>
    );
  }
  const history = p.materializations;
  const toId = chosenTo ?? p.current?.id ?? history[0]?.id ?? null;
  const toIndex = history.findIndex((m) => m.id === toId);
  const fromId = chosenFrom && chosenFrom !== toId ? chosenFrom : (history[toIndex + 1]?.id ?? null);
  const status = statusOfEnum(p.status);
  return (
    <div className="page forensics" data-testid="forensics" data-asset={assetKey} data-partition={partitionKey}>
      <h1>
        <Link to={assetPath(assetKey)}>{assetKey}</Link> <span className="muted">›</span> <span data-testid="partition-key">{partitionKey || '(unpartitioned)'}</span>
      </h1>
      <section className="panel" data-testid="state" data-status={p.status}>
        <div className="state-head">
          <StatusBadge status={status} />
          <span>
            data version <code data-testid="data-version" title={p.dataVersion ?? ''}>{short(p.dataVersion, 16)}</code>
          </span>
          <span>
            code version <code title={p.codeVersion ?? ''}>{short(p.codeVersion, 16)}</code>
          </span>
          <span className="muted">
            group {p.asset.group} · {p.asset.kind.toLowerCase()}
          </span>
        </div>
        {p.reasons.length > 0 ? (
          <>
            <h3>Why it is {status === 'missing' ? 'missing' : `not fresh`}</h3>
            <ul className="reasons" data-testid="reasons">
              {p.reasons.map((r, i) => (
                <li key={i} data-testid="reason" data-kind={r.kind}>
                  {r.description} <code className="reason-kind">{r.kind}</code>
                </li>
              ))}
            </ul>
          </>
        ) : status === 'fresh' ? (
          <p className="muted">Fresh: current with its inputs and its code.</p>
        ) : null}
        {p.failure ? (
          <div className="failure" data-testid="failure">
            <b>Failed</b> ({p.failure.failureClass.toLowerCase()}, fingerprint <code>{short(p.failure.fingerprint, 12)}</code>
            {p.failure.retryAt ? `, retried at ${fmtTime(p.failure.retryAt)}` : ''}): <span className="mono">{p.failure.message}</span>
            <StackTrace stack={p.attempts.find((a) => a.status === 'failed' && a.token === p.failure?.token)?.stack ?? null} title="Stack trace" />
          </div>
        ) : null}
        {p.checkFailure ? (
          <div className="failure" data-testid="check-failure">
            <b>Blocking check {p.checkFailure.check} failed:</b> {p.checkFailure.message}
          </div>
        ) : null}
        {p.running ? (
          <p data-testid="running">
            Running since {fmtTime(p.running.since)} (token <code>{short(p.running.token, 12)}</code>)
          </p>
        ) : null}
        {p.attempts.length > 0 ? (
          <details className="attempts">
            <summary>
              {p.attempts.length} attempt{p.attempts.length === 1 ? '' : 's'}
            </summary>
            <table>
              <tbody>
                {p.attempts.map((a) => (
                  <tr key={`${a.token}/${a.attempt}`} data-testid="attempt">
                    <td>#{a.attempt}</td>
                    <td>{a.status}</td>
                    <td>{a.failureClass?.toLowerCase() ?? ''}</td>
                    <td className="mono">{a.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ) : null}
        {p.failureLogs.length > 0 ? (
          <>
            <h3>Logs of the failed attempt</h3>
            <LogsList lines={p.failureLogs} testid="failure-logs" />
          </>
        ) : null}
      </section>
      <ProvenanceTree assetKey={assetKey} partitionKey={partitionKey} materializationId={toId} depth={depth} onDepth={setDepth} tick={tick} />
      <HistoryTable history={history} currentId={p.current?.id ?? null} toId={toId} fromId={fromId} onTo={setTo} onFrom={setFrom} />
      {history.length > 0 ? <DiffPanel assetKey={assetKey} partitionKey={partitionKey} fromId={fromId} toId={toId} /> : null}
      {toId ? <DetailPanel id={toId} /> : null}
    </div>
  );
}
