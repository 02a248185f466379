import { LOCATION_DOC } from './location-arg.js';
import { randomBytes } from 'node:crypto';
import { emptyCounts, PARTITION_STATUSES, type PartitionStatus } from '@weft/core';
import type { RequestDetail } from '@weft/store';
import { audit } from '../api/audit.js';
import { InvalidInputError, NotFoundError } from '../api/errors.js';
import { selectedKeys, type PartitionSelection } from '../api/partitions.js';
import { groupOf, type AssetRef, type RequestScope } from '../api/request-scope.js';
import { builder } from '../builder.js';
import { AssetObject, pageSize } from './asset.js';
import { LOOKUP_ERRORS } from './errors.js';
import { RequestActionEnum, RequestStatusEnum } from './scalars.js';
import { StatusCountsObject } from './status.js';

export const RequestObject = builder.objectRef<RequestDetail & { location: string }>('Request');

RequestObject.implement({
  description: 'A user request (materialize, backfill, retry) and its progress.',
  fields: (t) => ({
    id: t.exposeID('id'),
    location: t.exposeString('location'),
    action: t.field({ type: RequestActionEnum, resolve: (r) => r.action as 'materialize' }),
    assetKey: t.exposeString('assetKey'),
    asset: t.field({
      type: AssetObject,
      nullable: true,
      resolve: async (r, _a, { scope: ctx }) => {
        const catalog = await ctx.catalog(r.location);
        const asset = catalog?.byKey.get(r.assetKey);
        return catalog && asset ? { location: r.location, catalog, asset } : null;
      },
    }),
    allPartitions: t.boolean({ description: 'It asked for every partition of the asset.', resolve: (r) => r.partitionKeys === null }),
    partitionCount: t.float({ nullable: true, description: 'How many partitions it names (null: every partition).', resolve: (r) => r.partitionKeys?.length ?? null }),
    partitionKeys: t.stringList({ nullable: true, args: { first: t.arg.int({ defaultValue: 100 }) }, resolve: (r, args) => r.partitionKeys?.slice(0, pageSize(args.first, 100)) ?? null }),
    priority: t.exposeInt('priority'),
    status: t.field({ type: RequestStatusEnum, resolve: (r) => r.status as 'open' }),
    done: t.boolean({ resolve: (r) => r.status !== 'open' }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finishedAt }),
    requestedBy: t.string({ nullable: true, resolve: (r) => r.requestedBy }),
    total: t.float({ nullable: true, description: 'Partitions it covers, as the planner last counted.', resolve: (r) => r.total }),
    progress: t.field({
      type: StatusCountsObject,
      nullable: true,
      description: 'Its partitions by status, as the planner last counted.',
      resolve: (r) => {
        if (!r.progress) return null;
        const counts = emptyCounts();
        for (const s of PARTITION_STATUSES) counts[s] = r.progress[s] ?? 0;
        return counts;
      },
    }),
    fractionDone: t.float({
      nullable: true,
      description: 'Settled partitions (not running, stale or missing) over its total.',
      resolve: (r) => {
        if (!r.progress || !r.total) return r.status === 'done' ? 1 : null;
        const open = (['running', 'stale', 'missing'] as PartitionStatus[]).reduce((n, s) => n + (r.progress?.[s] ?? 0), 0);
        return Math.max(0, Math.min(1, (r.total - open) / r.total));
      },
    }),
  }),
});

const RangeInput = builder.inputType('PartitionRangeInput', {
  description: "An inclusive range of partitions in the definition's order.",
  fields: (t) => ({ first: t.string({ required: true }), last: t.string({ required: true }) }),
});

const SelectionInput = builder.inputType('PartitionSelectionInput', {
  description: 'Exactly one of: `keys`, `range`, or `all: true`.',
  fields: (t) => ({ keys: t.stringList({ required: false }), range: t.field({ type: RangeInput, required: false }), all: t.boolean({ required: false }) }),
});

const SubmittedObject = builder.objectRef<{ requests: Array<RequestDetail & { location: string }>; woken: boolean }>('RequestsSubmitted').implement({
  description: 'The requests a mutation submitted (one per asset).',
  fields: (t) => ({
    requests: t.field({ type: [RequestObject], resolve: (s) => s.requests }),
    woken: t.exposeBoolean('woken', { description: 'The reconcile loop was woken at once (false: it picks them up at its next tick).' }),
  }),
});

function checkPriority(priority: number | null | undefined): number {
  const p = priority ?? 0;
  if (!Number.isSafeInteger(p) || p < 0 || p > 1000) throw new InvalidInputError('priority', `priority must be an integer 0 … 1000, got ${p}`);
  return p;
}

/** Submits one request per asset, all in one transaction (validated first: a bad partition anywhere submits nothing). */
async function submit(ctx: RequestScope, location: string, action: 'materialize' | 'backfill' | 'retry', plans: Array<{ ref: AssetRef; keys: string[] | null }>, priority: number) {
  const store = ctx.store(location);
  const submitted = plans.map(({ ref, keys }) => ({ id: `req-${randomBytes(6).toString('hex')}`, action, assetKey: ref.asset.key, partitionKeys: keys, priority }));
  await store.submitRequests(submitted, ctx.viewer.actor);
  const ids = submitted.map((r) => r.id);
  const woken = await ctx.api.wake(location, 'request');
  const requests = (await store.explorer.requestsById(ids)).map((r) => ({ ...r, location }));
  await audit(ctx, action, plans.map((p) => p.ref.asset.key).join(','), { location, requests: ids, partitions: plans.map((p) => p.keys?.length ?? 'all'), priority });
  return { requests, woken };
}

