/**
 * A partition's materialization history, the diff between any two of them (code? which inputs
 * and how? output?), and the chosen one's logs, checks and stored value.
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { ErrorBox } from '../components/status';
import { fmtDuration, fmtTime, partitionPath, short } from '../lib/format';

export interface HistoryEntry {
  readonly id: string;
  readonly finishedAt: string;
  readonly startedAt: string | null;
  readonly durationMs: number | null;
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly worker: string | null;
  readonly computeProvider: string | null;
  readonly storageUri: string | null;
  readonly becameCurrent: boolean;
  readonly attempt: number;
}

export const HISTORY_FIELDS = 'id finishedAt startedAt durationMs dataVersion codeVersion worker computeProvider storageUri becameCurrent attempt';

export function HistoryTable({ history, currentId, toId, fromId, onTo, onFrom }: { history: readonly HistoryEntry[]; currentId: string | null; toId: string | null; fromId: string | null; onTo(id: string): void; onFrom(id: string): void }) {
  return (
    <section className="panel" data-testid="history">
      <h2>Materialization history</h2>
      {history.length === 0 ? (
        <p className="muted">Never materialized.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th title="the materialization shown (provenance, logs, diff to)">shown</th>
              <th title="compare against">diff from</th>
              <th>finished</th>
              <th>took</th>
              <th>data version</th>
              <th>code version</th>
              <th>worker</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {history.map((m) => (
              <tr key={m.id} data-testid="history-row" data-materialization={m.id} data-data-version={m.dataVersion} className={m.id === toId ? 'chosen' : ''}>
                <td>
                  <input type="radio" name="to" aria-label={`show ${m.id}`} checked={m.id === toId} onChange={() => onTo(m.id)} />
                </td>
                <td>
                  <input type="radio" name="from" aria-label={`diff from ${m.id}`} data-testid="diff-from" checked={m.id === fromId} disabled={m.id === toId} onChange={() => onFrom(m.id)} />
                </td>
                <td>{fmtTime(m.finishedAt)}</td>
                <td>{fmtDuration(m.durationMs)}</td>
                <td className="mono" title={m.dataVersion}>
                  {short(m.dataVersion, 14)}
                </td>
                <td className="mono" title={m.codeVersion}>{short(m.codeVersion, 12)}</td>
                <td className="mono">
                  {m.worker ?? '—'}
                  {m.computeProvider ? ` (${m.computeProvider})` : ''}
                </td>
                <td>
                  {m.id === currentId ? <span className="tag">current</span> : null}
                  {!m.becameCurrent ? <span className="tag" title="a late attempt of an older plan">never current</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const DIFF_QUERY = `query Diff($from: ID!, $to: ID!) {
  diff(from: $from, to: $to) {
    __typename
    ... on MaterializationDiff {
      codeChanged deploymentChanged outputChanged changedInputs
      from { id codeVersion dataVersion finishedAt }
      to { id codeVersion dataVersion finishedAt }
      inputs { name upstreamAsset change rangeFrom rangeTo addedPartitions removedPartitions changedPartitions { partitionKey fromDataVersion toDataVersion fromMaterializationId toMaterializationId } }
    }
    ... on Error { message }
  }
}`;

interface Side {
  readonly id: string;
  readonly codeVersion: string;
  readonly dataVersion: string;
  readonly finishedAt: string;
}
interface DiffData {
  readonly diff:
    | {
        readonly __typename: 'MaterializationDiff';
        readonly codeChanged: boolean;
        readonly deploymentChanged: boolean;
        readonly outputChanged: boolean;
        readonly changedInputs: readonly string[];
        readonly from: Side;
        readonly to: Side;
        readonly inputs: ReadonlyArray<{
          readonly name: string;
          readonly upstreamAsset: string;
          readonly change: string;
          readonly rangeFrom: string | null;
          readonly rangeTo: string | null;
          readonly addedPartitions: readonly string[];
          readonly removedPartitions: readonly string[];
          readonly changedPartitions: ReadonlyArray<{ readonly partitionKey: string; readonly fromDataVersion: string | null; readonly toDataVersion: string | null }>;
        }>;
      }
    | { readonly __typename: string; readonly message: string };
}

const CHANGE_WORDS: Record<string, string> = { ADDED: 'added (the later one reads it, the earlier did not)', REMOVED: 'removed (the earlier one read it, the later does not)', CHANGED: 'what was read differs', SAME: 'the same partitions at the same data versions' };

const READS_QUERY = `query Reads($asset: String!, $partition: String!, $from: ID!, $to: ID!) {
  from: lineage(assetKey: $asset, partitionKey: $partition, depth: 1, materializationId: $from) { ...Reads }
  to: lineage(assetKey: $asset, partitionKey: $partition, depth: 1, materializationId: $to) { ...Reads }
}
fragment Reads on QueryLineageResult {
  __typename
  ... on Lineage { root { materializationId } nodes { materializationId partitionKey dataVersion } edges { downstreamId upstreamId inputName } unresolved { downstreamId inputName partitionKey dataVersion } }
  ... on Error { message }
}`;

interface ReadsLineage {
  readonly __typename: string;
  readonly message?: string;
  readonly root?: { readonly materializationId: string } | null;
  readonly nodes?: ReadonlyArray<{ readonly materializationId: string; readonly partitionKey: string; readonly dataVersion: string }>;
  readonly edges?: ReadonlyArray<{ readonly downstreamId: string; readonly upstreamId: string; readonly inputName: string }>;
  readonly unresolved?: ReadonlyArray<{ readonly downstreamId: string; readonly inputName: string; readonly partitionKey: string; readonly dataVersion: string | null }>;
}

/** Input name → upstream partition → the data version read, from a depth-1 lineage. */
export function readsOf(l: ReadsLineage | undefined): Map<string, Map<string, string | null>> {
  const out = new Map<string, Map<string, string | null>>();
  const root = l?.root?.materializationId;
  if (!l || !root) return out;
  const put = (input: string, key: string, dv: string | null) => {
    let m = out.get(input);
    if (!m) out.set(input, (m = new Map()));
    m.set(key, dv);
  };
  for (const e of l.edges ?? []) {
    if (e.downstreamId !== root) continue;
    const n = l.nodes?.find((x) => x.materializationId === e.upstreamId);
    if (n) put(e.inputName, n.partitionKey, n.dataVersion);
  }
  for (const u of l.unresolved ?? []) if (u.downstreamId === root) put(u.inputName, u.partitionKey, u.dataVersion);
  return out;
}

