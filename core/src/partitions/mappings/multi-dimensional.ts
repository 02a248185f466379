import { BoxSet } from '../sets/box-set.js';
import { RangeSet } from '../sets/range-set.js';
import type { MultiPartitions, PartitionContext, PartitionsDefinition, SingleDimensionPartitions } from '../types.js';
import { identity } from './identity.js';
import { defaultMapping } from './default-mapping.js';
import type { MappingCardinality, MappingContext, PartitionMapping, UpstreamPartitions } from './types.js';

const MAX_MISSING_KEYS = 20;

function radices(def: MultiPartitions, ctx: PartitionContext): number[] {
  return def.digitOrder.map((d) => d.definition.count(ctx));
}

function digitOf(def: MultiPartitions, name: string): number {
  return def.digitOrder.findIndex((d) => d.name === name);
}

function dimensionDef(def: MultiPartitions, name: string): SingleDimensionPartitions | undefined {
  return def.dimensions.find((d) => d.name === name)?.definition;
}

/** Union, over the boxes of a flat set, of the ranges one digit takes. */
function project(def: MultiPartitions, flat: RangeSet, digit: number, ctx: PartitionContext): RangeSet {
  let out = RangeSet.EMPTY;
  for (const box of BoxSet.fromFlat(flat, radices(def, ctx)).boxes()) out = out.union(box[digit] ?? RangeSet.EMPTY);
  return out;
}

/** A flat set holding every partition whose `digit` lies in `values` (all values of the other digits). */
function cylinder(def: MultiPartitions, digit: number, values: RangeSet, ctx: PartitionContext): RangeSet {
  const r = radices(def, ctx);
  return BoxSet.box(r.map((size, d) => (d === digit ? values.clamp(0, size) : RangeSet.range(0, size)))).toFlat(r);
}

function missingAsKeys(name: string, dim: SingleDimensionPartitions, result: UpstreamPartitions, into: string[]): void {
  for (const key of result.missingKeys) if (into.length < MAX_MISSING_KEYS) into.push(`${name}=${key}`);
  if (dim.kind !== 'time') return;
  for (const i of result.missing.values()) {
    if (into.length >= MAX_MISSING_KEYS) break;
    into.push(`${name}=${dim.formatKey(i)}`);
  }
}

/**
 * Maps multi-dimensional partitions to multi-dimensional ones with the same dimension names, one
 * mapping per dimension (dimensions not named use their default mapping, usually identity):
 * `perDimension({ date: window(7) })`.
 */
export function perDimension(mappings: Readonly<Record<string, PartitionMapping>>): PartitionMapping<'many'> {
  const mappingFor = (up: MultiPartitions, down: MultiPartitions, name: string): PartitionMapping => {
    const explicit = mappings[name];
    if (explicit) return explicit;
    const u = dimensionDef(up, name);
    const d = dimensionDef(down, name);
    return u && d ? defaultMapping(u, d) : identity();
  };
  return {
    kind: 'perDimension',
    cardinality: 'many',
    strict: Object.values(mappings).some((m) => m.strict),
    validate(up, down) {
      if (up.kind !== 'multi' || down.kind !== 'multi') return `perDimension() connects multi-dimensional partitions (upstream is ${up.describe()}, downstream is ${down.describe()})`;
      const upNames = up.dimensions.map((d) => d.name).join(', ');
      const downNames = down.dimensions.map((d) => d.name).join(', ');
      if (upNames !== downNames) return `perDimension() needs the same dimensions on both sides (upstream: ${upNames}; downstream: ${downNames})`;
      for (const name of Object.keys(mappings)) if (!dimensionDef(down, name)) return `perDimension(): no dimension named ${JSON.stringify(name)} (dimensions: ${downNames})`;
      for (const { name, definition } of down.dimensions) {
        const u = dimensionDef(up, name);
        if (!u) continue;
        const problem = (mappings[name] ?? defaultMapping(u, definition)).validate(u, definition);
        if (problem) return `dimension ${name}: ${problem}`;
      }
      return undefined;
    },
    upstreamFor(downstream, ctx) {
      const up = ctx.upstream as MultiPartitions;
      const down = ctx.downstream as MultiPartitions;
      let existing = BoxSet.empty(up.digitOrder.length);
      const missingKeys: string[] = [];
      for (const box of BoxSet.fromFlat(downstream, radices(down, ctx.partitions)).boxes()) {
        const parts: RangeSet[] = new Array<RangeSet>(up.digitOrder.length);
        let empty = false;
        for (const { name, definition } of up.digitOrder) {
          const downDim = dimensionDef(down, name) as SingleDimensionPartitions;
          const m = mappingFor(up, down, name);
          const r = m.upstreamFor(box[digitOf(down, name)] ?? RangeSet.EMPTY, { upstream: definition, downstream: downDim, partitions: ctx.partitions });
          missingAsKeys(name, definition, r, missingKeys);
          parts[digitOf(up, name)] = r.existing;
          if (r.existing.isEmpty()) empty = true;
        }
        if (!empty) existing = existing.union(BoxSet.box(parts));
      }
      return { existing: existing.toFlat(radices(up, ctx.partitions)), missing: RangeSet.EMPTY, missingKeys };
    },
    downstreamFor(upstream, ctx) {
      const up = ctx.upstream as MultiPartitions;
      const down = ctx.downstream as MultiPartitions;
      let out = BoxSet.empty(down.digitOrder.length);
      for (const box of BoxSet.fromFlat(upstream, radices(up, ctx.partitions)).boxes()) {
        const parts: RangeSet[] = new Array<RangeSet>(down.digitOrder.length);
        for (const { name, definition } of down.digitOrder) {
          const upDim = dimensionDef(up, name) as SingleDimensionPartitions;
          parts[digitOf(down, name)] = mappingFor(up, down, name).downstreamFor(box[digitOf(up, name)] ?? RangeSet.EMPTY, { upstream: upDim, downstream: definition, partitions: ctx.partitions });
        }
        out = out.union(BoxSet.box(parts));
      }
      return out.toFlat(radices(down, ctx.partitions));
    },
    describe: () => `per dimension: ${Object.entries(mappings).map(([n, m]) => `${n}: ${m.describe()}`).join('; ') || 'identity'}`,
    toSpec: () => ({ kind: 'perDimension', dimensions: Object.fromEntries(Object.entries(mappings).sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, m]) => [n, m.toSpec()])) }),
  };
}

