/** The asset page's panels: its definition, code version history, checks and recent materializations. */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { fmtDuration, fmtTime, partitionPath, short, assetPath } from '../lib/format';
import { StatusBadge } from '../components/status';
import { statusOfEnum } from '../heatmap/model';

export interface AssetInfo {
  readonly key: string;
  readonly kind: string;
  readonly group: string;
  readonly location: string;
  readonly description: string | null;
  readonly codeVersion: string | null;
  readonly computeProvider: string | null;
  readonly metadata: unknown;
  readonly batchSize: number | null;
  readonly concurrency: number | null;
  readonly priority: number | null;
  readonly timeoutMs: number | null;
  readonly retry: unknown;
  readonly observeIntervalMs: number | null;
  readonly partitionsDefinition: { readonly kind: string; readonly description: string; readonly count: number; readonly dimensions: readonly string[] };
  readonly inputs: ReadonlyArray<{ readonly name: string; readonly upstreamKey: string; readonly isSelf: boolean; readonly respectBlockingChecks: boolean; readonly mapping: { readonly kind: string; readonly description: string; readonly cardinality: string | null } }>;
  readonly downstream: ReadonlyArray<{ readonly assetKey: string; readonly inputName: string; readonly mapping: { readonly description: string } }>;
  readonly codeVersionHistory: ReadonlyArray<{ readonly codeVersion: string; readonly deployedAt: string; readonly deploymentId: string }>;
  readonly checks: ReadonlyArray<{ readonly name: string; readonly description: string | null; readonly blocking: boolean }>;
}

export const ASSET_FIELDS = `key kind group location description codeVersion computeProvider metadata batchSize concurrency priority timeoutMs retry observeIntervalMs
  partitionsDefinition { kind description count dimensions }
  inputs { name upstreamKey isSelf respectBlockingChecks mapping { kind description cardinality } }
  downstream { assetKey inputName mapping { description } }
  codeVersionHistory { codeVersion deployedAt deploymentId }
  checks { name description blocking }`;

function Json({ value }: { value: unknown }) {
  if (value == null) return <span className="muted">—</span>;
  return <code className="json">{typeof value === 'string' ? value : JSON.stringify(value)}</code>;
}

function Metadata({ value }: { value: unknown }) {
  if (value == null || typeof value !== 'object') return <Json value={value} />;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <div className="metadata" data-testid="metadata">
      {entries.map(([k, v]) =>
        k === 'tags' && Array.isArray(v) ? (
          <span key={k}>
            {v.map((t) => (
              <span key={String(t)} className="tag">
                {String(t)}
              </span>
            ))}
          </span>
        ) : (
          <span key={k} className="tag kv">
            {k}={typeof v === 'string' ? v : JSON.stringify(v)}
          </span>
        ),
      )}
    </div>
  );
}

