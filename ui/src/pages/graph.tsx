/**
 * The asset graph (`/`): every asset of the location laid out left to right by elkjs and drawn by
 * React Flow, coloured by the worst status it has partitions in, with counts. Search, a group
 * filter and a focus on one asset's upstream/downstream; big graphs start with groups collapsed
 * and only the boxes in view are rendered. Colours follow the live events.
 */
import { ReactFlow, ReactFlowProvider, Background, Controls, MarkerType, MiniMap, Position, useReactFlow, type DefaultEdgeOptions, type Edge, type Node, type NodeHandle } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { useLiveTick } from '../api/live';
import { ErrorBox, Loading, STATUS_COLOURS, STATUS_LABELS } from '../components/status';
import '../graph/graph.css';
import { GROUP_HEIGHT, GROUP_WIDTH, layout, NODE_HEIGHT, NODE_WIDTH, type Positions } from '../graph/layout';
import { addCounts, buildView, COLLAPSE_ABOVE, SEVERITY, worstStatus, zeroCounts, type GraphAsset, type GraphEdge } from '../graph/model';
import { NODE_TYPES, type AssetNodeData, type GroupNodeData } from '../graph/nodes';
import { assetPath, fmtInt } from '../lib/format';

const GRAPH_QUERY = `query Graph($location: String) {
  assetGraph(location: $location) {
    nodes { key group kind statusCounts { fresh stale failed checkFailed running blocked missing total } }
    edges { from to }
  }
}`;

interface GraphData {
  assetGraph: { nodes: GraphAsset[]; edges: GraphEdge[] };
}

export function GraphPage() {
  return (
    <ReactFlowProvider>
      <GraphView />
    </ReactFlowProvider>
  );
}

const EMPTY_ASSETS: GraphAsset[] = [];
const EDGE_OPTIONS: DefaultEdgeOptions = { style: { stroke: '#8a94a6', strokeWidth: 1.5 }, markerEnd: { type: MarkerType.ArrowClosed, color: '#8a94a6', width: 14, height: 14 } };
/** Fitting a big graph whole would make its boxes unreadable: below this zoom the middle is shown (the minimap has the rest). */
const READABLE_ZOOM = 0.5;

/**
 * Boxes have fixed sizes, so their size and handles are given, not measured: a box whose data
 * changes (a colour, a count) keeps its arrows without waiting for the DOM to be measured again.
 */
function fixedSize(width: number, height: number): { width: number; height: number; measured: { width: number; height: number }; handles: NodeHandle[] } {
  return {
    width,
    height,
    measured: { width, height },
    handles: [
      { type: 'target', position: Position.Left, x: 0, y: height / 2, width: 1, height: 1 },
      { type: 'source', position: Position.Right, x: width - 1, y: height / 2, width: 1, height: 1 },
    ],
  };
}
const ASSET_SIZE = fixedSize(NODE_WIDTH, NODE_HEIGHT);
const GROUP_SIZE = fixedSize(GROUP_WIDTH, GROUP_HEIGHT);
const EMPTY_EDGES: GraphEdge[] = [];

