/**
 * The partition heatmap of an asset. Time partitions: the API's range-compressed `statusSummary`,
 * one level at a time (year → month → day → hour), drilled by click with a breadcrumb back up; at
 * the leaf level each cell is one partition and opens its forensics. Static and dynamic
 * partitions: one cell per key, paged via `partitions`. Multi-dimensional: see {@link MultiGrid}.
 * A range of cells selected (shift-click or shift-drag) goes to `onSelect` as a key range.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery } from 'urql';
import { useLiveTick } from '../api/live';
import { ErrorBox, STATUS_COLOURS, STATUS_LABELS, STATUSES } from '../components/status';
import { fmtInt, partitionPath } from '../lib/format';
import { HeatmapCanvas, type CellRange } from './canvas';
import { cellsOf, countsOfOne, levelOfLabel, markReady, nextLevel, statusOfEnum, SUMMARY_QUERY, type Cell, type Counts, type Level, type SummaryData } from './model';
import { MultiGrid } from './multi';
import './heatmap.css';

export interface KeyRange {
  readonly first: string;
  readonly last: string;
  /** Partitions in it. */
  readonly count: number;
}

export interface HeatmapProps {
  readonly assetKey: string;
  readonly kind: string;
  readonly dimensions: readonly string[];
  readonly selection: KeyRange | null;
  onSelect(range: KeyRange | null): void;
  /** Called once real data was first painted (the page may then ask for heavier things). */
  onReady?(): void;
}

/**
 * Starts the top-level summary at once, beside the page's own query (the heatmap mounts only when
 * the page knows the asset's partitions kind): the heatmap's first query is then answered from it.
 */
export function usePrefetchSummary(assetKey: string): void {
  useQuery<SummaryData>({ query: SUMMARY_QUERY, variables: { key: assetKey }, requestPolicy: 'network-only' });
}

export function Heatmap(props: HeatmapProps) {
  if (props.kind === 'MULTI') return <MultiGrid {...props} />;
  if (props.kind === 'STATIC' || props.kind === 'DYNAMIC') return <KeysHeatmap {...props} />;
  return <TimeHeatmap {...props} />;
}

export function Legend({ counts, title }: { counts: Counts; title: string }) {
  return (
    <div className="heatmap-legend" data-testid="heatmap-legend">
      <span className="legend-title">{title}</span>
      <span className="legend-total" data-testid="legend-total" data-count={counts.total}>
        {fmtInt(counts.total)} partitions
      </span>
      {STATUSES.map((s) => (
        <span key={s} className={`legend-item ${counts[s] > 0 ? '' : 'zero'}`} data-testid={`legend-${s}`} data-count={counts[s]}>
          <i style={{ background: STATUS_COLOURS[s] }} />
          {STATUS_LABELS[s]} <b>{fmtInt(counts[s])}</b>
        </span>
      ))}
    </div>
  );
}

/** Calls `markReady` after the first paint of each new data set (not on hover repaints). */
function useReadyMarker(data: unknown, level: string, total: number, cells: number, onReady?: () => void) {
  const pending = useRef<unknown>(null);
  const info = useRef({ level, total, cells });
  const readyCb = useRef(onReady);
  useEffect(() => {
    info.current = { level, total, cells };
    readyCb.current = onReady;
  });
  useEffect(() => {
    if (data) pending.current = data;
  }, [data]);
  return useCallback(() => {
    if (!pending.current) return;
    pending.current = null;
    markReady(info.current.level, info.current.total, info.current.cells);
    readyCb.current?.();
  }, []);
}

interface Crumb {
  readonly label: string;
  readonly level: Level;
  readonly from: string;
  readonly to: string;
}