/**
 * Connects a one-dimensional definition to one dimension of a multi-dimensional one (either side
 * may be the multi-dimensional one): `dimension('date', rollup())`. On the multi-dimensional side
 * every value of the other dimensions is included.
 */
export function dimension<C extends MappingCardinality>(name: string, mapping?: PartitionMapping<C>): PartitionMapping<MappingCardinality> {
  const inner = (single: PartitionsDefinition, dim: PartitionsDefinition): PartitionMapping => mapping ?? defaultMapping(single, dim);
  const sides = (ctx: MappingContext): { multi: MultiPartitions; dim: SingleDimensionPartitions; multiIsUp: boolean } => {
    const multiIsUp = ctx.upstream.kind === 'multi';
    const multi = (multiIsUp ? ctx.upstream : ctx.downstream) as MultiPartitions;
    return { multi, dim: dimensionDef(multi, name) as SingleDimensionPartitions, multiIsUp };
  };
  return {
    kind: 'dimension',
    cardinality: 'many',
    strict: mapping?.strict ?? false,
    validate(up, down) {
      if ((up.kind === 'multi') === (down.kind === 'multi')) return `dimension(${JSON.stringify(name)}) connects a one-dimensional definition to a multi-dimensional one (upstream is ${up.describe()}, downstream is ${down.describe()})`;
      const multi = (up.kind === 'multi' ? up : down) as MultiPartitions;
      const dim = dimensionDef(multi, name);
      if (!dim) return `dimension(${JSON.stringify(name)}): no such dimension (dimensions: ${multi.dimensions.map((d) => d.name).join(', ')})`;
      const problem = up.kind === 'multi' ? inner(dim, down).validate(dim, down) : inner(up, dim).validate(up, dim);
      return problem ? `dimension ${name}: ${problem}` : undefined;
    },
    upstreamFor(downstream, ctx) {
      const { multi, dim, multiIsUp } = sides(ctx);
      if (!multiIsUp) {
        const values = project(multi, downstream, digitOf(multi, name), ctx.partitions);
        return inner(ctx.upstream, dim).upstreamFor(values, { upstream: ctx.upstream, downstream: dim, partitions: ctx.partitions });
      }
      const r = inner(dim, ctx.downstream).upstreamFor(downstream, { upstream: dim, downstream: ctx.downstream, partitions: ctx.partitions });
      const missingKeys: string[] = [];
      missingAsKeys(name, dim, r, missingKeys);
      return { existing: cylinder(multi, digitOf(multi, name), r.existing, ctx.partitions), missing: RangeSet.EMPTY, missingKeys };
    },
    downstreamFor(upstream, ctx) {
      const { multi, dim, multiIsUp } = sides(ctx);
      if (multiIsUp) {
        const values = project(multi, upstream, digitOf(multi, name), ctx.partitions);
        return inner(dim, ctx.downstream).downstreamFor(values, { upstream: dim, downstream: ctx.downstream, partitions: ctx.partitions });
      }
      const values = inner(ctx.upstream, dim).downstreamFor(upstream, { upstream: ctx.upstream, downstream: dim, partitions: ctx.partitions });
      return cylinder(multi, digitOf(multi, name), values, ctx.partitions);
    },
    describe: () => `dimension ${name}${mapping ? `: ${mapping.describe()}` : ''}`,
    toSpec: () => ({ kind: 'dimension', name, mapping: mapping?.toSpec() ?? null }),
  };
}