async function computedAsset(ctx: RequestScope, location: string, key: string): Promise<AssetRef> {
  const ref = await ctx.asset(location, key);
  if (ref.asset.kind !== 'asset') throw new InvalidInputError('assetKeys', `${key} is a source: it is observed, never materialized (report a change with reportSourceChange)`);
  ctx.definition(ref);
  return ref;
}

builder.queryFields((t) => ({
  requests: t.field({
    type: [RequestObject],
    description: 'Requests and backfills, newest first, of the assets the viewer may see.',
    authScopes: { signedIn: true },
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), status: t.arg({ type: RequestStatusEnum, required: false }), assetKey: t.arg.string({ required: false }), first: t.arg.int({ defaultValue: 50 }), before: t.arg.id({ required: false }) },
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const catalog = await ctx.catalog(location);
      const rows = await ctx.store(location).explorer.requests({ status: args.status ?? undefined, assetKey: args.assetKey ?? undefined, first: pageSize(args.first, 50), before: args.before == null ? undefined : String(args.before) });
      return rows
        .filter((r) => {
          const asset = catalog?.byKey.get(r.assetKey);
          return asset ? ctx.viewer.can('viewer', groupOf(asset)) : ctx.viewer.canEverywhere('viewer');
        })
        .map((r) => ({ ...r, location }));
    },
  }),
  request: t.field({
    type: RequestObject,
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), id: t.arg.id({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ request: { location: args.location, id: String(args.id), role: 'viewer' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const r = await ctx.request(location, String(args.id));
      if (!r) throw new NotFoundError('request', String(args.id));
      return { ...r, location };
    },
  }),
}));

builder.mutationFields((t) => ({
  materialize: t.field({
    type: SubmittedObject,
    description: 'Materializes partitions of assets now, before automatic work (one request per asset).',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), assetKeys: t.arg.stringList({ required: true }), partitions: t.arg({ type: SelectionInput, required: true }), priority: t.arg.int({ defaultValue: 0 }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: args.assetKeys, role: 'operator' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      if (args.assetKeys.length === 0 || args.assetKeys.length > 1000) throw new InvalidInputError('assetKeys', 'name 1 … 1000 assets');
      const priority = checkPriority(args.priority);
      const plans: Array<{ ref: AssetRef; keys: string[] | null }> = [];
      for (const key of new Set(args.assetKeys)) {
        const ref = await computedAsset(ctx, location, key);
        plans.push({ ref, keys: selectedKeys(ref, ctx.definition(ref), await ctx.partitionContext(location), args.partitions as PartitionSelection) });
      }
      return submit(ctx, location, 'materialize', plans, priority);
    },
  }),
  backfill: t.field({
    type: SubmittedObject,
    description: 'Backfills a range (or every partition) of an asset: its partitions run in order, before automatic work.',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), assetKey: t.arg.string({ required: true }), partitions: t.arg({ type: SelectionInput, required: true }), priority: t.arg.int({ defaultValue: 0 }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: [args.assetKey], role: 'operator' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const priority = checkPriority(args.priority);
      const ref = await computedAsset(ctx, location, args.assetKey);
      const keys = selectedKeys(ref, ctx.definition(ref), await ctx.partitionContext(location), args.partitions as PartitionSelection);
      return submit(ctx, location, 'backfill', [{ ref, keys }], priority);
    },
  }),
  retry: t.field({
    type: SubmittedObject,
    description: 'Retries failed partitions now: one partition, the partitions failed by one fingerprint, or every failed partition of the asset.',
    args: {
      location: t.arg.string({ required: false, description: LOCATION_DOC }),
      assetKey: t.arg.string({ required: true }),
      partitionKey: t.arg.string({ required: false }),
      fingerprint: t.arg.string({ required: false }),
      allFailed: t.arg.boolean({ required: false }),
    },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: [args.assetKey], role: 'operator' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const given = [args.partitionKey != null, args.fingerprint != null, args.allFailed === true].filter(Boolean).length;
      if (given !== 1) throw new InvalidInputError('retry', 'name exactly one of partitionKey, fingerprint or allFailed: true');
      const ref = await computedAsset(ctx, location, args.assetKey);
      let keys: string[];
      if (args.partitionKey != null) keys = selectedKeys(ref, ctx.definition(ref), await ctx.partitionContext(location), { keys: [args.partitionKey] }) as string[];
      else {
        const groups = await ctx.store(location).failureGroups(args.assetKey);
        const chosen = args.fingerprint != null ? groups.filter((g) => g.fingerprint === args.fingerprint) : groups;
        if (args.fingerprint != null && chosen.length === 0) throw new NotFoundError('failure fingerprint', args.fingerprint, `asset ${args.assetKey} has no failures with fingerprint ${JSON.stringify(args.fingerprint)}`);
        keys = [...new Set(chosen.flatMap((g) => g.partitions))];
        if (keys.length === 0) throw new InvalidInputError('retry', `asset ${args.assetKey} has no partitions failed${args.fingerprint != null ? ` by fingerprint ${args.fingerprint}` : ''} now`);
      }
      return submit(ctx, location, 'retry', [{ ref, keys }], 0);
    },
  }),
  cancelRequest: t.field({
    type: RequestObject,
    description: 'Cancels an open request: nothing more is started for it (what runs finishes).',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), id: t.arg.id({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ request: { location: args.location, id: String(args.id), role: 'operator' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const id = String(args.id);
      const result = await ctx.store(location).cancelRequest(id);
      if (!result) throw new NotFoundError('request', id);
      if (result.cancelled) await ctx.api.wake(location, 'request');
      await audit(ctx, 'cancel', id, { location, cancelled: result.cancelled, status: result.status });
      const [row] = await ctx.store(location).explorer.requestsById([id]);
      return { ...row!, location };
    },
  }),
}));