function TimeHeatmap({ assetKey, selection, onSelect, onReady }: HeatmapProps) {
  const navigate = useNavigate();
  const [path, setPath] = useState<Crumb[]>([]);
  // The first answer may come from the page's prefetch (see usePrefetchSummary); later ones from the network.
  const [drilled, setDrilled] = useState(false);
  const here = path.at(-1);
  const variables = useMemo(() => (here ? { key: assetKey, level: here.level, from: here.from, to: here.to } : { key: assetKey }), [assetKey, here]);
  const [{ data, error, fetching }, reexecute] = useQuery<SummaryData>({ query: SUMMARY_QUERY, variables, requestPolicy: drilled ? 'network-only' : 'cache-first' });
  const tick = useLiveTick((e) => e.assetKey === assetKey);
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);

  const summary = data?.asset.__typename === 'Asset' && 'statusSummary' in data.asset ? data.asset.statusSummary : null;
  const cells = useMemo(() => (summary ? cellsOf(summary.dimensions[0]?.buckets ?? []) : []), [summary]);
  const level = cells[0] ? (levelOfLabel(cells[0].label) ?? 'KEY') : '—';
  const [cellSel, setCellSel] = useState<CellRange | null>(null);
  const painted = useReadyMarker(summary, level, summary?.total.total ?? 0, cells.length, onReady);

  const drill = (crumbs: Crumb[]) => {
    performance.mark('weft-heatmap-drill');
    setDrilled(true);
    setCellSel(null);
    onSelect(null);
    setPath(crumbs);
  };
  const activate = (i: number) => {
    const cell = cells[i];
    if (!cell) return;
    const lvl = levelOfLabel(cell.label);
    const next = lvl ? nextLevel(lvl) : null;
    if (cell.partition || !next) {
      void navigate(partitionPath(assetKey, cell.firstKey));
      return;
    }
    drill([...path, { label: cell.label, level: next, from: cell.firstKey, to: cell.lastKey }]);
  };
  const select = (r: CellRange) => {
    setCellSel(r);
    const lo = Math.min(r.from, r.to);
    const hi = Math.max(r.from, r.to);
    const a = cells[lo];
    const b = cells[hi];
    if (a && b) onSelect({ first: a.firstKey, last: b.lastKey, count: cells.slice(lo, hi + 1).reduce((n, c) => n + c.count, 0) });
  };
  const message = data?.asset && 'message' in data.asset ? data.asset.message : null;
  return (
    <div className="heatmap" data-testid="heatmap" data-level={level} data-fetching={fetching ? 'yes' : 'no'}>
      <nav className="heatmap-crumbs" data-testid="heatmap-crumbs" aria-label="heatmap level">
        <button type="button" className="link" onClick={() => drill([])} disabled={path.length === 0}>
          all
        </button>
        {path.map((c, i) => (
          <span key={c.label}>
            {' › '}
            <button type="button" className="link" data-testid="heatmap-crumb" onClick={() => drill(path.slice(0, i + 1))} disabled={i === path.length - 1}>
              {c.label}
            </button>
          </span>
        ))}
        <span className="muted level-name"> · {level === '—' ? '' : `${level.toLowerCase()}s`}{fetching ? ' · loading…' : ''}</span>
      </nav>
      {error ? <ErrorBox message={error.message} /> : null}
      {message ? <ErrorBox message={message} /> : null}
      {summary ? <Legend counts={summary.total} title={here ? here.label : 'all partitions'} /> : <div className="heatmap-placeholder">Loading the partition summary…</div>}
      {summary ? <HeatmapCanvas cells={cells} selection={selection ? cellSel : null} onActivate={activate} onSelect={select} onPainted={painted} /> : null}
    </div>
  );
}

interface KeysPage {
  readonly asset:
    | { readonly __typename: 'Asset'; readonly statusCounts: Counts; readonly partitions: { readonly totalCount: number; readonly hasNextPage: boolean; readonly endCursor: string | null; readonly nodes: ReadonlyArray<{ readonly key: string; readonly status: string }> } }
    | { readonly __typename: string; readonly message: string };
}

const KEYS_QUERY = `query HeatmapKeys($key: String!, $after: String) {
  asset(key: $key) {
    __typename
    ... on Asset {
      statusCounts { fresh stale failed checkFailed running blocked missing total }
      partitions(first: 1000, after: $after) { totalCount hasNextPage endCursor nodes { key status } }
    }
    ... on Error { message }
  }
}`;

function KeysHeatmap({ assetKey, selection, onSelect, onReady }: HeatmapProps) {
  const navigate = useNavigate();
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const after = cursors.at(-1) ?? null;
  const [{ data, error }, reexecute] = useQuery<KeysPage>({ query: KEYS_QUERY, variables: { key: assetKey, after }, requestPolicy: 'network-only' });
  const tick = useLiveTick((e) => e.assetKey === assetKey);
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);
  const asset = data?.asset.__typename === 'Asset' && 'partitions' in data.asset ? data.asset : null;
  const cells = useMemo<Cell[]>(() => (asset ? asset.partitions.nodes.map((n) => ({ label: n.key, short: n.key, firstKey: n.key, lastKey: n.key, count: 1, counts: countsOfOne(statusOfEnum(n.status)), partition: true })) : []), [asset]);
  const [cellSel, setCellSel] = useState<CellRange | null>(null);
  const painted = useReadyMarker(asset, 'KEY', asset?.statusCounts.total ?? 0, cells.length, onReady);
  const page = cursors.length;
  return (
    <div className="heatmap" data-testid="heatmap" data-level="KEY">
      {error ? <ErrorBox message={error.message} /> : null}
      {asset ? <Legend counts={asset.statusCounts} title="all partitions" /> : <div className="heatmap-placeholder">Loading partitions…</div>}
      {asset && asset.partitions.totalCount > 1000 ? (
        <div className="heatmap-pager">
          <button type="button" disabled={page === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            ‹ Previous
          </button>
          <span className="muted">
            keys {fmtInt((page - 1) * 1000 + 1)} – {fmtInt((page - 1) * 1000 + cells.length)} of {fmtInt(asset.partitions.totalCount)}
          </span>
          <button type="button" disabled={!asset.partitions.hasNextPage} onClick={() => setCursors([...cursors, asset.partitions.endCursor])}>
            Next ›
          </button>
        </div>
      ) : null}
      {asset ? (
        <HeatmapCanvas
          cells={cells}
          selection={selection ? cellSel : null}
          onActivate={(i) => {
            const c = cells[i];
            if (c) void navigate(partitionPath(assetKey, c.firstKey));
          }}
          onSelect={(r) => {
            setCellSel(r);
            const lo = Math.min(r.from, r.to);
            const hi = Math.max(r.from, r.to);
            onSelect({ first: cells[lo]!.firstKey, last: cells[hi]!.lastKey, count: hi - lo + 1 });
          }}
          onPainted={painted}
        />
      ) : null}
    </div>
  );
}