interface PartitionChange {
  readonly partitionKey: string;
  readonly fromDataVersion: string | null;
  readonly toDataVersion: string | null;
}

/** What a range input read differently, partition by partition (the diff says only that its combined hash changed). */
function expandRange(from: Map<string, string | null> | undefined, to: Map<string, string | null> | undefined): { changed: PartitionChange[]; added: string[]; removed: string[] } {
  const changed: PartitionChange[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [k, dv] of to ?? []) {
    if (!from?.has(k)) added.push(k);
    else if (from.get(k) !== dv) changed.push({ partitionKey: k, fromDataVersion: from.get(k) ?? null, toDataVersion: dv });
  }
  for (const k of from?.keys() ?? []) if (!to?.has(k)) removed.push(k);
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { changed: changed.sort((a, b) => byKey(a.partitionKey, b.partitionKey)), added: added.sort(byKey), removed: removed.sort(byKey) };
}

export function DiffPanel({ assetKey, partitionKey, fromId, toId }: { assetKey: string; partitionKey: string; fromId: string | null; toId: string | null }) {
  const [{ data, error, fetching }] = useQuery<DiffData>({ query: DIFF_QUERY, variables: { from: fromId ?? '', to: toId ?? '' }, pause: !fromId || !toId, requestPolicy: 'network-only' });
  const diff = data?.diff.__typename === 'MaterializationDiff' && 'inputs' in data.diff ? data.diff : null;
  // A range input (read as one combined hash) that changed: which of its partitions, from both materializations' reads.
  const needsReads = diff?.inputs.some((i) => i.change === 'CHANGED' && i.rangeFrom !== null && i.changedPartitions.length === 0 && i.addedPartitions.length === 0 && i.removedPartitions.length === 0) ?? false;
  const [reads] = useQuery<{ from: ReadsLineage; to: ReadsLineage }>({ query: READS_QUERY, variables: { asset: assetKey, partition: partitionKey, from: fromId ?? '', to: toId ?? '' }, pause: !needsReads, requestPolicy: 'network-only' });
  const fromReads = readsOf(reads.data?.from);
  const toReads = readsOf(reads.data?.to);
  return (
    <section className="panel" data-testid="diff">
      <h2>Diff against an earlier materialization</h2>
      {!fromId || !toId ? <p className="muted">One materialization only: nothing to compare it with yet.</p> : null}
      {fetching && !diff ? <p className="muted">Loading…</p> : null}
      {error ? <ErrorBox message={error.message} /> : null}
      {data && 'message' in data.diff ? <ErrorBox message={data.diff.message} /> : null}
      {diff ? (
        <>
          <p className="muted">
            from {fmtTime(diff.from.finishedAt)} (<code>{short(diff.from.id, 10)}</code>) to {fmtTime(diff.to.finishedAt)} (<code>{short(diff.to.id, 10)}</code>)
          </p>
          <ul className="diff-summary">
            <li data-testid="diff-code" data-changed={String(diff.codeChanged)}>
              <b>Code:</b> {diff.codeChanged ? (
                <>
                  changed, <code title={diff.from.codeVersion}>{short(diff.from.codeVersion, 12)}</code> → <code title={diff.to.codeVersion}>{short(diff.to.codeVersion, 12)}</code>
                </>
              ) : (
                <>
                  unchanged (<code title={diff.to.codeVersion}>{short(diff.to.codeVersion, 12)}</code>){diff.deploymentChanged ? ', in another deployment' : ''}
                </>
              )}
            </li>
            <li data-testid="diff-inputs" data-changed={diff.changedInputs.join(',')}>
              <b>Inputs:</b> {diff.changedInputs.length === 0 ? 'unchanged' : `changed: ${diff.changedInputs.join(', ')}`}
            </li>
            <li data-testid="diff-output" data-changed={String(diff.outputChanged)}>
              <b>Output:</b> {diff.outputChanged ? (
                <>
                  changed, <code title={diff.from.dataVersion}>{short(diff.from.dataVersion, 12)}</code> → <code title={diff.to.dataVersion}>{short(diff.to.dataVersion, 12)}</code>
                </>
              ) : (
                'the same data version'
              )}
            </li>
          </ul>
          <table className="diff-inputs">
            <thead>
              <tr>
                <th>input</th>
                <th>upstream</th>
                <th>how</th>
                <th>partitions</th>
              </tr>
            </thead>
            <tbody>
              {diff.inputs.map((i) => (
                <tr key={i.name} data-testid="diff-input" data-name={i.name} data-change={i.change} className={i.change === 'SAME' ? 'same' : 'changed'}>
                  <td>
                    <code>{i.name}</code>
                  </td>
                  <td>{i.upstreamAsset}</td>
                  <td>
                    <span className={`change change-${i.change.toLowerCase()}`}>{i.change.toLowerCase()}</span> <span className="muted">{CHANGE_WORDS[i.change] ?? ''}</span>
                    {i.rangeFrom ? (
                      <div className="muted small" data-testid="diff-range">
                        read as one range: {i.rangeFrom} → {i.rangeTo}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {i.change === 'CHANGED' && i.rangeFrom !== null && i.changedPartitions.length === 0 && i.addedPartitions.length === 0 && i.removedPartitions.length === 0 ? <RangeChanges upstream={i.upstreamAsset} loading={reads.fetching} {...expandRange(fromReads.get(i.name), toReads.get(i.name))} /> : null}
                    {i.changedPartitions.map((c) => (
                      <div key={c.partitionKey} data-testid="diff-changed-partition" data-partition={c.partitionKey} data-from={c.fromDataVersion ?? ''} data-to={c.toDataVersion ?? ''}>
                        <Link to={partitionPath(i.upstreamAsset, c.partitionKey)}>{c.partitionKey}</Link>: <code title={c.fromDataVersion ?? ''}>{short(c.fromDataVersion, 12)}</code> → <code title={c.toDataVersion ?? ''}>{short(c.toDataVersion, 12)}</code>
                      </div>
                    ))}
                    {i.addedPartitions.length ? <div data-testid="diff-added">added: {i.addedPartitions.join(', ')}</div> : null}
                    {i.removedPartitions.length ? <div data-testid="diff-removed">removed: {i.removedPartitions.join(', ')}</div> : null}
                    {i.change === 'SAME' ? <span className="muted">—</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

function RangeChanges({ upstream, changed, added, removed, loading }: { upstream: string; changed: PartitionChange[]; added: string[]; removed: string[]; loading: boolean }) {
  if (loading && changed.length === 0) return <span className="muted">reading the range…</span>;
  return (
    <>
      {changed.map((c) => (
        <div key={c.partitionKey} data-testid="diff-changed-partition" data-partition={c.partitionKey} data-from={c.fromDataVersion ?? ''} data-to={c.toDataVersion ?? ''} data-expanded="lineage">
          <Link to={partitionPath(upstream, c.partitionKey)}>{c.partitionKey}</Link>: <code title={c.fromDataVersion ?? ''}>{short(c.fromDataVersion, 12)}</code> → <code title={c.toDataVersion ?? ''}>{short(c.toDataVersion, 12)}</code>
        </div>
      ))}
      {added.length ? <div data-testid="diff-added">added: {added.join(', ')}</div> : null}
      {removed.length ? <div data-testid="diff-removed">removed: {removed.join(', ')}</div> : null}
    </>
  );
}

const DETAIL_QUERY = `query MaterializationDetail($id: ID!) {
  materialization(id: $id) {
    __typename
    ... on Materialization {
      id storageUri inlineValue { bytes text base64 } bytes workflowId runId worker computeProvider token inputsAsOf
      checks { check passed blocking message at }
      logs(first: 500) { at level message attempt line fields }
    }
    ... on Error { message }
  }
}`;

interface LogLine {
  readonly at: string;
  readonly level: string;
  readonly message: string;
  readonly attempt: number;
  readonly line: number;
  readonly fields: unknown;
}

interface DetailData {
  readonly materialization:
    | {
        readonly __typename: 'Materialization';
        readonly id: string;
        readonly storageUri: string | null;
        readonly inlineValue: { readonly bytes: number; readonly text: string | null; readonly base64: string } | null;
        readonly bytes: number | null;
        readonly workflowId: string | null;
        readonly runId: string | null;
        readonly worker: string | null;
        readonly computeProvider: string | null;
        readonly token: string;
        readonly checks: ReadonlyArray<{ readonly check: string; readonly passed: boolean; readonly blocking: boolean; readonly message: string | null; readonly at: string }>;
        readonly logs: readonly LogLine[];
      }
    | { readonly __typename: string; readonly message: string };
}

export function LogsList({ lines, testid }: { lines: readonly LogLine[]; testid: string }) {
  if (lines.length === 0) return <p className="muted">No log lines.</p>;
  return (
    <ol className="logs" data-testid={testid}>
      {lines.map((l) => (
        <li key={`${l.attempt}/${l.line}`} className={`log-${l.level.toLowerCase()}`} data-testid="log-line">
          <span className="log-at">{l.at.slice(11, 23)}</span>
          <span className="log-level">{l.level}</span>
          <span className="log-msg">{l.message}</span>
          {l.fields && Object.keys(l.fields as object).length ? <span className="log-fields">{JSON.stringify(l.fields)}</span> : null}
          <span className="muted log-attempt">#{l.attempt}</span>
        </li>
      ))}
    </ol>
  );
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      data-testid="copy-uri"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** A value kept inline: as text when it is UTF-8, else as base64 (both can be copied). */
function InlineValue({ value }: { value: NonNullable<Extract<DetailData['materialization'], { __typename: 'Materialization' }>['inlineValue']> }) {
  const shown = value.text ?? value.base64;
  return (
    <div className="uri-row">
      <pre className="inline-value" data-testid="inline-value" data-encoding={value.text === null ? 'base64' : 'text'}>
        {shown}
      </pre>
      <CopyButton text={shown} />
      {value.text === null ? <span className="muted">base64</span> : null}
    </div>
  );
}

export function DetailPanel({ id }: { id: string }) {
  const [{ data, error }] = useQuery<DetailData>({ query: DETAIL_QUERY, variables: { id } });
  const m = data?.materialization.__typename === 'Materialization' && 'logs' in data.materialization ? data.materialization : null;
  return (
    <section className="panel" data-testid="detail">
      <h2>Value, checks and logs</h2>
      {error ? <ErrorBox message={error.message} /> : null}
      {data && 'message' in data.materialization ? <ErrorBox message={data.materialization.message} /> : null}
      {m ? (
        <>
          <div className="uri-row">
            <b>Stored value:</b>{' '}
            {m.storageUri ? (
              <code data-testid="storage-uri">{m.storageUri}</code>
            ) : m.inlineValue ? (
              <span className="muted">kept in the provenance store with its materialization</span>
            ) : (
              <span className="muted">not stored</span>
            )}
            {m.storageUri ? <CopyButton text={m.storageUri} /> : null}
            {m.bytes != null ? <span className="muted">{m.bytes.toLocaleString('en-US')} bytes</span> : null}
          </div>
          {m.inlineValue ? <InlineValue value={m.inlineValue} /> : null}
          <div className="muted small">
            token <code>{short(m.token, 16)}</code> · workflow <code>{m.workflowId ?? '—'}</code> · run <code>{short(m.runId, 12)}</code>
          </div>
          <h3>Checks of its data version</h3>
          {m.checks.length === 0 ? (
            <p className="muted">No check results.</p>
          ) : (
            <ul className="checks-list">
              {m.checks.map((c) => (
                <li key={c.check} data-testid="detail-check" data-check={c.check} data-passed={String(c.passed)}>
                  <span className={`check ${c.passed ? 'pass' : 'fail'}`}>{c.passed ? '✓' : '✗'}</span> <b>{c.check}</b>
                  {c.blocking ? <span className="muted"> (blocking)</span> : null} {c.message ?? ''} <span className="muted">{fmtTime(c.at)}</span>
                </li>
              ))}
            </ul>
          )}
          <h3>Logs</h3>
          <LogsList lines={m.logs} testid="logs" />
        </>
      ) : null}
    </section>
  );
}
