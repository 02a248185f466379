import { PARTITION_STATUSES, summarizeStatuses, statusRuns, totalCounts, type DimensionSummary, type StatusBucket, type StatusCounts } from '@weft/core';
import { InvalidInputError } from '../api/errors.js';
import { indexOfKey } from '../api/partitions.js';
import { builder } from '../builder.js';
import { AssetObject } from './asset.js';
import { PartitionStatusEnum, SummaryLevelEnum } from './scalars.js';


export const StatusCountsObject = builder.objectRef<StatusCounts>('StatusCounts').implement({
  description: 'Partitions by status.',
  fields: (t) => ({
    ...Object.fromEntries(
      PARTITION_STATUSES.map((s) => [s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), t.float({ resolve: (c) => c[s] })]),
    ),
    total: t.float({ resolve: (c) => PARTITION_STATUSES.reduce((n, s) => n + c[s], 0) }),
  }),
});

const BucketObject = builder.objectRef<StatusBucket>('StatusBucket').implement({
  description: 'A calendar period (or a key) of partitions and their counts by status.',
  fields: (t) => ({
    label: t.exposeString('label', { description: '`2024`, `2024-03`, `2024-03-01`, `2024-03-01T05`, or a key.' }),
    firstKey: t.exposeString('firstKey'),
    lastKey: t.exposeString('lastKey'),
    count: t.exposeFloat('count'),
    counts: t.field({ type: StatusCountsObject, resolve: (b) => b.counts }),
  }),
});

const DimensionObject = builder.objectRef<DimensionSummary>('DimensionSummary').implement({
  fields: (t) => ({
    dimension: t.exposeString('dimension', { description: "The dimension's name ('' for a one-dimensional asset)." }),
    buckets: t.field({ type: [BucketObject], resolve: (d) => [...d.buckets] }),
  }),
});

const SummaryObject = builder.objectRef<{ total: StatusCounts; dimensions: DimensionSummary[] }>('StatusSummary').implement({
  description: 'Counts per status over calendar buckets (or keys), per dimension, from the partition-state table.',
  fields: (t) => ({
    total: t.field({ type: StatusCountsObject, resolve: (s) => s.total }),
    dimensions: t.field({ type: [DimensionObject], resolve: (s) => s.dimensions }),
  }),
});

const RunObject = builder.objectRef<{ firstKey: string; lastKey: string; count: number; status: (typeof PARTITION_STATUSES)[number] }>('StatusRun').implement({
  description: 'Consecutive partitions with one status.',
  fields: (t) => ({
    firstKey: t.exposeString('firstKey'),
    lastKey: t.exposeString('lastKey'),
    count: t.exposeFloat('count'),
    status: t.field({ type: PartitionStatusEnum, resolve: (r) => r.status }),
  }),
});

const RunsObject = builder.objectRef<{ runs: Array<{ firstKey: string; lastKey: string; count: number; status: (typeof PARTITION_STATUSES)[number] }>; truncated: boolean }>('StatusRuns').implement({
  fields: (t) => ({
    runs: t.field({ type: [RunObject], resolve: (r) => r.runs }),
    truncated: t.exposeBoolean('truncated', { description: 'More runs follow: ask again from the last key.' }),
  }),
});

builder.objectFields(AssetObject, (t) => ({
  statusCounts: t.field({
    type: StatusCountsObject,
    description: 'Its partitions by status (partitions never materialized count as missing).',
    resolve: async (r, _a, { scope: ctx }) => totalCounts(await ctx.codesOf(r)),
  }),
  statusSummary: t.field({
    type: SummaryObject,
    description:
      'Counts by status per calendar bucket (year → month → day → hour) for time partitions, per key for others, and per dimension for multi-dimensional assets. Drill down with `level` and a `from`/`to` range of keys (of `dimension` for a multi-dimensional asset).',
    args: {
      level: t.arg({ type: SummaryLevelEnum, required: false, description: 'Default: the coarsest level with more than one bucket.' }),
      from: t.arg.string({ required: false }),
      to: t.arg.string({ required: false, description: 'Inclusive.' }),
      dimension: t.arg.string({ required: false }),
      maxBuckets: t.arg.int({ defaultValue: 2000 }),
    },
    resolve: async (r, args, { scope: ctx }) => {
      const def = ctx.definition(r);
      const pctx = await ctx.partitionContext(r.location);
      const codes = await ctx.codesOf(r);
      let axis = def;
      if (args.dimension != null) {
        if (def.kind !== 'multi') throw new InvalidInputError('dimension', `asset ${r.asset.key} has one dimension: leave dimension out`);
        const dim = def.dimensions.find((d) => d.name === args.dimension);
        if (!dim) throw new InvalidInputError('dimension', `asset ${r.asset.key} has no dimension ${JSON.stringify(args.dimension)} (it has ${def.dimensions.map((d) => d.name).join(', ')})`);
        axis = dim.definition;
      } else if (def.kind === 'multi' && (args.from != null || args.to != null)) throw new InvalidInputError('dimension', `name the dimension that from/to are keys of (${def.dimensions.map((d) => d.name).join(', ')})`);
      const from = args.from == null ? undefined : indexOfKey(r, axis, pctx, args.from);
      const to = args.to == null ? undefined : indexOfKey(r, axis, pctx, args.to) + 1;
      if (from !== undefined && to !== undefined && to <= from) throw new InvalidInputError('to', `to (${args.to}) comes before from (${args.from})`);
      const maxBuckets = Math.max(1, Math.min(args.maxBuckets ?? 2000, 10_000));
      let dimensions: DimensionSummary[];
      try {
        dimensions = summarizeStatuses(def, pctx, codes, { level: args.level ?? undefined, from, to, dimension: args.dimension ?? undefined, maxBuckets });
      } catch (e) {
        if (e instanceof RangeError) throw new InvalidInputError('level', e.message);
        throw e;
      }
      const total = def.kind === 'multi' || (from === undefined && to === undefined) ? totalCounts(codes) : totalCounts(codes, from ?? 0, to ?? codes.length);
      return { total, dimensions };
    },
  }),
  statusRuns: t.field({
    type: RunsObject,
    description: 'Runs of consecutive partitions with one status (in the definition’s order), from `from` on.',
    args: { from: t.arg.string({ required: false }), to: t.arg.string({ required: false, description: 'Inclusive.' }), first: t.arg.int({ defaultValue: 1000 }) },
    resolve: async (r, args, { scope: ctx }) => {
      const def = ctx.definition(r);
      const pctx = await ctx.partitionContext(r.location);
      const codes = await ctx.codesOf(r);
      const from = args.from == null ? 0 : indexOfKey(r, def, pctx, args.from);
      const to = args.to == null ? codes.length : indexOfKey(r, def, pctx, args.to) + 1;
      if (to <= from) throw new InvalidInputError('to', `to (${args.to}) comes before from (${args.from ?? 'the first partition'})`);
      const limit = Math.max(1, Math.min(args.first ?? 1000, 10_000));
      const runs = statusRuns(codes, from, to, limit + 1);
      return {
        runs: runs.slice(0, limit).map((x) => ({ firstKey: def.keyAt(x.fromIndex, pctx), lastKey: def.keyAt(x.toIndex - 1, pctx), count: x.toIndex - x.fromIndex, status: x.status })),
        truncated: runs.length > limit,
      };
    },
  }),
}));
