import { LOCATION_DOC } from './location-arg.js';
import type { CatalogAsset, CatalogCheck, CatalogInput } from '@weft/core';
import type { CodeVersionStep } from '@weft/store';
import { builder } from '../builder.js';
import { groupOf, type AssetRef } from '../api/request-scope.js';
import { AssetKindEnum, PartitionsKindEnum } from './scalars.js';
import { LOOKUP_ERRORS } from './errors.js';

/** Page sizes are capped whatever a client asks. */
export const MAX_PAGE = 1000;
export const pageSize = (n: number | null | undefined, fallback: number): number => Math.max(1, Math.min(n ?? fallback, MAX_PAGE));

export const AssetObject = builder.objectRef<AssetRef>('Asset');

const MappingObject = builder.objectRef<CatalogInput>('PartitionMapping').implement({
  description: 'Which upstream partitions a downstream partition reads.',
  fields: (t) => ({
    kind: t.string({ resolve: (i) => String(i.mapping.kind) }),
    description: t.string({ description: 'The mapping in words (`a rolling window of 7`).', resolve: (i) => i.mappingDescription ?? String(i.mapping.kind) }),
    cardinality: t.string({ nullable: true, description: '`one`, `optional` or `many` upstream partitions per downstream partition.', resolve: (i) => i.cardinality ?? null }),
    spec: t.field({ type: 'JSON', resolve: (i) => i.mapping }),
  }),
});

const InputObject = builder.objectRef<{ ref: AssetRef; input: CatalogInput }>('AssetInput').implement({
  description: 'An input of an asset: the upstream it reads and how.',
  fields: (t) => ({
    name: t.string({ resolve: (i) => i.input.name }),
    upstreamKey: t.string({ resolve: (i) => i.input.upstream }),
    upstream: t.field({
      type: AssetObject,
      nullable: true,
      resolve: (i, _a, { scope: ctx }) => {
        const asset = i.ref.catalog.byKey.get(i.input.upstream);
        return asset && ctx.can('viewer', { ...i.ref, asset }) ? { ...i.ref, asset } : null;
      },
    }),
    mapping: t.field({ type: MappingObject, resolve: (i) => i.input }),
    respectBlockingChecks: t.boolean({ resolve: (i) => i.input.respectBlockingChecks ?? true }),
    isSelf: t.boolean({ description: 'It reads earlier partitions of the asset itself.', resolve: (i) => i.input.upstream === i.ref.asset.key }),
  }),
});

const DependentObject = builder.objectRef<{ ref: AssetRef; assetKey: string; input: CatalogInput }>('AssetDependent').implement({
  description: 'An input of another asset that reads this one.',
  fields: (t) => ({
    assetKey: t.exposeString('assetKey'),
    asset: t.field({
      type: AssetObject,
      nullable: true,
      resolve: (d, _a, { scope: ctx }) => {
        const asset = d.ref.catalog.byKey.get(d.assetKey);
        return asset && ctx.can('viewer', { ...d.ref, asset }) ? { ...d.ref, asset } : null;
      },
    }),
    inputName: t.string({ resolve: (d) => d.input.name }),
    mapping: t.field({ type: MappingObject, resolve: (d) => d.input }),
  }),
});

const CheckDefinitionObject = builder.objectRef<CatalogCheck>('CheckDefinition').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    blocking: t.exposeBoolean('blocking', { description: 'A failure stops propagation downstream.' }),
    description: t.string({ nullable: true, resolve: (c) => c.description }),
  }),
});

const CodeVersionStepObject = builder.objectRef<CodeVersionStep>('CodeVersionStep').implement({
  description: 'The first deployment that carried a code version of an asset.',
  fields: (t) => ({
    codeVersion: t.exposeString('codeVersion'),
    deploymentId: t.exposeID('deploymentId'),
    deployedAt: t.field({ type: 'DateTime', resolve: (s) => s.deployedAt }),
  }),
});

