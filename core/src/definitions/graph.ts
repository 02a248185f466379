import { DefinitionError, WeftError } from '../errors.js';
import { defaultMapping } from '../partitions/mappings/default-mapping.js';
import type { MappingCardinality, PartitionMapping } from '../partitions/mappings/types.js';
import { RangeSet } from '../partitions/sets/range-set.js';
import type { PartitionContext, PartitionsDefinition } from '../partitions/types.js';
import type { AssetKey, Definition, InputSpec } from './types.js';

/** An input after loading: its upstream asset and the mapping in force. */
export interface ResolvedInput {
  readonly name: string;
  readonly upstreamKey: AssetKey;
  readonly mapping: PartitionMapping;
  readonly cardinality: MappingCardinality;
  /** The asset reads earlier partitions of itself through this input. */
  readonly self: boolean;
  readonly respectBlockingChecks: boolean;
}

/** One asset or source of a loaded graph. */
export interface GraphNode {
  readonly key: AssetKey;
  readonly definition: Definition;
  readonly partitions: PartitionsDefinition;
  readonly inputs: readonly ResolvedInput[];
  /** Inputs of other assets (and self inputs) that read this one. */
  readonly downstream: ReadonlyArray<{ readonly assetKey: AssetKey; readonly input: ResolvedInput }>;
  /** Position in topological order (upstream first). */
  readonly order: number;
}

/** Validated definitions: every key unique, every input resolved, no cycles between partitions. */
export interface AssetGraph {
  readonly nodes: ReadonlyMap<AssetKey, GraphNode>;
  /** Keys in topological order, upstream first. */
  readonly order: readonly AssetKey[];
  node(key: AssetKey): GraphNode;
}

function isDefinition(value: unknown): value is Definition {
  return typeof value === 'object' && value !== null && 'kind' in value && (value.kind === 'asset' || value.kind === 'source') && 'key' in value;
}

/** Picks the assets and sources out of module namespaces (`import * as m`), each once. */
export function collectDefinitions(modules: ReadonlyArray<Readonly<Record<string, unknown>>>): Definition[] {
  const seen = new Set<unknown>();
  const out: Definition[] = [];
  for (const mod of modules) {
    for (const value of Object.values(mod)) {
      if (isDefinition(value) && !seen.has(value)) {
        seen.add(value);
        out.push(value);
      }
    }
  }
  return out;
}

function upstreamOf(spec: InputSpec): { upstream: Definition | { key: string; partitions: PartitionsDefinition }; mapping: PartitionMapping | undefined; respect: boolean; bare: boolean } {
  if (spec.kind === 'input') return { upstream: spec.upstream as Definition, mapping: spec.mapping, respect: spec.options.respectBlockingChecks ?? true, bare: false };
  return { upstream: spec as Definition, mapping: undefined, respect: true, bare: true };
}

/** A partition context in which a definition has a few dozen partitions, to probe mappings. */
function probeContext(def: PartitionsDefinition): PartitionContext {
  let now = 0;
  const time = def.kind === 'time' ? def : def.kind === 'multi' ? def.dimensions.find((d) => d.definition.kind === 'time')?.definition : undefined;
  if (time && time.kind === 'time') now = time.windowAt(64).end + time.lagMs;
  return { now, dynamicKeys: () => Array.from({ length: 64 }, (_, i) => `k${i}`) };
}

/** How to write `mapping` in an `input(…)` call, for error messages. */
function suggestedMapping(mapping: PartitionMapping): string {
  const spec = mapping.toSpec();
  if (mapping.kind === 'dimension') return `dimension(${JSON.stringify(spec.name)})`;
  if (mapping.kind === 'perDimension') return 'perDimension({})';
  return `${mapping.kind}()`;
}

