import { LOCATION_DOC } from './location-arg.js';
import type { DeploymentRow, PlannerCursor } from '@weft/store';
import { groupOf, type RequestScope } from '../api/request-scope.js';
import type { LocationCatalog } from '../api/weft-api.js';
import { builder } from '../builder.js';

/** A code location, by name. */
export interface LocationRef {
  readonly name: string;
}

/** Whether the viewer may see an asset of a catalog (one no longer in it: viewers of every group). */
function visible(ctx: RequestScope, catalog: LocationCatalog | undefined, key: string): boolean {
  const asset = catalog?.byKey.get(key);
  return asset ? ctx.viewer.can('viewer', groupOf(asset)) : ctx.viewer.canEverywhere('viewer');
}

export const DeploymentRef = builder.objectRef<DeploymentRow>('Deployment').implement({
  description: 'One deployment of a code location: its definitions and the code version of each asset.',
  fields: (t) => ({
    id: t.exposeID('id'),
    location: t.exposeString('location'),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
    eventSeq: t.float({ nullable: true, description: 'The `definitions.deployed` event that announced it first.', resolve: (d) => d.eventSeq }),
    codeVersions: t.field({
      type: 'JSON',
      description: 'Asset key → code version, of the assets the viewer may see.',
      resolve: async (d, _a, { scope: ctx }) => {
        const catalog = await ctx.catalog(d.location);
        return Object.fromEntries(Object.entries(d.codeVersions).filter(([key]) => visible(ctx, catalog, key)));
      },
    }),
    codeVersion: t.string({
      nullable: true,
      args: { assetKey: t.arg.string({ required: true }) },
      resolve: async (d, args, { scope: ctx }) => (visible(ctx, await ctx.catalog(d.location), args.assetKey) ? (d.codeVersions[args.assetKey] ?? null) : null),
    }),
  }),
});

const PlannerCursorRef = builder.objectRef<PlannerCursor>('PlannerCursor').implement({
  description: "How far a location's planner has read the event log.",
  fields: (t) => ({
    cursor: t.exposeFloat('cursor'),
    readThrough: t.exposeFloat('readThrough'),
    eventsBehind: t.exposeFloat('eventsBehind', { description: 'Events of its own location its planner has yet to read.' }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
  }),
});

export const LocationObject = builder.objectRef<LocationRef>('Location').implement({
  description: 'A code location: a set of asset definitions deployed together, with its own planner.',
  fields: (t) => ({
    name: t.exposeString('name'),
    latestDeployment: t.field({
      type: DeploymentRef,
      nullable: true,
      description: 'The deployment announced last (the one whose planner plans).',
      resolve: async (l, _a, { scope: ctx }) => {
        const catalog = await ctx.catalog(l.name);
        return catalog ? ((await ctx.deployment(l.name, catalog.deploymentId)) ?? null) : null;
      },
    }),
    deployments: t.field({
      type: [DeploymentRef],
      args: { first: t.arg.int({ defaultValue: 20 }), before: t.arg.id({ required: false, description: 'A deployment id: those created before it.' }) },
      resolve: (l, args, { scope: ctx }) => ctx.store(l.name).explorer.deployments({ first: args.first ?? 20, before: args.before === null || args.before === undefined ? undefined : String(args.before) }),
    }),
    plannerCursor: t.field({
      type: PlannerCursorRef,
      nullable: true,
      resolve: async (l, _a, { scope: ctx }) => (await ctx.store(l.name).plannerCursors()).find((c) => c.location === l.name) ?? null,
    }),
    assetCount: t.int({ resolve: async (l, _a, { scope: ctx }) => (await ctx.catalog(l.name))?.assets.length ?? 0 }),
  }),
});

builder.queryFields((t) => ({
  locations: t.field({
    type: [LocationObject],
    description: 'Every code location with a deployment.',
    authScopes: { signedIn: true },
    resolve: async (_r, _a, { scope: ctx }) => (await ctx.locations()).map((name) => ({ name })),
  }),
  deployments: t.field({
    type: [DeploymentRef],
    description: "A location's deployments, newest first.",
    authScopes: { signedIn: true },
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), first: t.arg.int({ defaultValue: 20 }), before: t.arg.id({ required: false }) },
    resolve: async (_r, args, { scope: ctx }) => ctx.store(await ctx.location(args.location)).explorer.deployments({ first: args.first ?? 20, before: args.before === null || args.before === undefined ? undefined : String(args.before) }),
  }),
}));