export function DefinitionPanel({ asset }: { asset: AssetInfo }) {
  const p = asset.partitionsDefinition;
  const rows: Array<[string, ReactNode, string]> = [
    ['kind', asset.kind === 'SOURCE' ? 'source (observed, never computed)' : 'asset (computed by Weft)', 'kind'],
    ['group', asset.group, 'group'],
    ['location', asset.location, 'location'],
    ['description', asset.description ?? <span className="muted">—</span>, 'description'],
    ['partitions', `${p.description} (${p.kind.toLowerCase()}, ${p.count.toLocaleString('en-US')} now${p.dimensions.length ? `; dimensions ${p.dimensions.join(', ')}` : ''})`, 'partitions'],
    ['code version', asset.codeVersion ? <code title={asset.codeVersion}>{short(asset.codeVersion, 16)}</code> : <span className="muted">—</span>, 'code-version'],
    ['compute provider', asset.computeProvider ?? <span className="muted">default</span>, 'compute-provider'],
    ['metadata / tags', <Metadata key="m" value={asset.metadata} />, 'metadata'],
  ];
  const tuning = [
    ['batch size', asset.batchSize],
    ['concurrency', asset.concurrency],
    ['priority', asset.priority],
    ['timeout', asset.timeoutMs == null ? null : fmtDuration(asset.timeoutMs)],
    ['observed every', asset.observeIntervalMs == null ? null : fmtDuration(asset.observeIntervalMs)],
    ['retry', asset.retry == null ? null : JSON.stringify(asset.retry)],
  ].filter(([, v]) => v != null);
  return (
    <section className="panel" data-testid="definition">
      <h2>Definition</h2>
      <table className="kv-table">
        <tbody>
          {rows.map(([k, v, id]) => (
            <tr key={k} data-testid={`def-${id}`}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
          {tuning.map(([k, v]) => (
            <tr key={String(k)}>
              <th>{k}</th>
              <td>{String(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Inputs</h3>
      {asset.inputs.length === 0 ? (
        <p className="muted">None{asset.kind === 'SOURCE' ? ': a source is observed' : ''}.</p>
      ) : (
        <ul className="inputs" data-testid="inputs">
          {asset.inputs.map((i) => (
            <li key={i.name} data-testid="input" data-name={i.name} data-upstream={i.upstreamKey}>
              <code>{i.name}</code> reads {i.isSelf ? 'earlier partitions of this asset' : <Link to={assetPath(i.upstreamKey)}>{i.upstreamKey}</Link>}: <span data-testid="input-mapping">{i.mapping.description}</span>
              {i.mapping.cardinality ? <span className="muted"> ({i.mapping.cardinality} upstream partition{i.mapping.cardinality === 'one' ? '' : 's'} per partition)</span> : null}
              {i.respectBlockingChecks ? null : <span className="muted"> · ignores blocking checks</span>}
            </li>
          ))}
        </ul>
      )}
      {asset.downstream.length > 0 ? (
        <>
          <h3>Read by</h3>
          <ul className="inputs">
            {asset.downstream.map((d) => (
              <li key={`${d.assetKey}/${d.inputName}`}>
                <Link to={assetPath(d.assetKey)}>{d.assetKey}</Link> (input <code>{d.inputName}</code>: {d.mapping.description})
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function CodeHistoryPanel({ asset }: { asset: AssetInfo }) {
  const steps = [...asset.codeVersionHistory].reverse();
  return (
    <section className="panel" data-testid="code-history">
      <h2>Code version history</h2>
      {steps.length === 0 ? (
        <p className="muted">No deployment carried a code version of it yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>code version</th>
              <th>first deployed</th>
              <th>deployment</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s, i) => (
              <tr key={`${s.deploymentId}/${s.codeVersion}`} data-testid="code-version-row" data-code-version={s.codeVersion}>
                <td>
                  <code title={s.codeVersion}>{short(s.codeVersion, 16)}</code> {i === 0 ? <span className="tag">current</span> : null}
                </td>
                <td>{fmtTime(s.deployedAt)}</td>
                <td className="mono" title={s.deploymentId}>
                  {short(s.deploymentId, 12)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export interface RecentMaterialization {
  readonly id: string;
  readonly partitionKey: string;
  readonly finishedAt: string;
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly durationMs: number | null;
  readonly worker: string | null;
  readonly checks: ReadonlyArray<{ readonly check: string; readonly passed: boolean; readonly message: string | null; readonly at: string; readonly dataVersion: string }>;
}

export function ChecksPanel({ asset, recent }: { asset: AssetInfo; recent: readonly RecentMaterialization[] | null }) {
  // The latest result of each check among its latest materializations.
  const latest = new Map<string, { passed: boolean; message: string | null; at: string; partitionKey: string }>();
  for (const m of recent ?? [])
    for (const c of m.checks) {
      const seen = latest.get(c.check);
      // Results recorded in one transaction share their time: the later partition wins a tie.
      if (!seen || seen.at < c.at || (seen.at === c.at && seen.partitionKey < m.partitionKey)) latest.set(c.check, { passed: c.passed, message: c.message, at: c.at, partitionKey: m.partitionKey });
    }
  return (
    <section className="panel" data-testid="checks">
      <h2>Checks</h2>
      {asset.checks.length === 0 ? (
        <p className="muted">No checks.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>check</th>
              <th>blocking</th>
              <th>latest result</th>
            </tr>
          </thead>
          <tbody>
            {asset.checks.map((c) => {
              const r = latest.get(c.name);
              return (
                <tr key={c.name} data-testid="check-row" data-check={c.name} data-passed={r ? String(r.passed) : 'none'}>
                  <td>
                    <b>{c.name}</b>
                    {c.description ? <div className="muted">{c.description}</div> : null}
                  </td>
                  <td>{c.blocking ? 'yes: a failure stops propagation downstream' : 'no'}</td>
                  <td>
                    {r ? (
                      <>
                        <span className={`check ${r.passed ? 'pass' : 'fail'}`}>{r.passed ? '✓ passed' : '✗ failed'}</span> {r.message ? <span data-testid="check-message">{r.message}</span> : null}
                        <div className="muted">
                          on <Link to={partitionPath(asset.key, r.partitionKey)}>{r.partitionKey || '(unpartitioned)'}</Link>, {fmtTime(r.at)}
                        </div>
                      </>
                    ) : (
                      <span className="muted">{recent === null ? 'loading…' : 'no result yet'}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RecentPanel({ asset, recent }: { asset: AssetInfo; recent: readonly (RecentMaterialization & { status: string; superseded: boolean })[] | null }) {
  return (
    <section className="panel" data-testid="recent">
      <h2>Recent materializations</h2>
      {recent === null ? (
        <p className="muted">Loading…</p>
      ) : recent.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>partition</th>
              <th>status now</th>
              <th>finished</th>
              <th>took</th>
              <th>data version</th>
              <th>code version</th>
              <th>worker</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((m) => (
              <tr key={m.id} data-testid="recent-row" data-partition={m.partitionKey} data-materialization={m.id}>
                <td>
                  <Link to={partitionPath(asset.key, m.partitionKey)}>{m.partitionKey || '(unpartitioned)'}</Link>
                </td>
                <td>
                  <StatusBadge status={statusOfEnum(m.status)} />
                  {m.superseded ? <span className="muted" title="A later materialization of this partition replaced it"> superseded</span> : null}
                </td>
                <td>{fmtTime(m.finishedAt)}</td>
                <td>{fmtDuration(m.durationMs)}</td>
                <td className="mono" title={m.dataVersion}>
                  {short(m.dataVersion, 12)}
                </td>
                <td className="mono" title={m.codeVersion}>{short(m.codeVersion, 12)}</td>
                <td className="mono">{m.worker ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