const PartitionsObject = builder.objectRef<AssetRef>('PartitionsDefinition').implement({
  description: "An asset's partitions.",
  fields: (t) => ({
    kind: t.field({ type: PartitionsKindEnum, resolve: (r) => r.asset.partitions.kind }),
    description: t.string({ resolve: (r) => r.asset.partitionsDescription ?? r.asset.partitions.kind }),
    spec: t.field({ type: 'JSON', resolve: (r) => r.asset.partitions }),
    dimensions: t.stringList({ description: 'Dimension names of a multi-dimensional asset (empty otherwise).', resolve: (r) => (r.asset.partitions.kind === 'multi' ? r.asset.partitions.dimensions.map((d) => d.name) : []) }),
    count: t.float({ description: 'How many partitions exist now.', resolve: async (r, _a, { scope: ctx }) => ctx.definition(r).count(await ctx.partitionContext(r.location)) }),
  }),
});

AssetObject.implement({
  description: 'An asset (computed) or a source (observed) of a code location’s latest deployment.',
  authScopes: (ref) => ({ group: { group: groupOf(ref.asset), role: 'viewer' } }),
  fields: (t) => ({
    id: t.id({ description: '`<location>/<key>`.', resolve: (r) => `${r.location}/${r.asset.key}` }),
    key: t.string({ resolve: (r) => r.asset.key }),
    location: t.string({ resolve: (r) => r.location }),
    kind: t.field({ type: AssetKindEnum, resolve: (r) => r.asset.kind }),
    group: t.string({ description: 'Its group for permissions (`default` when it names none).', resolve: (r) => groupOf(r.asset) }),
    description: t.string({ nullable: true, resolve: (r) => r.asset.description ?? null }),
    metadata: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.asset.metadata ?? null }),
    computeProvider: t.string({ nullable: true, resolve: (r) => (r.asset.kind === 'asset' ? (r.asset.computeProvider ?? 'default') : null) }),
    concurrency: t.int({ nullable: true, resolve: (r) => r.asset.concurrency ?? null }),
    batchSize: t.int({ nullable: true, resolve: (r) => r.asset.batchSize ?? null }),
    priority: t.int({ nullable: true, resolve: (r) => r.asset.priority ?? null }),
    timeoutMs: t.float({ nullable: true, resolve: (r) => r.asset.timeoutMs ?? null }),
    retry: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.asset.retry ?? null }),
    observeIntervalMs: t.float({ nullable: true, resolve: (r) => r.asset.observeIntervalMs ?? null }),
    partitionsDefinition: t.field({ type: PartitionsObject, resolve: (r) => r }),
    inputs: t.field({ type: [InputObject], resolve: (r) => r.asset.inputs.map((input) => ({ ref: r, input })) }),
    downstream: t.field({ type: [DependentObject], resolve: (r) => (r.catalog.downstream.get(r.asset.key) ?? []).map((d) => ({ ref: r, ...d })) }),
    checks: t.field({ type: [CheckDefinitionObject], resolve: (r) => r.asset.checks ?? [] }),
    deploymentId: t.id({ resolve: (r) => r.catalog.deploymentId }),
    codeVersion: t.string({
      nullable: true,
      description: 'Its code version in the latest deployment.',
      resolve: async (r, _a, { scope: ctx }) => (await ctx.deployment(r.location, r.catalog.deploymentId))?.codeVersions[r.asset.key] ?? null,
    }),
    codeVersionHistory: t.field({ type: [CodeVersionStepObject], description: 'Every code version it had, oldest first.', resolve: (r, _a, { scope: ctx }) => ctx.codeVersionHistory(r.location, r.asset.key) }),
  }),
});

function tagged(asset: CatalogAsset, tag: string): boolean {
  const metadata = asset.metadata ?? {};
  const tags = metadata['tags'];
  if (Array.isArray(tags) && tags.includes(tag)) return true;
  const eq = tag.indexOf('=');
  if (eq < 0) return Object.hasOwn(metadata, tag);
  return String(metadata[tag.slice(0, eq)]) === tag.slice(eq + 1);
}