/** Why a self input is not strictly backward (reads the same or a later partition), or undefined. */
function selfProblem(def: PartitionsDefinition, mapping: PartitionMapping): string | undefined {
  const ctx = probeContext(def);
  const count = def.count(ctx);
  const mctx = { upstream: def, downstream: def, partitions: ctx };
  if (count > 0) {
    const first = mapping.upstreamFor(RangeSet.range(0, 1), mctx);
    if (!first.missing.isEmpty() || first.missingKeys.length > 0) {
      return `the first partition would wait forever for a partition before it (${mapping.describe()} is strict: make it lenient so the first partition reads nothing)`;
    }
  }
  for (const i of [1, 2, 5, 17, 40, 63].filter((n) => n < count)) {
    const r = mapping.upstreamFor(RangeSet.range(i, i + 1), mctx);
    const max = Math.max(r.existing.max() ?? -Infinity, r.missing.max() ?? -Infinity);
    if (max >= i || r.missingKeys.length > 0) return `partition ${def.keyAt(i, ctx)} would read itself or a later partition through ${mapping.describe()}`;
  }
  return undefined;
}

/**
 * Validates definitions and resolves their inputs into a graph. Throws a DefinitionError naming
 * the asset and field: `definition.duplicate_key`, `definition.unknown_key`, `definition.bad_mapping`,
 * `definition.cycle` (with the cycle printed).
 */
export function loadDefinitions(definitions: readonly Definition[]): AssetGraph {
  const byKey = new Map<AssetKey, Definition>();
  for (const def of definitions) {
    if (!isDefinition(def)) throw new DefinitionError('definition.bad_option', `not an asset or source definition: ${JSON.stringify(def)?.slice(0, 100)}`);
    const other = byKey.get(def.key);
    if (other && other !== def) {
      throw new DefinitionError('definition.duplicate_key', `asset key ${def.key} is defined twice${other.module || def.module ? ` (in ${other.module ?? '?'} and ${def.module ?? '?'})` : ''}`, { assetKey: def.key, field: 'key' });
    }
    byKey.set(def.key, def);
  }

  const inputsByKey = new Map<AssetKey, ResolvedInput[]>();
  for (const def of byKey.values()) {
    const resolved: ResolvedInput[] = [];
    if (def.kind === 'asset') {
      for (const [name, spec] of Object.entries(def.inputs)) {
        const field = `inputs.${name}`;
        const { upstream, mapping: explicit, respect, bare } = upstreamOf(spec);
        const known = byKey.get(upstream.key);
        if (!known) throw new DefinitionError('definition.unknown_key', `asset ${def.key}: input ${name} reads ${upstream.key}, which is not among the loaded definitions`, { assetKey: def.key, field });
        if (known !== upstream) throw new DefinitionError('definition.duplicate_key', `asset ${def.key}: input ${name} reads a different definition of ${upstream.key} than the one loaded`, { assetKey: def.key, field });
        let mapping: PartitionMapping;
        try {
          mapping = explicit ?? defaultMapping(known.partitions, def.partitions);
        } catch (error) {
          throw new DefinitionError('definition.bad_mapping', `asset ${def.key}: input ${name}: ${error instanceof WeftError ? error.message : String(error)}`, { assetKey: def.key, field });
        }
        const problem = mapping.validate(known.partitions, def.partitions);
        if (problem) throw new DefinitionError('definition.bad_mapping', `asset ${def.key}: input ${name} (${mapping.kind} from ${known.key}): ${problem}`, { assetKey: def.key, field });
        if (bare && mapping.cardinality === 'many') {
          throw new DefinitionError(
            'definition.bad_mapping',
            `asset ${def.key}: input ${name} reads many partitions of ${known.key} (default mapping: ${mapping.describe()}); declare it as input(${known.key}, ${suggestedMapping(mapping)}) so the compute receives a Map`,
            { assetKey: def.key, field },
          );
        }
        const self = known.key === def.key;
        if (self) {
          const why = selfProblem(def.partitions, mapping);
          if (why) throw new DefinitionError('definition.cycle', `asset ${def.key}: input ${name} reads the asset itself, which is allowed only for earlier partitions: ${why}`, { assetKey: def.key, field });
        }
        resolved.push({ name, upstreamKey: known.key, mapping, cardinality: mapping.cardinality, self, respectBlockingChecks: respect });
      }
    }
    inputsByKey.set(def.key, resolved);
  }

  const order = topologicalOrder(byKey, inputsByKey);
  const downstream = new Map<AssetKey, Array<{ assetKey: AssetKey; input: ResolvedInput }>>();
  for (const [key, inputs] of inputsByKey) {
    for (const input of inputs) {
      const list = downstream.get(input.upstreamKey) ?? [];
      list.push({ assetKey: key, input });
      downstream.set(input.upstreamKey, list);
    }
  }
  const nodes = new Map<AssetKey, GraphNode>();
  order.forEach((key, position) => {
    const def = byKey.get(key) as Definition;
    nodes.set(key, { key, definition: def, partitions: def.partitions, inputs: inputsByKey.get(key) ?? [], downstream: downstream.get(key) ?? [], order: position });
  });
  return {
    nodes,
    order,
    node(key) {
      const n = nodes.get(key);
      if (!n) throw new WeftError('definition.unknown_key', `unknown asset ${JSON.stringify(key)}`, { assetKey: key });
      return n;
    },
  };
}

