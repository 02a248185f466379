/**
 * The provenance tree upstream of a materialization (the `lineage` query): each node with its
 * asset, partition, data and code versions, when, where (worker, compute provider) and which run;
 * collapsible, each linking to its own forensics page. Reads with no stored materialization behind
 * them (a source's observation) are leaves.
 */
import { useEffect } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { ErrorBox } from '../components/status';
import { assetPath, fmtTime, partitionPath, short } from '../lib/format';

export const LINEAGE_QUERY = `query Provenance($asset: String!, $partition: String!, $depth: Int!, $m: ID) {
  lineage(assetKey: $asset, partitionKey: $partition, depth: $depth, materializationId: $m) {
    __typename
    ... on Lineage {
      root { materializationId }
      nodes { materializationId assetKey partitionKey dataVersion codeVersion depth finishedAt materialization { worker computeProvider runId workflowId storageUri } }
      edges { downstreamId upstreamId inputName }
      unresolved { assetKey partitionKey dataVersion downstreamId inputName }
    }
    ... on Error { message }
  }
}`;

interface LNode {
  readonly materializationId: string;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly depth: number;
  readonly finishedAt: string;
  readonly materialization: { readonly worker: string | null; readonly computeProvider: string | null; readonly runId: string | null; readonly workflowId: string | null; readonly storageUri: string | null } | null;
}

interface LineageData {
  readonly lineage:
    | {
        readonly __typename: 'Lineage';
        readonly root: { readonly materializationId: string } | null;
        readonly nodes: readonly LNode[];
        readonly edges: ReadonlyArray<{ readonly downstreamId: string; readonly upstreamId: string; readonly inputName: string }>;
        readonly unresolved: ReadonlyArray<{ readonly assetKey: string; readonly partitionKey: string; readonly dataVersion: string | null; readonly downstreamId: string; readonly inputName: string }>;
      }
    | { readonly __typename: string; readonly message: string };
}

type Lineage = Extract<LineageData['lineage'], { __typename: 'Lineage' }>;

function NodeLine({ node, input }: { node: LNode; input: string | null }) {
  const m = node.materialization;
  return (
    <span className="prov-line">
      {input ? <span className="prov-input">{input} ←</span> : null}
      <Link to={assetPath(node.assetKey)} className="prov-asset">
        {node.assetKey}
      </Link>{' '}
      <Link to={partitionPath(node.assetKey, node.partitionKey)} className="prov-partition" data-testid="prov-partition-link">
        {node.partitionKey || '(unpartitioned)'}
      </Link>
      <span className="prov-field" title={node.dataVersion}>
        data <code>{short(node.dataVersion, 12)}</code>
      </span>
      <span className="prov-field">
        code <code title={node.codeVersion}>{short(node.codeVersion, 10)}</code>
      </span>
      <span className="prov-field">{fmtTime(node.finishedAt)}</span>
      <span className="prov-field muted">
        on {m?.worker ?? '?'}
        {m?.computeProvider ? ` (${m.computeProvider})` : ''}
      </span>
      {m?.workflowId ? (
        <span className="prov-field muted mono" title={`workflow ${m.workflowId}, run ${m.runId ?? '?'}`}>
          run {short(m.runId ?? m.workflowId, 8)}
        </span>
      ) : null}
    </span>
  );
}

function Tree({ lineage, id, input, seen }: { lineage: Lineage; id: string; input: string | null; seen: readonly string[] }) {
  const node = lineage.nodes.find((n) => n.materializationId === id);
  if (!node) return null;
  const ups = lineage.edges.filter((e) => e.downstreamId === id);
  const sources = lineage.unresolved.filter((u) => u.downstreamId === id);
  const attrs = { 'data-testid': 'prov-node', 'data-asset': node.assetKey, 'data-partition': node.partitionKey, 'data-data-version': node.dataVersion, 'data-code-version': node.codeVersion, 'data-depth': node.depth };
  if (ups.length === 0 && sources.length === 0)
    return (
      <li {...attrs} className="prov-leaf">
        <NodeLine node={node} input={input} />
      </li>
    );
  return (
    <li {...attrs}>
      <details open>
        <summary>
          <NodeLine node={node} input={input} />
        </summary>
        <ul>
          {ups.map((e) =>
            seen.includes(e.upstreamId) ? null : <Tree key={`${e.inputName}/${e.upstreamId}`} lineage={lineage} id={e.upstreamId} input={e.inputName} seen={[...seen, id]} />,
          )}
          {sources.map((u) => (
            <li key={`${u.inputName}/${u.assetKey}/${u.partitionKey}`} className="prov-leaf" data-testid="prov-source" data-asset={u.assetKey} data-partition={u.partitionKey} data-data-version={u.dataVersion ?? ''}>
              <span className="prov-line">
                <span className="prov-input">{u.inputName} ←</span>
                <Link to={assetPath(u.assetKey)} className="prov-asset">
                  {u.assetKey}
                </Link>{' '}
                <span className="prov-partition">{u.partitionKey}</span>
                <span className="prov-field" title={u.dataVersion ?? ''}>
                  version <code>{short(u.dataVersion, 12)}</code>
                </span>
                <span className="prov-field muted">observed (no materialization stored)</span>
              </span>
            </li>
          ))}
        </ul>
      </details>
    </li>
  );
}

export function ProvenanceTree({ assetKey, partitionKey, materializationId, depth, onDepth, tick }: { assetKey: string; partitionKey: string; materializationId: string | null; depth: number; onDepth(d: number): void; tick: number }) {
  const [{ data, error, fetching }, reexecute] = useQuery<LineageData>({ query: LINEAGE_QUERY, variables: { asset: assetKey, partition: partitionKey, depth, m: materializationId }, requestPolicy: 'network-only' });
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);
  const lineage = data?.lineage.__typename === 'Lineage' && 'nodes' in data.lineage ? data.lineage : null;
  return (
    <section className="panel" data-testid="provenance">
      <div className="panel-head">
        <h2>Provenance (upstream)</h2>
        <label className="muted">
          depth{' '}
          <select data-testid="lineage-depth" value={depth} onChange={(e) => onDepth(Number(e.target.value))}>
            {[1, 2, 3, 4, 5, 8, 12, 20].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        {fetching ? <span className="muted">loading…</span> : null}
      </div>
      {error ? <ErrorBox message={error.message} /> : null}
      {data && 'message' in data.lineage ? <ErrorBox message={data.lineage.message} /> : null}
      {lineage && !lineage.root ? <p className="muted">Never materialized: no provenance yet.</p> : null}
      {lineage?.root ? (
        <ul className="prov-tree">
          <Tree lineage={lineage} id={lineage.root.materializationId} input={null} seen={[]} />
        </ul>
      ) : null}
      {lineage ? <p className="muted small">{lineage.nodes.length} materializations, {lineage.unresolved.length} observed source reads, {depth} level{depth === 1 ? '' : 's'} up.</p> : null}
    </section>
  );
}