const AssetPage = builder.objectRef<{ nodes: AssetRef[]; endCursor: string | null; hasNextPage: boolean; totalCount: number }>('AssetPage').implement({
  fields: (t) => ({
    nodes: t.field({ type: [AssetObject], resolve: (p) => p.nodes }),
    endCursor: t.string({ nullable: true, description: 'Pass as `after` for the next page.', resolve: (p) => p.endCursor }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    totalCount: t.exposeInt('totalCount', { description: 'Assets matching the filters that the viewer may see.' }),
  }),
});

const AssetEdgeObject = builder.objectRef<{ from: string; to: string; input: CatalogInput }>('AssetEdge').implement({
  description: 'An input edge of the asset graph: `to` reads `from`.',
  fields: (t) => ({
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    inputName: t.string({ resolve: (e) => e.input.name }),
    mapping: t.field({ type: MappingObject, resolve: (e) => e.input }),
  }),
});

const AssetGraphObject = builder.objectRef<{ nodes: AssetRef[] }>('AssetGraph').implement({
  fields: (t) => ({
    nodes: t.field({ type: [AssetObject], description: 'In topological order, upstream first.', resolve: (g) => g.nodes }),
    edges: t.field({
      type: [AssetEdgeObject],
      resolve: (g) => {
        const visible = new Set(g.nodes.map((n) => n.asset.key));
        return g.nodes.flatMap((n) => n.asset.inputs.filter((i) => visible.has(i.upstream)).map((input) => ({ from: input.upstream, to: n.asset.key, input })));
      },
    }),
  }),
});

builder.queryFields((t) => ({
  assets: t.field({
    type: AssetPage,
    description: 'Assets the viewer may see, by key, filtered and cursor-paged.',
    args: {
      location: t.arg.string({ required: false, description: 'One code location (default: every one).' }),
      group: t.arg.string({ required: false }),
      tag: t.arg.string({ required: false, description: 'A tag in `metadata.tags`, a metadata key, or `key=value` of metadata.' }),
      keyPrefix: t.arg.string({ required: false }),
      kind: t.arg({ type: AssetKindEnum, required: false }),
      first: t.arg.int({ defaultValue: 100 }),
      after: t.arg.string({ required: false, description: 'The `endCursor` of the previous page.' }),
    },
    resolve: async (_r, args, { scope: ctx }) => {
      const locations = args.location ? [args.location] : await ctx.locations();
      const all: AssetRef[] = [];
      for (const location of locations) {
        const catalog = await ctx.catalog(location);
        for (const asset of catalog?.assets ?? []) {
          const ref = { location, catalog: catalog!, asset };
          if (!ctx.can('viewer', ref)) continue;
          if (args.group && groupOf(asset) !== args.group) continue;
          if (args.keyPrefix && !asset.key.startsWith(args.keyPrefix)) continue;
          if (args.kind && asset.kind !== args.kind) continue;
          if (args.tag && !tagged(asset, args.tag)) continue;
          all.push(ref);
        }
      }
      const id = (r: AssetRef): string => `${r.location}/${r.asset.key}`;
      all.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
      const start = args.after ? all.findIndex((r) => id(r) > String(args.after)) : 0;
      const from = start < 0 ? all.length : start;
      const nodes = all.slice(from, from + pageSize(args.first, 100));
      return { nodes, endCursor: nodes.length ? id(nodes[nodes.length - 1]!) : null, hasNextPage: from + nodes.length < all.length, totalCount: all.length };
    },
  }),
  asset: t.field({
    type: AssetObject,
    description: 'One asset (or source) of a code location.',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), key: t.arg.string({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: [args.key], role: 'viewer' } }),
    resolve: async (_r, args, { scope: ctx }) => ctx.asset(await ctx.location(args.location), args.key),
  }),
  assetGraph: t.field({
    type: AssetGraphObject,
    description: "A location's assets the viewer may see and the input edges between them.",
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }) },
    authScopes: { signedIn: true },
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const catalog = await ctx.catalog(location);
      return { nodes: (catalog?.assets ?? []).map((asset) => ({ location, catalog: catalog!, asset })).filter((r) => ctx.can('viewer', r)) };
    },
  }),
}));
