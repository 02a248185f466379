import { LOCATION_DOC } from './location-arg.js';
import { rangeEdgeKeys, type CheckResultDetail, type InputEdgeDetail, type MaterializationDetail, type RangeReader } from '@weft/store';
import { diffMaterializations, type InputDiff, type MaterializationDiff } from '../api/diff.js';
import { InvalidInputError, NotFoundError, UnavailableError } from '../api/errors.js';
import { DEFAULT_LOG_LINES, groupOf, type RequestScope } from '../api/request-scope.js';
import { DEFAULT_GROUP } from '../api/viewer.js';
import { builder } from '../builder.js';
import { AssetObject, pageSize } from './asset.js';
import { LOOKUP_ERRORS } from './errors.js';
import { DeploymentRef } from './location.js';
import { PartitionObject } from './partition.js';
import { DiffChangeEnum } from './scalars.js';
import { LOG_AFTER_DOC, LOG_FIRST_DOC, LogLineObject, logLines } from './log.js';

/** A materialization, seen from a code location (whose catalog names its asset). */
export interface MaterializationRef {
  readonly location: string;
  readonly m: MaterializationDetail;
}

export const MaterializationObject = builder.objectRef<MaterializationRef>('Materialization');

async function groupOfMaterialization(ctx: RequestScope, ref: MaterializationRef): Promise<string> {
  const asset = (await ctx.catalog(ref.location))?.byKey.get(ref.m.assetKey);
  return asset ? groupOf(asset) : DEFAULT_GROUP;
}

const InlineValueObject = builder.objectRef<Uint8Array>('InlineValue').implement({
  description: 'A value its materialization kept in the provenance store itself (small values: see the workers’ `inlineValueBytes`).',
  fields: (t) => ({
    bytes: t.int({ resolve: (v) => v.byteLength }),
    text: t.string({ nullable: true, description: 'The value as UTF-8 text; null when its bytes are not UTF-8.', resolve: (v) => utf8OrNull(v) }),
    base64: t.string({ resolve: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') }),
  }),
});

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const ReadObject = builder.objectRef<{ location: string; edge: InputEdgeDetail }>('ReadPartition').implement({
  description: 'One upstream partition an input read, with the data version it had.',
  fields: (t) => ({
    partitionKey: t.string({ nullable: true, resolve: (r) => r.edge.upstreamPartition }),
    dataVersion: t.string({ nullable: true, resolve: (r) => r.edge.dataVersion }),
    materializationId: t.id({ nullable: true, resolve: (r) => r.edge.upstreamMaterializationId }),
    materialization: t.field({
      type: MaterializationObject,
      nullable: true,
      description: 'The upstream materialization read (none for a source, or when retention removed it).',
      resolve: async (r, _a, { scope: ctx }) => {
        const id = r.edge.upstreamMaterializationId;
        const m = id === null ? undefined : await ctx.materializations.load(id);
        return m ? { location: r.location, m } : null;
      },
    }),
  }),
});

const RangeObject = builder.objectRef<{ location: string; upstreamAsset: string; range: NonNullable<InputEdgeDetail['range']>; reader: RangeReader }>('ReadRange').implement({
  description: 'A range of upstream partitions read as one (their data versions hashed together).',
  fields: (t) => ({
    first: t.string({ description: 'The first partition read, in the upstream definition’s order.', resolve: (r) => r.range.first }),
    last: t.string({ description: 'The last partition read. Every partition from first to last was read unless `set` says otherwise.', resolve: (r) => r.range.last }),
    count: t.int({ description: 'How many partitions were read.', resolve: (r) => r.range.count }),
    combinedHash: t.string({ resolve: (r) => r.range.combinedHash }),
    set: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'The exact partitions read when first…last does not say it: `{ boxes: [{ <dimension>: [[first, last], …], … }] }` (a multi-dimensional upstream: each box the product of its dimensions’ key runs, e.g. one zone’s days) or `{ runs: [[first, last], …] }`. Null when every partition from first to last was read.',
      resolve: (r) => r.range.set,
    }),
    partitionKeys: t.stringList({
      description: 'The keys of the partitions read, in the upstream definition’s order (a page of them).',
      args: { first: t.arg.int({ defaultValue: 100 }), offset: t.arg.int({ defaultValue: 0 }) },
      resolve: async (r, args, { scope: ctx }) => {
        const limit = pageSize(args.first, 100);
        const offset = args.offset ?? 0;
        if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidInputError('offset', `offset must be a non-negative integer, got ${offset}`);
        const catalog = await ctx.catalog(r.location);
        if (!catalog?.graph) throw new UnavailableError(`the asset graph of code location ${r.location} cannot be rebuilt here: ${catalog?.graphProblem ?? 'no deployment'}`);
        return rangeEdgeKeys(catalog.graph, await ctx.partitionContext(r.location), { upstream_asset: r.upstreamAsset, range_first: r.range.first, range_last: r.range.last, range_count: r.range.count, range_set: r.range.set }, { reader: r.reader, page: { offset, limit } });
      },
    }),
  }),
});

