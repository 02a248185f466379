/**
 * The asset graph as the page shows it: which boxes (assets, or whole groups collapsed into one
 * box) and which arrows, from the API's `assetGraph` and the page's filters. Pure functions, so
 * the layout only runs again when the structure changes, not when a colour does.
 */
import { STATUSES, type Status } from '../components/status';

export type Counts = Readonly<Record<Status | 'total', number>>;

export interface GraphAsset {
  readonly key: string;
  readonly group: string;
  readonly kind: 'ASSET' | 'SOURCE';
  readonly statusCounts: Counts;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
}

/** Above this many assets, groups start collapsed (one box each) until expanded. */
export const COLLAPSE_ABOVE = 300;

/**
 * The colour of a box: the worst status that has partitions. Failures first, then what blocks
 * or is being worked on, then what is behind; fresh only when everything is.
 */
export const SEVERITY: readonly Status[] = ['failed', 'checkFailed', 'blocked', 'running', 'stale', 'missing', 'fresh'];

export function worstStatus(counts: Counts): Status {
  for (const s of SEVERITY) if (counts[s] > 0) return s;
  return 'missing';
}

export function addCounts(into: Record<Status | 'total', number>, c: Counts): void {
  for (const s of STATUSES) into[s] += c[s];
  into.total += c.total;
}

export const zeroCounts = (): Record<Status | 'total', number> => ({ fresh: 0, stale: 0, failed: 0, checkFailed: 0, running: 0, blocked: 0, missing: 0, total: 0 });

export type ViewNode =
  | { readonly type: 'asset'; readonly id: string; readonly asset: GraphAsset }
  | { readonly type: 'group'; readonly id: string; readonly group: string; readonly keys: readonly string[]; readonly counts: Counts };

export interface View {
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly { readonly id: string; readonly source: string; readonly target: string }[];
  /** A string that changes only when the boxes or arrows do (the layout's cache key). */
  readonly shape: string;
}

export interface ViewOptions {
  /** Only assets of this group ('' for all). */
  readonly group: string;
  /** Only this asset and what is up/downstream of it, `depth` steps. */
  readonly focus: string | null;
  readonly depth: number;
  readonly direction: 'both' | 'upstream' | 'downstream';
  /** Groups shown asset by asset although the graph is big. */
  readonly expanded: ReadonlySet<string>;
  readonly collapseAbove?: number;
}

export const groupId = (group: string): string => `group:${group}`;

/** Keys within `depth` steps of `focus` over the edges, in the chosen direction(s). */
export function neighbourhood(edges: readonly GraphEdge[], focus: string, depth: number, direction: ViewOptions['direction']): Set<string> {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const e of edges) {
    (up.get(e.to) ?? up.set(e.to, []).get(e.to)!).push(e.from);
    (down.get(e.from) ?? down.set(e.from, []).get(e.from)!).push(e.to);
  }
  const seen = new Set([focus]);
  const walk = (next: Map<string, string[]>) => {
    let frontier = [focus];
    for (let d = 0; d < depth && frontier.length; d++) {
      const n: string[] = [];
      for (const k of frontier)
        for (const m of next.get(k) ?? [])
          if (!seen.has(m)) {
            seen.add(m);
            n.push(m);
          }
      frontier = n;
    }
  };
  if (direction !== 'downstream') walk(up);
  if (direction !== 'upstream') walk(down);
  return seen;
}

export function buildView(assets: readonly GraphAsset[], edges: readonly GraphEdge[], o: ViewOptions): View {
  let shown = assets;
  if (o.focus !== null) {
    const near = neighbourhood(edges, o.focus, o.depth, o.direction);
    shown = shown.filter((a) => near.has(a.key));
  }
  if (o.group) shown = shown.filter((a) => a.group === o.group);
  // A focus or a one-group filter is small enough to show asset by asset; otherwise collapse when big.
  const collapse = o.focus === null && !o.group && shown.length > (o.collapseAbove ?? COLLAPSE_ABOVE);
  const boxOf = new Map<string, string>();
  const nodes: ViewNode[] = [];
  const groups = new Map<string, { keys: string[]; counts: Record<Status | 'total', number> }>();
  for (const a of shown) {
    if (collapse && !o.expanded.has(a.group)) {
      let g = groups.get(a.group);
      if (!g) {
        g = { keys: [], counts: zeroCounts() };
        groups.set(a.group, g);
      }
      g.keys.push(a.key);
      addCounts(g.counts, a.statusCounts);
      boxOf.set(a.key, groupId(a.group));
    } else {
      nodes.push({ type: 'asset', id: a.key, asset: a });
      boxOf.set(a.key, a.key);
    }
  }
  for (const [group, g] of groups) nodes.push({ type: 'group', id: groupId(group), group, keys: g.keys, counts: g.counts });
  const seen = new Set<string>();
  const viewEdges: { id: string; source: string; target: string }[] = [];
  for (const e of edges) {
    const source = boxOf.get(e.from);
    const target = boxOf.get(e.to);
    if (source === undefined || target === undefined || source === target) continue;
    const id = `${source}->${target}`;
    if (seen.has(id)) continue;
    seen.add(id);
    viewEdges.push({ id, source, target });
  }
  const shape = `${nodes.map((n) => n.id).join('\n')}\n--\n${viewEdges.map((e) => e.id).join('\n')}`;
  return { nodes, edges: viewEdges, shape };
}