/** Kahn's algorithm over asset edges (self edges excluded); a leftover cycle is reported with its path. */
function topologicalOrder(defs: ReadonlyMap<AssetKey, Definition>, inputs: ReadonlyMap<AssetKey, readonly ResolvedInput[]>): AssetKey[] {
  const indegree = new Map<AssetKey, number>();
  const consumers = new Map<AssetKey, AssetKey[]>();
  for (const key of defs.keys()) indegree.set(key, 0);
  for (const [key, list] of inputs) {
    for (const upstreamKey of new Set(list.filter((i) => !i.self).map((i) => i.upstreamKey))) {
      indegree.set(key, (indegree.get(key) ?? 0) + 1);
      consumers.set(upstreamKey, [...(consumers.get(upstreamKey) ?? []), key]);
    }
  }
  const ready = [...defs.keys()].filter((k) => indegree.get(k) === 0).sort();
  const order: AssetKey[] = [];
  while (ready.length > 0) {
    const key = ready.shift() as AssetKey;
    order.push(key);
    for (const next of consumers.get(key) ?? []) {
      const d = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, d);
      if (d === 0) ready.push(next);
    }
  }
  if (order.length === defs.size) return order;
  const stuck = new Set([...defs.keys()].filter((k) => !order.includes(k)));
  const cycle = findCycle(stuck, inputs);
  // Name the input that closes the cycle: the first asset's input reading the asset before it.
  const first = cycle[0] as AssetKey;
  const previous = cycle[cycle.length - 2] as AssetKey;
  const closing = (inputs.get(first) ?? []).find((i) => i.upstreamKey === previous && !i.self);
  throw new DefinitionError(
    'definition.cycle',
    `assets depend on each other in a cycle: ${cycle.join(' → ')}${closing ? ` (asset ${first}: input ${closing.name} reads ${previous})` : ''}`,
    { assetKey: first, ...(closing ? { field: `inputs.${closing.name}` } : {}), cycle },
  );
}

function findCycle(stuck: ReadonlySet<AssetKey>, inputs: ReadonlyMap<AssetKey, readonly ResolvedInput[]>): AssetKey[] {
  // Walk upstream from any stuck asset until a key repeats: every stuck asset has a stuck upstream.
  const start = [...stuck].sort()[0] as AssetKey;
  const path: AssetKey[] = [start];
  const position = new Map<AssetKey, number>([[start, 0]]);
  let current = start;
  for (;;) {
    const next = (inputs.get(current) ?? []).map((i) => i.upstreamKey).filter((k) => k !== current && stuck.has(k)).sort()[0] as AssetKey;
    const seenAt = position.get(next);
    if (seenAt !== undefined) return [...path.slice(seenAt), next].reverse();
    position.set(next, path.length);
    path.push(next);
    current = next;
  }
}
