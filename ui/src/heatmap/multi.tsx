/**
 * A multi-dimensional asset as a grid: two chosen dimensions as rows and columns, every other
 * dimension a filter (one key each). Each dimension's keys and marginal counts come from
 * `statusSummary(dimension:)`; the cells' statuses from the partitions, paged (at most
 * {@link MAX_PARTITIONS}).
 */
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { useClient } from 'urql';
import { useLiveTick } from '../api/live';
import { ErrorBox } from '../components/status';
import { fmtInt, partitionPath } from '../lib/format';
import { gridPitch, HeatmapCanvas, type CellRange } from './canvas';
import type { HeatmapProps } from './heatmap';
import { Legend } from './heatmap';
import { COUNTS_FIELDS, countsOfOne, emptyCounts, markReady, statusOfEnum, type Cell, type Counts } from './model';

const MAX_PARTITIONS = 20_000;

/** `a=1|b=x` → { a: '1', b: 'x' } (values keep any `=`). */
export function decodeMultiKey(key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of key.split('|')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

interface Loaded {
  readonly total: Counts;
  readonly keys: Record<string, string[]>;
  readonly partitions: ReadonlyArray<{ key: string; status: string }>;
  readonly truncated: boolean;
}

type AnyAsset = { __typename: string; message?: string } & Record<string, unknown>;

export function MultiGrid({ assetKey, dimensions, onSelect, onReady }: HeatmapProps) {
  const client = useClient();
  const navigate = useNavigate();
  const [rowDim, setRowDim] = useState(dimensions[0] ?? '');
  const [colDim, setColDim] = useState(dimensions[1] ?? '');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [width, setWidth] = useState(0);
  const [cellSel, setCellSel] = useState<CellRange | null>(null);
  const tick = useLiveTick((e) => e.assetKey === assetKey);

  useEffect(() => {
    let stopped = false;
    const dims = dimensions.map((d, i) => `d${i}: statusSummary(dimension: ${JSON.stringify(d)}, level: HOUR, maxBuckets: 10000) { dimensions { dimension buckets { firstKey } } }`).join('\n');
    const load = async () => {
      const head = await client.query<{ asset: AnyAsset }>(`query MultiHead($key: String!) { asset(key: $key) { __typename ... on Asset { statusSummary { total { ${COUNTS_FIELDS} } } ${dims} } ... on Error { message } } }`, { key: assetKey }, { requestPolicy: 'network-only' }).toPromise();
      if (head.error || !head.data) throw new Error(head.error?.message ?? 'no answer');
      const a = head.data.asset;
      if (a.__typename !== 'Asset') throw new Error(a.message ?? a.__typename);
      const keys: Record<string, string[]> = {};
      dimensions.forEach((d, i) => {
        const s = a[`d${i}`] as { dimensions: Array<{ buckets: Array<{ firstKey: string }> }> };
        keys[d] = s.dimensions[0]?.buckets.map((b) => b.firstKey) ?? [];
      });
      const partitions: Array<{ key: string; status: string }> = [];
      let after: string | null = null;
      let more = true;
      while (more && partitions.length < MAX_PARTITIONS && !stopped) {
        const page = await client
          .query<{ asset: AnyAsset }>(`query MultiPage($key: String!, $after: String) { asset(key: $key) { __typename ... on Asset { partitions(first: 1000, after: $after) { hasNextPage endCursor nodes { key status } } } ... on Error { message } } }`, { key: assetKey, after }, { requestPolicy: 'network-only' })
          .toPromise();
        if (page.error || !page.data) throw new Error(page.error?.message ?? 'no answer');
        const p = page.data.asset['partitions'] as { hasNextPage: boolean; endCursor: string | null; nodes: Array<{ key: string; status: string }> };
        partitions.push(...p.nodes);
        more = p.hasNextPage;
        after = p.endCursor;
      }
      const summary = a['statusSummary'] as { total: Counts };
      return { total: summary.total, keys, partitions, truncated: more };
    };
    load().then(
      (l) => {
        if (!stopped) {
          setLoaded(l);
          setError(null);
        }
      },
      (e: unknown) => {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      stopped = true;
    };
  }, [client, assetKey, dimensions, tick]);

  const others = dimensions.filter((d) => d !== rowDim && d !== colDim);
  const grid = useMemo(() => {
    if (!loaded) return null;
    const rows = loaded.keys[rowDim] ?? [];
    const cols = loaded.keys[colDim] ?? [];
    const byKey = new Map<string, { key: string; status: string }>();
    for (const p of loaded.partitions) {
      const parts = decodeMultiKey(p.key);
      if (others.some((o) => parts[o] !== (filters[o] ?? loaded.keys[o]?.[0]))) continue;
      byKey.set(`${parts[rowDim]}\u0000${parts[colDim]}`, p);
    }
    const cells: Cell[] = [];
    const shown = emptyCounts();
    for (const r of rows)
      for (const c of cols) {
        const p = byKey.get(`${r}\u0000${c}`);
        const counts = p ? countsOfOne(statusOfEnum(p.status)) : emptyCounts();
        if (p) for (const k of Object.keys(counts) as Array<keyof Counts>) shown[k] += counts[k];
        cells.push({ label: `${rowDim}=${r} · ${colDim}=${c}`, short: '', firstKey: p?.key ?? '', lastKey: p?.key ?? '', count: 1, counts, partition: true });
      }
    return { rows, cols, cells, shown };
  }, [loaded, rowDim, colDim, filters, others]);

  const [marked, setMarked] = useState<unknown>(null);
  const painted = () => {
    if (!grid || marked === grid) return;
    setMarked(grid);
    markReady('GRID', loaded?.total.total ?? 0, grid.cells.length);
    onReady?.();
  };

  const { row: pitch, col: colPitch } = grid && width > 0 ? gridPitch(width, Math.max(1, grid.cols.length)) : { row: 0, col: 0 };
  return (
    <div className="heatmap multi" data-testid="heatmap" data-level="GRID">
      <div className="grid-controls">
        <label>
          rows{' '}
          <select
            data-testid="grid-rows"
            value={rowDim}
            onChange={(e) => {
              // Choosing the columns' dimension swaps the two.
              if (e.target.value === colDim) setColDim(rowDim);
              setRowDim(e.target.value);
            }}
          >
            {dimensions.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          columns{' '}
          <select
            data-testid="grid-cols"
            value={colDim}
            onChange={(e) => {
              if (e.target.value === rowDim) setRowDim(colDim);
              setColDim(e.target.value);
            }}
          >
            {dimensions.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        {others.map((o) => (
          <label key={o}>
            {o}{' '}
            <select data-testid={`grid-filter-${o}`} value={filters[o] ?? loaded?.keys[o]?.[0] ?? ''} onChange={(e) => setFilters({ ...filters, [o]: e.target.value })}>
              {(loaded?.keys[o] ?? []).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {error ? <ErrorBox message={error} /> : null}
      {loaded ? <Legend counts={loaded.total} title="all partitions" /> : <div className="heatmap-placeholder">Loading the grid…</div>}
      {loaded?.truncated ? <div className="muted">Showing the first {fmtInt(loaded.partitions.length)} partitions.</div> : null}
      {grid ? (
        <div className="grid-wrap">
          <div className="grid-rowlabels" style={{ paddingTop: 22 }}>
            {grid.rows.map((r) => (
              <div key={r} style={{ height: pitch }} title={r} data-testid="grid-row-label">
                {r}
              </div>
            ))}
          </div>
          <div className="grid-main">
            <div className="grid-collabels">
              {grid.cols.map((c) => (
                <div key={c} style={{ width: colPitch }} title={c} data-testid="grid-col-label">
                  {c}
                </div>
              ))}
            </div>
            <HeatmapCanvas
              cells={grid.cells}
              columns={Math.max(1, grid.cols.length)}
              onWidth={setWidth}
              selection={cellSel}
              onActivate={(i) => {
                const c = grid.cells[i];
                if (c?.firstKey) void navigate(partitionPath(assetKey, c.firstKey));
              }}
              onSelect={(r) => {
                setCellSel(r);
                const a = grid.cells[Math.min(r.from, r.to)];
                const b = grid.cells[Math.max(r.from, r.to)];
                if (a?.firstKey && b?.lastKey) onSelect({ first: a.firstKey, last: b.lastKey, count: Math.abs(r.to - r.from) + 1 });
              }}
              onPainted={painted}
            />
          </div>
        </div>
      ) : null}
    </div>
  );
}