function GraphView() {
  const [params, setParams] = useSearchParams();
  const location = params.get('location');
  const q = params.get('q') ?? '';
  const group = params.get('group') ?? '';
  const focus = params.get('focus');
  const depth = Math.max(1, Math.min(50, Number(params.get('depth') ?? 2) || 2));
  const direction = (['both', 'upstream', 'downstream'] as const).find((d) => d === params.get('dir')) ?? 'both';
  const [search, setSearch] = useState(q);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const navigate = useNavigate();
  const flow = useReactFlow();

  const [{ data, error, fetching }, reexecute] = useQuery<GraphData>({ query: GRAPH_QUERY, variables: { location } });
  const tick = useLiveTick();
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);

  const assets = data?.assetGraph.nodes ?? EMPTY_ASSETS;
  const edges = data?.assetGraph.edges ?? EMPTY_EDGES;
  const groups = useMemo(() => [...new Set(assets.map((a) => a.group))].sort(), [assets]);
  const totals = useMemo(() => {
    const t = zeroCounts();
    for (const a of assets) addCounts(t, a.statusCounts);
    return t;
  }, [assets]);

  const setParam = useCallback(
    (changes: Record<string, string | null>) => {
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          for (const [k, v] of Object.entries(changes)) {
            if (v === null || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const view = useMemo(() => buildView(assets, edges, { group, focus, depth, direction, expanded }), [assets, edges, group, focus, depth, direction, expanded]);
  const collapsing = view.nodes.some((n) => n.type === 'group') || expanded.size > 0;

  // Layout runs only when the boxes or arrows change; colours and counts are merged in below.
  const [positions, setPositions] = useState<(Positions & { shape: string }) | null>(null);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  useEffect(() => {
    if (view.nodes.length === 0) return;
    let live = true;
    layout(
      view.shape,
      view.nodes.map((n) => ({ id: n.id, type: n.type })),
      view.edges,
    ).then(
      (p) => {
        if (live) setPositions({ ...p, shape: view.shape });
      },
      (e: unknown) => {
        if (live) setLayoutError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      live = false;
    };
  }, [view]);
  const laidOut = positions !== null && positions.shape === view.shape;

  const needle = q.trim().toLowerCase();
  const matches = useMemo(() => (needle ? assets.filter((a) => a.key.toLowerCase().includes(needle)) : []), [assets, needle]);
  const matchSet = useMemo(() => new Set(matches.map((a) => a.key)), [matches]);
  const matchesByGroup = useMemo(() => {
    const m = new Map<string, number>();
    for (const a of matches) m.set(a.group, (m.get(a.group) ?? 0) + 1);
    return m;
  }, [matches]);

  const onFocus = useCallback((key: string) => setParam({ focus: key }), [setParam]);

  const flowNodes = useMemo<Node[]>(() => {
    if (!laidOut) return [];
    return view.nodes.map((n): Node => {
      const position = positions.byId.get(n.id) ?? { x: 0, y: 0 };
      if (n.type === 'asset') {
        const hit = matchSet.has(n.id);
        const d: AssetNodeData = { key: n.asset.key, group: n.asset.group, kind: n.asset.kind, counts: n.asset.statusCounts, highlighted: hit || n.id === focus, dimmed: needle !== '' && !hit, onFocus };
        return { id: n.id, type: 'asset', position, data: d, ...ASSET_SIZE, draggable: false, connectable: false };
      }
      const hits = matchesByGroup.get(n.group) ?? 0;
      const d: GroupNodeData = { group: n.group, size: n.keys.length, counts: n.counts, highlighted: hits > 0, matches: hits };
      return { id: n.id, type: 'assetGroup', position, data: d, ...GROUP_SIZE, draggable: false, connectable: false };
    });
  }, [laidOut, positions, view, matchSet, matchesByGroup, needle, focus, onFocus]);
  const flowEdges = useMemo<Edge[]>(() => (laidOut ? view.edges.map((e) => ({ ...e, focusable: false })) : []), [laidOut, view]);

  // Fit the whole graph after each new layout, or the search's matches when one was asked for.
  const zoomTo = useRef<string | null>(null);
  useEffect(() => {
    if (!laidOut) return;
    const frame = requestAnimationFrame(() => {
      const wanted = zoomTo.current;
      zoomTo.current = null;
      const ids = wanted ? flowNodes.filter((n) => (n.type === 'asset' ? n.id.toLowerCase().includes(wanted) : (matchesByGroup.get((n.data as GroupNodeData).group) ?? 0) > 0)).map((n) => ({ id: n.id })) : [];
      void flow.fitView(ids.length ? { nodes: ids, padding: 0.3, maxZoom: 1.2, duration: 200 } : { padding: 0.1, maxZoom: 1.1, minZoom: READABLE_ZOOM });
    });
    return () => cancelAnimationFrame(frame);
    // Only a new layout (or a new search) moves the viewport, not a colour change.
  }, [laidOut, positions, flow]); // eslint-disable-line react-hooks/exhaustive-deps

  const runSearch = (text: string) => {
    const needleNow = text.trim().toLowerCase();
    setParam({ q: text.trim() || null });
    if (!needleNow) return;
    zoomTo.current = needleNow;
    // Open the (few) collapsed groups the matches are in, so the matching assets themselves show.
    const inGroups = new Set(assets.filter((a) => a.key.toLowerCase().includes(needleNow)).map((a) => a.group));
    if (collapsing && inGroups.size > 0 && inGroups.size <= 3) setExpanded((e) => new Set([...e, ...inGroups]));
    else if (laidOut) {
      const ids = view.nodes.filter((n) => (n.type === 'asset' ? n.id.toLowerCase().includes(needleNow) : inGroups.has(n.group))).map((n) => ({ id: n.id }));
      zoomTo.current = null;
      if (ids.length) void flow.fitView({ nodes: ids, padding: 0.3, maxZoom: 1.2, duration: 200 });
    }
  };

  if (error && !data) return <ErrorBox message={error.message} />;
  if (!data) return <Loading what="the asset graph" />;

  return (
    <div className="graph-page" data-testid="graph" data-ready={laidOut || view.nodes.length === 0 ? 'true' : 'false'} data-assets={assets.length} data-boxes={view.nodes.length} data-layout-ms={positions ? Math.round(positions.ms) : ''}>
      <div className="graph-toolbar">
        <form
          className="graph-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            runSearch(search);
          }}
        >
          <input type="search" aria-label="Search assets" placeholder="Search asset keys…" value={search} onChange={(e) => setSearch(e.target.value)} list="graph-keys" />
          <button type="submit">Find</button>
          {needle ? (
            <span className="muted" data-testid="graph-matches">
              {fmtInt(matches.length)} {matches.length === 1 ? 'match' : 'matches'}
            </span>
          ) : null}
        </form>
        <label className="graph-field">
          Group
          <select aria-label="Group" value={group} onChange={(e) => setParam({ group: e.target.value || null })}>
            <option value="">all groups</option>
            {groups.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        {focus !== null ? (
          <span className="graph-focus" data-testid="graph-focus">
            Focus: <strong>{focus}</strong>
            <select aria-label="Direction" value={direction} onChange={(e) => setParam({ dir: e.target.value === 'both' ? null : e.target.value })}>
              <option value="both">up- and downstream</option>
              <option value="upstream">upstream</option>
              <option value="downstream">downstream</option>
            </select>
            <select aria-label="Depth" value={depth} onChange={(e) => setParam({ depth: e.target.value })}>
              {[1, 2, 3, 5, 10, 50].map((d) => (
                <option key={d} value={d}>
                  {d} {d === 1 ? 'step' : 'steps'}
                </option>
              ))}
            </select>
            <button type="button" onClick={() => setParam({ focus: null, depth: null, dir: null })}>
              Clear focus
            </button>
          </span>
        ) : null}
        {expanded.size > 0 ? (
          <button type="button" onClick={() => setExpanded(new Set())}>
            Collapse groups
          </button>
        ) : null}
        <span className="spacer" />
        <span className="graph-summary muted" data-testid="graph-summary">
          {fmtInt(assets.length)} assets · {fmtInt(groups.length)} groups · {fmtInt(edges.length)} edges
          {collapsing ? ` · groups collapsed above ${COLLAPSE_ABOVE} assets (click one to open it)` : ''}
          {fetching ? ' · refreshing' : ''}
        </span>
      </div>
      <div className="graph-legend" data-testid="graph-legend">
        {SEVERITY.map((s) => (
          <span key={s} className="graph-legend-item" data-status={s}>
            <i style={{ background: STATUS_COLOURS[s] }} />
            {STATUS_LABELS[s]} <strong>{fmtInt(totals[s])}</strong>
          </span>
        ))}
        <span className="muted">partitions · a box shows its worst: {SEVERITY.map((s) => STATUS_LABELS[s]).join(' › ')}</span>
      </div>
      {layoutError ? <ErrorBox message={`layout: ${layoutError}`} /> : null}
      <div className="graph-canvas">
        {assets.length === 0 ? (
          <div className="loading">No assets deployed in this location yet.</div>
        ) : view.nodes.length === 0 ? (
          <div className="loading">No asset matches these filters.</div>
        ) : !laidOut ? (
          <Loading what={`the layout of ${fmtInt(view.nodes.length)} boxes`} />
        ) : null}
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={NODE_TYPES}
          defaultEdgeOptions={EDGE_OPTIONS}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          minZoom={0.02}
          maxZoom={2}
          proOptions={{ hideAttribution: true }}
          onNodeClick={(_e, node) => {
            if (node.type === 'assetGroup') {
              const g = (node.data as GroupNodeData).group;
              setExpanded((e) => new Set([...e, g]));
            } else navigate(assetPath(node.id));
          }}
        >
          <Background gap={24} />
          <Controls showInteractive={false} />
          {flowNodes.length <= 2000 ? <MiniMap pannable zoomable nodeColor={(n) => STATUS_COLOURS[worstStatus((n.data as AssetNodeData | GroupNodeData).counts)]} /> : null}
        </ReactFlow>
      </div>
    </div>
  );
}