const InputObject = builder.objectRef<{ location: string; name: string; edges: InputEdgeDetail[]; reader: MaterializationDetail }>('MaterializationInput').implement({
  description: 'What one input of a materialization read.',
  fields: (t) => ({
    name: t.exposeString('name'),
    upstreamAsset: t.string({ resolve: (i) => i.edges[0]?.upstreamAsset ?? '' }),
    partitions: t.field({ type: [ReadObject], resolve: (i) => i.edges.filter((e) => !e.range).map((edge) => ({ location: i.location, edge })) }),
    range: t.field({
      type: RangeObject,
      nullable: true,
      resolve: (i) => {
        const edge = i.edges.find((e) => e.range);
        return edge?.range ? { location: i.location, upstreamAsset: edge.upstreamAsset, range: edge.range, reader: { assetKey: i.reader.assetKey, partitionKey: i.reader.partitionKey, inputName: i.name } } : null;
      },
    }),
  }),
});

export const CheckResultObject = builder.objectRef<CheckResultDetail>('CheckResult').implement({
  description: 'The result of a check on a data version of a partition.',
  fields: (t) => ({
    check: t.exposeString('check'),
    passed: t.exposeBoolean('passed'),
    blocking: t.exposeBoolean('blocking'),
    message: t.string({ nullable: true, resolve: (c) => c.message }),
    metadata: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.metadata }),
    dataVersion: t.exposeString('dataVersion'),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
  }),
});

const PartitionChangeObject = builder.objectRef<InputDiff['changedPartitions'][number]>('ReadChange').implement({
  fields: (t) => ({
    partitionKey: t.exposeString('partitionKey'),
    fromDataVersion: t.string({ nullable: true, resolve: (c) => c.fromDataVersion }),
    toDataVersion: t.string({ nullable: true, resolve: (c) => c.toDataVersion }),
    fromMaterializationId: t.id({ nullable: true, resolve: (c) => c.fromMaterializationId }),
    toMaterializationId: t.id({ nullable: true, resolve: (c) => c.toMaterializationId }),
  }),
});

const InputDiffObject = builder.objectRef<InputDiff>('InputDiff').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    upstreamAsset: t.exposeString('upstreamAsset'),
    change: t.field({ type: DiffChangeEnum, resolve: (d) => d.change }),
    changedPartitions: t.field({ type: [PartitionChangeObject], resolve: (d) => [...d.changedPartitions] }),
    addedPartitions: t.stringList({ resolve: (d) => [...d.addedPartitions] }),
    removedPartitions: t.stringList({ resolve: (d) => [...d.removedPartitions] }),
    rangeFrom: t.string({ nullable: true, resolve: (d) => d.range?.from ?? null }),
    rangeTo: t.string({ nullable: true, resolve: (d) => d.range?.to ?? null }),
  }),
});

const DiffObject = builder.objectRef<MaterializationDiff & { location: string }>('MaterializationDiff').implement({
  authScopes: async (d, { scope: ctx }) => ({ group: { group: await groupOfMaterialization(ctx, { location: d.location, m: d.to }), role: 'viewer' } }),
  description: 'What changed between two materializations of one partition: the code, the inputs (which, and how), the output.',
  fields: (t) => ({
    from: t.field({ type: MaterializationObject, resolve: (d) => ({ location: d.location, m: d.from }) }),
    to: t.field({ type: MaterializationObject, resolve: (d) => ({ location: d.location, m: d.to }) }),
    codeChanged: t.exposeBoolean('codeChanged'),
    outputChanged: t.exposeBoolean('outputChanged', { description: 'The data versions differ.' }),
    deploymentChanged: t.exposeBoolean('deploymentChanged'),
    inputs: t.field({ type: [InputDiffObject], resolve: (d) => [...d.inputs] }),
    changedInputs: t.stringList({ resolve: (d) => d.inputs.filter((i) => i.change !== 'same').map((i) => i.name) }),
  }),
});

async function diffOf(ctx: RequestScope, location: string, fromId: number, toId: number, field = 'against'): Promise<MaterializationDiff & { location: string }> {
  const [from, to] = await Promise.all([ctx.materializations.load(fromId), ctx.materializations.load(toId)]);
  if (!from) throw new NotFoundError('materialization', String(fromId));
  if (!to) throw new NotFoundError('materialization', String(toId));
  if (from.assetKey !== to.assetKey || from.partitionKey !== to.partitionKey)
    throw new InvalidInputError(field, `materializations ${fromId} (${from.assetKey} ${from.partitionKey}) and ${toId} (${to.assetKey} ${to.partitionKey}) are of different partitions`);
  const [fe, te] = await Promise.all([ctx.edges.load(fromId), ctx.edges.load(toId)]);
  return { ...diffMaterializations(from, fe, to, te), location };
}

