/**
 * The asset page (`/assets/:key`): its definition, code version history, checks with their latest
 * results, the partition heatmap with the materialize / backfill / retry controls (operators of
 * its group), and recent materializations linking to forensics.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { useLiveTick } from '../api/live';
import { useSession } from '../api/session';
import { RangeControls } from '../asset/controls';
import { ASSET_FIELDS, ChecksPanel, CodeHistoryPanel, DefinitionPanel, RecentPanel, type AssetInfo, type RecentMaterialization } from '../asset/panels';
import { ErrorBox, Loading } from '../components/status';
import { Heatmap, usePrefetchSummary, type KeyRange } from '../heatmap/heatmap';
import { partitionPath } from '../lib/format';
import '../asset/asset.css';

const ASSET_QUERY = `query AssetPage($key: String!) { asset(key: $key) { __typename ... on Asset { id ${ASSET_FIELDS} } ... on Error { message } } }`;

const RECENT_QUERY = `query AssetRecent($key: String!) {
  asset(key: $key) {
    __typename
    ... on Asset {
      statusCounts { failed total }
      recentMaterializations(first: 12) { id partitionKey finishedAt dataVersion codeVersion durationMs worker checks { check passed message at dataVersion } partition { __typename ... on Partition { status current { id } } } }
    }
    ... on Error { message }
  }
}`;

interface AssetData {
  readonly asset: ({ readonly __typename: 'Asset'; readonly id: string } & AssetInfo) | { readonly __typename: string; readonly message: string };
}

interface RecentData {
  readonly asset:
    | {
        readonly __typename: 'Asset';
        readonly statusCounts: { readonly failed: number; readonly total: number };
        readonly recentMaterializations: ReadonlyArray<RecentMaterialization & { readonly partition: { readonly __typename: string; readonly status?: string; readonly current?: { readonly id: string } | null } }>;
      }
    | { readonly __typename: string; readonly message: string };
}

export function AssetPage() {
  const { key = '' } = useParams();
  return <AssetView key={key} assetKey={key} />;
}

function AssetView({ assetKey }: { assetKey: string }) {
  const session = useSession();
  usePrefetchSummary(assetKey);
  const [{ data, error, fetching }, reexecute] = useQuery<AssetData>({ query: ASSET_QUERY, variables: { key: assetKey } });
  const [selection, setSelection] = useState<KeyRange | null>(null);
  const [heatmapReady, setHeatmapReady] = useState(false);
  // The heavier per-partition query waits for the heatmap's first paint (or 3 s), so the two do not compete.
  const [late, setLate] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setLate(true), 3000);
    return () => clearTimeout(t);
  }, []);
  const [recentResult, reexecuteRecent] = useQuery<RecentData>({ query: RECENT_QUERY, variables: { key: assetKey }, pause: !(heatmapReady || late) });
  const tick = useLiveTick((e) => e.assetKey === assetKey || (e.assetKey === null && e.kind.startsWith('definitions')));
  useEffect(() => {
    if (tick === 0) return;
    reexecute({ requestPolicy: 'network-only' });
    reexecuteRecent({ requestPolicy: 'network-only' });
  }, [tick, reexecute, reexecuteRecent]);

  const recentAsset = recentResult.data?.asset.__typename === 'Asset' && 'recentMaterializations' in recentResult.data.asset ? recentResult.data.asset : null;
  const recent = useMemo(() => (recentAsset ? recentAsset.recentMaterializations.map((m) => ({ ...m, status: m.partition.status ?? 'MISSING', superseded: m.partition.current?.id !== m.id })) : null), [recentAsset]);

  if (error && !data) return <div className="page"><ErrorBox message={error.message} /></div>;
  if (!data) return <div className="page">{fetching ? <Loading what={`asset ${assetKey}`} /> : null}</div>;
  if (data.asset.__typename !== 'Asset' || !('key' in data.asset)) {
    return (
      <div className="page">
        <h1>{assetKey}</h1>
        <ErrorBox message={'message' in data.asset ? data.asset.message : data.asset.__typename} />
      </div>
    );
  }
  const asset = data.asset;
  const partitioned = asset.partitionsDefinition.kind !== 'UNPARTITIONED';
  const operator = session.can('operator', asset.group) && asset.kind === 'ASSET';
  return (
    <div className="page asset-page" data-testid="asset-page" data-asset={asset.key}>
      <div className="asset-head">
        <h1>
          <span className="muted">asset</span> {asset.key}
        </h1>
        <span className="tag">{asset.kind.toLowerCase()}</span>
        <span className="tag">group {asset.group}</span>
        {!partitioned ? (
          <Link to={partitionPath(asset.key, '')} className="head-link">
            forensics of its one partition →
          </Link>
        ) : null}
      </div>
      <section className="panel" data-testid="partitions-panel">
        <h2>Partitions</h2>
        <Heatmap assetKey={asset.key} kind={asset.partitionsDefinition.kind} dimensions={asset.partitionsDefinition.dimensions} selection={selection} onSelect={setSelection} onReady={() => setHeatmapReady(true)} />
        {operator ? (
          <RangeControls assetKey={asset.key} partitioned={partitioned} selection={selection} failed={recentAsset?.statusCounts.failed ?? 0} />
        ) : (
          <p className="muted" data-testid="no-controls">
            {asset.kind === 'SOURCE' ? 'A source is observed, never materialized.' : `Materialize, backfill and retry need the operator role on group ${asset.group}.`}
          </p>
        )}
      </section>
      <div className="asset-columns">
        <DefinitionPanel asset={asset} />
        <div>
          <CodeHistoryPanel asset={asset} />
          <ChecksPanel asset={asset} recent={recent} />
        </div>
      </div>
      <RecentPanel asset={asset} recent={recent} />
    </div>
  );
}
