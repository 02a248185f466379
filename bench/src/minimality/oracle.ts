/**
 * The minimality oracle: what must be recomputed after source partitions change, worked out the
 * way a reader would by hand, with none of the planner's token code. It keeps every partition's
 * value (the bytes its codec writes) and the inputs it was computed from; after a change it walks
 * the graph upstream first from the changed source partitions, taking the partitions each input
 * mapping says read them (`downstreamFor`), recomputes those values itself, and goes on from a
 * partition only when its value changed (early cutoff). A partition is recomputed when the inputs
 * it reads now were never its inputs before; when they are inputs it was computed from earlier, its
 * earlier materialization is current again ("restored": nothing needs to run).
 */
import { loadDefinitions, RangeSet, type AssetGraph, type AssetKey, type Definition, type GraphNode, type PartitionContext, type PartitionKey, type ResolvedInput } from '@weft/core';

const SEP = '\u0000';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

/** `asset\u0000partition`, the key of the sets the oracle returns. */
export const partitionId = (assetKey: AssetKey, partitionKey: PartitionKey): string => `${assetKey}${SEP}${partitionKey}`;

/** What a change requires. */
export interface Affected {
  /** Partitions whose inputs are new to them: their compute must run. */
  readonly recomputed: Set<string>;
  /** Partitions whose inputs are again ones they were computed from before: their old materialization is current again. */
  readonly restored: Set<string>;
  /** Source partitions whose value changed. */
  readonly changedSources: number;
}

export class MinimalityOracle {
  readonly graph: AssetGraph;
  /** Current value of every partition computed (and every source partition set). */
  readonly bytes = new Map<string, Uint8Array>();
  private readonly inputs = new Map<string, string>();
  private readonly history = new Map<string, Set<string>>();
  private readonly ctx: PartitionContext;

  constructor(
    definitions: readonly Definition[],
    now: number,
    private readonly sourceKey: AssetKey,
  ) {
    this.graph = loadDefinitions(definitions);
    this.ctx = { now, dynamicKeys: () => [] };
  }

  private mappingContext(input: ResolvedInput, node: GraphNode): { upstream: GraphNode['partitions']; downstream: GraphNode['partitions']; partitions: PartitionContext } {
    return { upstream: this.graph.node(input.upstreamKey).partitions, downstream: node.partitions, partitions: this.ctx };
  }

  /** Partition `i` of `node` from its inputs' current values: the inputs it reads and its value; undefined while an input is missing. */
  private compute(node: GraphNode, i: number): { inputs: string; value: Uint8Array } | undefined {
    const values: Record<string, unknown> = {};
    const read: string[] = [];
    for (const input of node.inputs) {
      const up = this.graph.node(input.upstreamKey);
      const r = input.mapping.upstreamFor(RangeSet.range(i, i + 1), this.mappingContext(input, node));
      if (!r.missing.isEmpty() || r.missingKeys.length > 0) return undefined;
      const keys = [...r.existing.values()].map((u) => up.partitions.keyAt(u, this.ctx));
      const decoded = new Map<PartitionKey, unknown>();
      for (const key of keys) {
        const bytes = this.bytes.get(partitionId(up.key, key));
        if (bytes === undefined) return undefined;
        decoded.set(key, up.definition.codec.decode(bytes));
        read.push(`${input.name}:${key}=${hex(bytes)}`);
      }
      values[input.name] = input.cardinality === 'many' ? decoded : decoded.values().next().value;
    }
    const def = node.definition;
    if (def.kind !== 'asset') throw new Error(`${node.key} is not an asset`);
    const partitionKey = node.partitions.keyAt(i, this.ctx);
    const value: unknown = def.compute(values as never, { assetKey: node.key, partitionKey } as never);
    if (value instanceof Promise) throw new Error(`the oracle runs synchronous computes only (${node.key})`);
    return { inputs: read.join('|'), value: def.codec.encode(value) };
  }

  /** Takes partition `i` of `node` to its current inputs; returns whether its value changed. */
  private visit(node: GraphNode, i: number, out: Affected): boolean {
    const r = this.compute(node, i);
    if (!r) return false;
    const id = partitionId(node.key, node.partitions.keyAt(i, this.ctx));
    if (this.inputs.get(id) === r.inputs) return false;
    const history = this.history.get(id) ?? new Set<string>();
    (history.has(r.inputs) ? out.restored : out.recomputed).add(id);
    history.add(r.inputs);
    this.history.set(id, history);
    this.inputs.set(id, r.inputs);
    if (same(this.bytes.get(id), r.value)) return false;
    this.bytes.set(id, r.value);
    return true;
  }

  private setSources(values: ReadonlyMap<PartitionKey, number>): Set<number> {
    const node = this.graph.node(this.sourceKey);
    const changed = new Set<number>();
    for (const [key, v] of values) {
      const bytes = node.definition.codec.encode(v);
      const id = partitionId(this.sourceKey, key);
      if (same(this.bytes.get(id), bytes)) continue;
      this.bytes.set(id, bytes);
      const i = node.partitions.indexOf(key, this.ctx);
      if (i === undefined) throw new Error(`${this.sourceKey} has no partition ${key}`);
      changed.add(i);
    }
    return changed;
  }

  /** The first run: every partition computed from the sources. */
  build(sources: ReadonlyMap<PartitionKey, number>): Affected {
    const out: Affected = { recomputed: new Set(), restored: new Set(), changedSources: this.setSources(sources).size };
    for (const key of this.graph.order) {
      const node = this.graph.node(key);
      if (node.definition.kind !== 'asset') continue;
      const count = node.partitions.count(this.ctx);
      for (let i = 0; i < count; i++) this.visit(node, i, out);
    }
    return out;
  }

  /** Source partitions take new values: what must run (and what is restored), by the mappings from the changed partitions. */
  change(sources: ReadonlyMap<PartitionKey, number>): Affected {
    const changedSources = this.setSources(sources);
    const out: Affected = { recomputed: new Set(), restored: new Set(), changedSources: changedSources.size };
    const changed = new Map<AssetKey, Set<number>>([[this.sourceKey, changedSources]]);
    for (const key of this.graph.order) {
      const node = this.graph.node(key);
      if (node.definition.kind !== 'asset') continue;
      const count = node.partitions.count(this.ctx);
      const candidates = new Set<number>();
      const reach = (input: ResolvedInput, from: Iterable<number>): void => {
        const set = RangeSet.of([...from]);
        if (set.isEmpty()) return;
        for (const d of input.mapping.downstreamFor(set, this.mappingContext(input, node)).values()) if (d < count) candidates.add(d);
      };
      for (const input of node.inputs) if (!input.self) reach(input, changed.get(input.upstreamKey) ?? []);
      const mine = new Set<number>();
      changed.set(key, mine);
      const selfInputs = node.inputs.filter((input) => input.self);
      // Upstream first within the asset too: a partition reading its own earlier partitions comes after them.
      for (let i = 0; i < count; i++) {
        if (!candidates.has(i)) continue;
        if (!this.visit(node, i, out)) continue;
        mine.add(i);
        for (const input of selfInputs) reach(input, [i]);
      }
    }
    return out;
  }
}