const parseId = (id: string | number, field: string): number => {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidInputError(field, `${field} must be a materialization id (a positive integer), got ${JSON.stringify(String(id).slice(0, 50))}`);
  return n;
};

MaterializationObject.implement({
  description: 'A materialization with its full provenance: code and deployment, what each input read, where the value is, timings, worker, provider, checks.',
  authScopes: async (ref, { scope: ctx }) => ({ group: { group: await groupOfMaterialization(ctx, ref), role: 'viewer' } }),
  fields: (t) => ({
    id: t.id({ resolve: (r) => r.m.id }),
    token: t.string({ resolve: (r) => r.m.token }),
    assetKey: t.string({ resolve: (r) => r.m.assetKey }),
    partitionKey: t.string({ resolve: (r) => r.m.partitionKey }),
    asset: t.field({
      type: AssetObject,
      nullable: true,
      resolve: async (r, _a, { scope: ctx }) => {
        const catalog = await ctx.catalog(r.location);
        const asset = catalog?.byKey.get(r.m.assetKey);
        return catalog && asset ? { location: r.location, catalog, asset } : null;
      },
    }),
    partition: t.field({
      type: PartitionObject,
      nullable: true,
      resolve: async (r, _a, { scope: ctx }) => {
        const catalog = await ctx.catalog(r.location);
        const asset = catalog?.byKey.get(r.m.assetKey);
        return catalog && asset ? { ref: { location: r.location, catalog, asset }, key: r.m.partitionKey } : null;
      },
    }),
    codeVersion: t.string({ resolve: (r) => r.m.codeVersion }),
    dataVersion: t.string({ resolve: (r) => r.m.dataVersion }),
    storageUri: t.string({ nullable: true, description: 'Where the value is in object storage (null when it is kept inline, or was not stored).', resolve: (r) => r.m.storageUri }),
    inlineValue: t.field({
      type: InlineValueObject,
      nullable: true,
      description: 'The value itself, when it is small enough to be kept in the provenance store instead of object storage.',
      resolve: (r, _a, { scope: ctx }) => (r.m.storedInline ? ctx.store(r.location).explorer.inlineValue(r.m.id) : null),
    }),
    bytes: t.float({ nullable: true, resolve: (r) => r.m.bytes }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.m.startedAt }),
    finishedAt: t.field({ type: 'DateTime', resolve: (r) => r.m.finishedAt }),
    durationMs: t.float({ nullable: true, resolve: (r) => (r.m.startedAt === null ? null : r.m.finishedAt - r.m.startedAt) }),
    attempt: t.int({ resolve: (r) => r.m.attempt }),
    worker: t.string({ nullable: true, resolve: (r) => r.m.worker }),
    computeProvider: t.string({ nullable: true, resolve: (r) => r.m.computeProvider }),
    workflowId: t.string({ nullable: true, resolve: (r) => r.m.workflowId }),
    runId: t.string({ nullable: true, resolve: (r) => r.m.runId }),
    inputsAsOf: t.float({ description: 'The planner cursor its inputs were read at.', resolve: (r) => r.m.inputsAsOf }),
    seq: t.float({ nullable: true, description: 'The event seq it was recorded at.', resolve: (r) => r.m.seq }),
    becameCurrent: t.boolean({ description: 'It became its partition’s current materialization when recorded (a late attempt of an older plan did not).', resolve: (r) => r.m.becameCurrent }),
    deploymentId: t.id({ nullable: true, resolve: (r) => r.m.deploymentId }),
    deployment: t.field({ type: DeploymentRef, nullable: true, resolve: async (r, _a, { scope: ctx }) => (r.m.deploymentId ? ((await ctx.deployment(r.location, r.m.deploymentId)) ?? null) : null) }),
    inputs: t.field({
      type: [InputObject],
      resolve: async (r, _a, { scope: ctx }) => {
        const edges = await ctx.edges.load(r.m.id);
        const names = [...new Set(edges.map((e) => e.inputName))];
        return names.map((name) => ({ location: r.location, name, edges: edges.filter((e) => e.inputName === name), reader: r.m }));
      },
    }),
    logs: t.field({
      type: [LogLineObject],
      description: 'What its compute logged, oldest attempt first.',
      args: { first: t.arg.int({ defaultValue: DEFAULT_LOG_LINES, description: LOG_FIRST_DOC }), after: t.arg.string({ required: false, description: LOG_AFTER_DOC }) },
      resolve: (r, args, { scope: ctx }) => logLines(ctx, r.location, r.m.token, args),
    }),
    checks: t.field({ type: [CheckResultObject], description: 'Check results of its data version, latest first per check.', resolve: (r, _a, { scope: ctx }) => ctx.checks.load({ assetKey: r.m.assetKey, partitionKey: r.m.partitionKey, dataVersion: r.m.dataVersion }) }),
    previous: t.field({
      type: MaterializationObject,
      nullable: true,
      description: 'The materialization of the same partition recorded before this one.',
      resolve: async (r, _a, { scope: ctx }) => {
        const [m] = await ctx.store(r.location).explorer.materializationHistory(r.m.assetKey, r.m.partitionKey, { first: 1, before: r.m.id });
        return m ? { location: r.location, m } : null;
      },
    }),
    diff: t.field({
      type: DiffObject,
      description: 'What changed from `against` (default: the previous materialization) to this one.',
      args: { against: t.arg.id({ required: false }) },
      nullable: true,
      resolve: async (r, args, { scope: ctx }) => {
        let fromId: number | undefined = args.against == null ? undefined : parseId(args.against, 'against');
        if (fromId === undefined) fromId = (await ctx.store(r.location).explorer.materializationHistory(r.m.assetKey, r.m.partitionKey, { first: 1, before: r.m.id }))[0]?.id;
        return fromId === undefined ? null : diffOf(ctx, r.location, fromId, r.m.id);
      },
    }),
  }),
});

