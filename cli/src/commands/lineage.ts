/**
 * `weft lineage <asset> <partition>`: the provenance of a partition's current materialization as
 * a tree: what it was made from (or, with `--down`, what was made from it), each node with its
 * partition, data version, code version and when it was made.
 */
import type { Output } from '../database.js';
import { EXIT } from '../exit-codes.js';
import { short, when } from '../format/text.js';
import { OptionError } from '../options.js';
import { ERROR_FIELDS, unwrap, type UnionResult } from '../remote/api-error.js';
import { connect, type RemoteOptions } from '../remote/target.js';

/** Options of `weft lineage`. */
export interface LineageOptions extends RemoteOptions {
  readonly depth?: number | undefined;
  readonly down?: boolean | undefined;
  readonly json: boolean;
}

interface Node {
  readonly materializationId: string;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly depth: number;
  readonly codeVersion: string;
  readonly dataVersion: string;
  readonly finishedAt: string;
}
interface Edge {
  readonly downstreamId: string;
  readonly inputName: string;
  readonly upstreamId: string;
}
interface Unresolved {
  readonly downstreamId: string;
  readonly inputName: string;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly dataVersion: string | null;
}
interface Lineage extends UnionResult {
  readonly root: Node | null;
  readonly nodes: Node[];
  readonly edges: Edge[];
  readonly unresolved: Unresolved[];
}

const NODE = 'materializationId assetKey partitionKey depth codeVersion dataVersion finishedAt';
const QUERY = `query Lineage($asset: String!, $partition: String!, $depth: Int, $direction: LineageDirection, $location: String) {
  lineage(assetKey: $asset, partitionKey: $partition, depth: $depth, direction: $direction, location: $location) {
    ${ERROR_FIELDS}
    ... on Lineage { root { ${NODE} } nodes { ${NODE} } edges { downstreamId inputName upstreamId } unresolved { downstreamId inputName assetKey partitionKey dataVersion } }
  }
}`;

/** Children of one input shown before the rest are summed up. */
const MAX_CHILDREN = 12;

/** Renders a lineage as tree lines (nodes met again are named, not expanded again). */
export function lineageTree(lineage: Lineage, down: boolean, now = Date.now()): string[] {
  const root = lineage.root!;
  const byId = new Map(lineage.nodes.map((n) => [n.materializationId, n]));
  byId.set(root.materializationId, root);
  const describe = (n: Node): string => `${n.assetKey} ${n.partitionKey || '(unpartitioned)'}  data ${short(n.dataVersion)}  code ${short(n.codeVersion)}  ${when(n.finishedAt, now)}`;
  const lines = [describe(root)];
  const shown = new Set<string>([root.materializationId]);
  const walk = (id: string, prefix: string): void => {
    const children: Array<{ input: string; text: string; id?: string }> = [];
    for (const e of lineage.edges) {
      if ((down ? e.upstreamId : e.downstreamId) !== id) continue;
      const other = byId.get(down ? e.downstreamId : e.upstreamId);
      if (other) children.push({ input: e.inputName, text: describe(other), id: other.materializationId });
    }
    if (!down) {
      for (const u of lineage.unresolved) {
        if (u.downstreamId === id) children.push({ input: u.inputName, text: `${u.assetKey} ${u.partitionKey}  data ${short(u.dataVersion)}  (a source observation, or removed by retention)` });
      }
    }
    children.sort((a, b) => a.input.localeCompare(b.input) || a.text.localeCompare(b.text));
    // Long runs of one input (a rollup of 720 hours) are cut after the first few.
    const perInput = new Map<string, number>();
    const visible = children.filter((c) => {
      const n = (perInput.get(c.input) ?? 0) + 1;
      perInput.set(c.input, n);
      return n <= MAX_CHILDREN;
    });
    const hidden = [...perInput].filter(([, n]) => n > MAX_CHILDREN);
    const items = [...visible.map((c) => ({ ...c, summary: false })), ...hidden.map(([input, n]) => ({ input, text: `… and ${n - MAX_CHILDREN} more`, summary: true, id: undefined }))];
    items.forEach((c, i) => {
      const last = i === items.length - 1;
      const again = c.id !== undefined && shown.has(c.id);
      const label = c.summary ? c.text : `${down ? 'read by ' : ''}${c.input}: ${c.text}${again ? '  (shown above)' : ''}`;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label}`);
      if (c.id !== undefined && !again) {
        shown.add(c.id);
        walk(c.id, `${prefix}${last ? '   ' : '│  '}`);
      }
    });
  };
  walk(root.materializationId, '');
  return lines;
}

/** `weft lineage`. */
export async function runLineage(asset: string, partition: string, options: LineageOptions, out: Output): Promise<number> {
  const depth = options.depth ?? 3;
  if (!Number.isInteger(depth) || depth < 1 || depth > 50) throw new OptionError(`--depth must be a whole number from 1 to 50, got ${String(options.depth)}`);
  const client = connect(options);
  const data = await client.request<{ lineage: UnionResult }>(QUERY, { asset, partition, depth, direction: options.down ? 'DOWNSTREAM' : 'UPSTREAM', location: options.location ?? null });
  const lineage = unwrap<Lineage>(data.lineage, 'Lineage');
  if (options.json) {
    const { __typename: _t, ...rest } = lineage;
    out.log(JSON.stringify({ direction: options.down ? 'downstream' : 'upstream', depth, ...rest }));
    return lineage.root ? EXIT.ok : EXIT.failed;
  }
  if (!lineage.root) {
    out.error(`weft lineage: ${asset} ${partition} was never materialized: it has no lineage yet (\`weft why ${asset} ${partition}\` says why)`);
    return EXIT.failed;
  }
  for (const line of lineageTree(lineage, options.down ?? false)) out.log(line);
  return EXIT.ok;
}
