import { LOCATION_DOC } from './location-arg.js';
import type { Lineage, LineageEdge, LineageNode } from '@weft/store';
import { InvalidInputError } from '../api/errors.js';
import { indexOfKey } from '../api/partitions.js';
import { groupOf, type AssetRef, type RequestScope } from '../api/request-scope.js';
import { DEFAULT_GROUP } from '../api/viewer.js';
import { builder } from '../builder.js';
import { LOOKUP_ERRORS } from './errors.js';
import { MaterializationObject } from './materialization.js';
import { PartitionObject } from './partition.js';
import { DirectionEnum } from './scalars.js';

/** Deepest lineage one request may walk. */
export const MAX_LINEAGE_DEPTH = 50;

const NodeObject = builder.objectRef<LineageNode & { location: string }>('LineageNode').implement({
  description: 'A materialization in a lineage graph, `depth` steps from the root.',
  fields: (t) => ({
    materializationId: t.id({ resolve: (n) => n.materializationId }),
    assetKey: t.exposeString('assetKey'),
    partitionKey: t.exposeString('partitionKey'),
    token: t.exposeString('token'),
    codeVersion: t.exposeString('codeVersion'),
    dataVersion: t.exposeString('dataVersion'),
    finishedAt: t.field({ type: 'DateTime', resolve: (n) => n.finishedAt }),
    depth: t.exposeInt('depth'),
    materialization: t.field({
      type: MaterializationObject,
      nullable: true,
      resolve: async (n, _a, { scope: ctx }) => {
        const m = await ctx.materializations.load(n.materializationId);
        return m ? { location: n.location, m } : null;
      },
    }),
  }),
});

const EdgeObject = builder.objectRef<LineageEdge>('LineageEdge').implement({
  description: 'The downstream materialization read the upstream one through an input.',
  fields: (t) => ({ downstreamId: t.id({ resolve: (e) => e.downstreamId }), upstreamId: t.id({ resolve: (e) => e.upstreamId }), inputName: t.exposeString('inputName') }),
});

const UnresolvedObject = builder.objectRef<Lineage['unresolved'][number]>('UnresolvedRead').implement({
  description: 'An upstream partition read whose materialization is not stored: a source observation, or removed by retention.',
  fields: (t) => ({
    downstreamId: t.id({ resolve: (u) => u.downstreamId }),
    inputName: t.exposeString('inputName'),
    assetKey: t.exposeString('assetKey'),
    partitionKey: t.exposeString('partitionKey'),
    dataVersion: t.string({ nullable: true, resolve: (u) => u.dataVersion }),
  }),
});

const LineageObject = builder.objectRef<Lineage & { location: string }>('Lineage').implement({
  description: 'The provenance graph around one materialization: what it was made from (upstream) or what was made from it (downstream).',
  fields: (t) => ({
    root: t.field({ type: NodeObject, nullable: true, description: 'None when the partition was never materialized.', resolve: (l) => (l.root ? { ...l.root, location: l.location } : null) }),
    nodes: t.field({ type: [NodeObject], resolve: (l) => l.nodes.map((n) => ({ ...n, location: l.location })) }),
    edges: t.field({ type: [EdgeObject], resolve: (l) => [...l.edges] }),
    unresolved: t.field({ type: [UnresolvedObject], resolve: (l) => [...l.unresolved] }),
  }),
});

async function lineageOf(ctx: RequestScope, ref: AssetRef, partitionKey: string, direction: 'upstream' | 'downstream', depth: number, materializationId: number | undefined): Promise<Lineage & { location: string }> {
  if (!Number.isSafeInteger(depth) || depth < 1 || depth > MAX_LINEAGE_DEPTH) throw new InvalidInputError('depth', `depth must be 1 … ${MAX_LINEAGE_DEPTH}, got ${depth}`);
  const pctx = await ctx.partitionContext(ref.location);
  indexOfKey(ref, ctx.definition(ref), pctx, partitionKey);
  const graph = ref.catalog.graph!;
  const lineage = await ctx.store(ref.location).lineage(graph, pctx, { assetKey: ref.asset.key, partitionKey, direction, depth, materializationId });
  // Nodes of assets the viewer may not see are left out, with their edges.
  const visible = (assetKey: string): boolean => {
    const asset = ref.catalog.byKey.get(assetKey);
    return ctx.viewer.can('viewer', asset ? groupOf(asset) : DEFAULT_GROUP);
  };
  const nodes = lineage.nodes.filter((n) => visible(n.assetKey));
  const ids = new Set(nodes.map((n) => n.materializationId));
  return {
    location: ref.location,
    root: lineage.root,
    nodes,
    edges: lineage.edges.filter((e) => ids.has(e.downstreamId) && ids.has(e.upstreamId)),
    unresolved: lineage.unresolved.filter((u) => ids.has(u.downstreamId) && visible(u.assetKey)),
  };
}

const idOrUndefined = (v: string | number | null | undefined): number | undefined => {
  if (v === null || v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidInputError('materializationId', `materializationId must be a positive integer, got ${JSON.stringify(String(v).slice(0, 50))}`);
  return n;
};

builder.objectFields(PartitionObject, (t) => ({
  lineage: t.field({
    type: LineageObject,
    description: 'Provenance of its current (or a given) materialization, `depth` levels up or down.',
    args: {
      direction: t.arg({ type: DirectionEnum, defaultValue: 'upstream' }),
      depth: t.arg.int({ defaultValue: 3, description: `1 … ${MAX_LINEAGE_DEPTH}.` }),
      materializationId: t.arg.id({ required: false, description: 'Start from this materialization of the partition instead of its current one.' }),
    },
    resolve: (p, args, { scope: ctx }) => lineageOf(ctx, p.ref, p.key, (args.direction ?? 'upstream'), args.depth ?? 3, idOrUndefined(args.materializationId)),
  }),
}));

builder.queryFields((t) => ({
  lineage: t.field({
    type: LineageObject,
    description: 'Lineage of a partition, up (what it was made from) or down (what was made from it), with a depth.',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), assetKey: t.arg.string({ required: true }), partitionKey: t.arg.string({ required: true }),
      direction: t.arg({ type: DirectionEnum, defaultValue: 'upstream' }),
      depth: t.arg.int({ defaultValue: 3, description: `1 … ${MAX_LINEAGE_DEPTH}.` }),
      materializationId: t.arg.id({ required: false, description: 'Start from this materialization of the partition instead of its current one.' }),
    },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: [args.assetKey], role: 'viewer' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const ref = await ctx.asset(await ctx.location(args.location), args.assetKey);
      return lineageOf(ctx, ref, args.partitionKey, (args.direction ?? 'upstream'), args.depth ?? 3, idOrUndefined(args.materializationId));
    },
  }),
}));