builder.objectFields(AssetObject, (t) => ({
  recentMaterializations: t.field({
    type: [MaterializationObject],
    description: 'Its latest materializations, newest first, whichever partitions they were of (at most 1000 a page; `before`: a materialization id, for the next page).',
    args: { first: t.arg.int({ defaultValue: 20 }), before: t.arg.id({ required: false }) },
    resolve: async (r, args, { scope: ctx }) => {
      const before = args.before == null ? undefined : parseId(args.before, 'before');
      return (await ctx.store(r.location).explorer.recentMaterializations(r.asset.key, { first: pageSize(args.first, 20), ...(before === undefined ? {} : { before }) })).map((m) => ({ location: r.location, m }));
    },
  }),
}));

builder.objectFields(PartitionObject, (t) => ({
  current: t.field({
    type: MaterializationObject,
    nullable: true,
    description: 'Its current materialization.',
    resolve: async (p, _a, { scope: ctx }) => {
      const id = (await ctx.partitionDetail(p.ref, p.key)).materializationId;
      const m = id === null ? undefined : await ctx.materializations.load(id);
      return m ? { location: p.ref.location, m } : null;
    },
  }),
  materializations: t.field({
    type: [MaterializationObject],
    description: 'Its materializations, newest first.',
    args: { first: t.arg.int({ defaultValue: 20 }), before: t.arg.id({ required: false, description: 'A materialization id: those recorded before it.' }) },
    resolve: async (p, args, { scope: ctx }) =>
      (await ctx.store(p.ref.location).explorer.materializationHistory(p.ref.asset.key, p.key, { first: pageSize(args.first, 20), before: args.before == null ? undefined : parseId(args.before, 'before') })).map((m) => ({ location: p.ref.location, m })),
  }),
  checks: t.field({
    type: [CheckResultObject],
    description: 'Check results of its current data version.',
    resolve: async (p, _a, { scope: ctx }) => {
      const d = await ctx.partitionDetail(p.ref, p.key);
      return d.dataVersion === null ? [] : ctx.checks.load({ assetKey: p.ref.asset.key, partitionKey: p.key, dataVersion: d.dataVersion });
    },
  }),
}));

builder.queryFields((t) => ({
  materialization: t.field({
    type: MaterializationObject,
    description: 'One materialization by id.',
    args: { id: t.arg.id({ required: true }), location: t.arg.string({ required: false, description: LOCATION_DOC }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: { signedIn: true },
    resolve: async (_r, args, { scope: ctx }) => {
      const m = await ctx.materializations.load(parseId(args.id, 'id'));
      if (!m) throw new NotFoundError('materialization', String(args.id));
      return { location: await ctx.location(args.location), m };
    },
  }),
  diff: t.field({
    type: DiffObject,
    description: 'What changed between two materializations of one partition.',
    args: { from: t.arg.id({ required: true }), to: t.arg.id({ required: true }), location: t.arg.string({ required: false, description: LOCATION_DOC }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: { signedIn: true },
    resolve: async (_r, args, { scope: ctx }) => diffOf(ctx, await ctx.location(args.location), parseId(args.from, 'from'), parseId(args.to, 'to'), 'to'),
  }),
}));
