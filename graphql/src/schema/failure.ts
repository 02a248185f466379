import { LOCATION_DOC } from './location-arg.js';
import type { FailureGroup } from '@weft/store';
import { groupOf } from '../api/request-scope.js';
import type { FailureClass } from '@weft/core';
import { builder } from '../builder.js';
import { FailureClassEnum } from './scalars.js';
import { AssetObject, pageSize } from './asset.js';

export const FailureGroupObject = builder.objectRef<FailureGroup & { location: string }>('FailureGroup').implement({
  description: 'Failures of one asset sharing a fingerprint (one problem), with the partitions failed by it now.',
  fields: (t) => ({
    assetKey: t.exposeString('assetKey'),
    asset: t.field({
      type: AssetObject,
      nullable: true,
      resolve: async (g, _a, { scope: ctx }) => {
        const catalog = await ctx.catalog(g.location);
        const asset = catalog?.byKey.get(g.assetKey);
        return catalog && asset ? { location: g.location, catalog, asset } : null;
      },
    }),
    fingerprint: t.exposeString('fingerprint'),
    failureClass: t.field({ type: FailureClassEnum, resolve: (f) => f.failureClass as FailureClass }),
    occurrences: t.exposeInt('occurrences', { description: 'Failed attempts with this fingerprint, ever.' }),
    firstSeen: t.field({ type: 'DateTime', resolve: (g) => g.firstSeen }),
    lastSeen: t.field({ type: 'DateTime', resolve: (g) => g.lastSeen }),
    sampleMessage: t.exposeString('sampleMessage', { description: 'The message of its first failure.' }),
    lastStack: t.string({ nullable: true, description: 'The stack trace of its latest failure that had one (secrets redacted, at most 16 KiB).', resolve: (g) => g.lastStack }),
    partitionCount: t.int({ description: 'Partitions failed by it now.', resolve: (g) => g.partitions.length }),
    partitions: t.stringList({ args: { first: t.arg.int({ defaultValue: 100 }) }, resolve: (g, args) => g.partitions.slice(0, pageSize(args.first, 100)) }),
  }),
});

builder.queryFields((t) => ({
  failures: t.field({
    type: [FailureGroupObject],
    description: 'Failures grouped by fingerprint, most recent first, of the assets the viewer may see.',
    authScopes: { signedIn: true },
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), assetKey: t.arg.string({ required: false }), onlyCurrent: t.arg.boolean({ defaultValue: false, description: 'Only groups with partitions failed by them now.' }) },
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const catalog = await ctx.catalog(location);
      const groups = await ctx.store(location).failureGroups(args.assetKey ?? undefined);
      return groups
        .filter((g) => {
          const asset = catalog?.byKey.get(g.assetKey);
          return (asset ? ctx.viewer.can('viewer', groupOf(asset)) : ctx.viewer.canEverywhere('viewer')) && (!args.onlyCurrent || g.partitions.length > 0);
        })
        .map((g) => ({ ...g, location }));
    },
  }),
}));

builder.objectFields(AssetObject, (t) => ({
  failures: t.field({
    type: [FailureGroupObject],
    description: 'Its failures grouped by fingerprint.',
    resolve: async (r, _a, { scope: ctx }) => (await ctx.store(r.location).failureGroups(r.asset.key)).map((g) => ({ ...g, location: r.location })),
  }),
}));
