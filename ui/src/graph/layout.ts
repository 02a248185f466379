/**
 * Layered, left-to-right layout by elkjs, run in a Web Worker (elk's own worker script, served
 * from this origin) so a big graph never freezes the page. Layouts are cached by the graph's shape.
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';

export const NODE_WIDTH = 230;
export const NODE_HEIGHT = 66;
export const GROUP_WIDTH = 250;
export const GROUP_HEIGHT = 82;

export interface Positions {
  readonly byId: ReadonlyMap<string, { x: number; y: number }>;
  readonly ms: number;
}

let elk: InstanceType<typeof ELK> | null = null;
const cache = new Map<string, Promise<Positions>>();

export function layout(shape: string, nodes: readonly { id: string; type: 'asset' | 'group' }[], edges: readonly { id: string; source: string; target: string }[]): Promise<Positions> {
  const hit = cache.get(shape);
  if (hit) return hit;
  elk ??= new ELK({ workerUrl: elkWorkerUrl });
  const started = performance.now();
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '24',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // Disconnected pieces side by side, not in one very tall column.
      'elk.separateConnectedComponents': 'true',
      'elk.layered.thoroughness': nodes.length > 150 ? '1' : '7',
    },
    children: nodes.map((n) => ({ id: n.id, width: n.type === 'group' ? GROUP_WIDTH : NODE_WIDTH, height: n.type === 'group' ? GROUP_HEIGHT : NODE_HEIGHT })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const result = elk.layout(graph).then((laid) => {
    const byId = new Map<string, { x: number; y: number }>();
    for (const c of laid.children ?? []) byId.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
    return { byId, ms: performance.now() - started };
  });
  result.catch(() => cache.delete(shape));
  if (cache.size > 20) cache.delete(cache.keys().next().value!);
  cache.set(shape, result);
  return result;
}
