import { LOCATION_DOC } from './location-arg.js';
import type { WeftEvent } from '@weft/core';
import { groupOf } from '../api/request-scope.js';
import { builder } from '../builder.js';
import { RequestObject } from './request.js';

const EventObject = builder.objectRef<WeftEvent & { location: string }>('Event').implement({
  description: "One entry of a location's event log.",
  fields: (t) => ({
    seq: t.float({ description: 'Its position in the log: pass the last one seen as `after` to resume.', resolve: (e) => e.seq }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    kind: t.string({ description: '`materialization.succeeded`, `materialization.failed`, `source.observed`, `request.submitted`, …', resolve: (e) => e.kind }),
    location: t.exposeString('location'),
    assetKey: t.string({ nullable: true, resolve: (e) => ('assetKey' in e ? e.assetKey : 'request' in e ? e.request.assetKey : null) }),
    partitionKey: t.string({ nullable: true, resolve: (e) => ('partitionKey' in e ? e.partitionKey : null) }),
    partitionKeys: t.stringList({
      description: 'Every partition it is about.',
      resolve: (e) => ('partitionKey' in e ? [e.partitionKey] : 'partitions' in e ? e.partitions.map((p) => p.partitionKey) : []),
    }),
    payload: t.field({ type: 'JSON', resolve: ({ location: _l, ...e }) => e }),
  }),
});

const assetOfEvent = (e: WeftEvent): string | null => ('assetKey' in e ? e.assetKey : 'request' in e ? e.request.assetKey : null);

builder.subscriptionFields((t) => ({
  events: t.field({
    type: EventObject,
    description:
      "Live events of a location's log, of the assets the viewer may see. Pass `after` (the last `seq` seen) to resume after a reconnect: nothing is missed, the log is read from there. Without it, only events from now on.",
    authScopes: { signedIn: true },
    args: {
      location: t.arg.string({ required: false, description: LOCATION_DOC }),
      after: t.arg.float({ required: false }),
      assetKeys: t.arg.stringList({ required: false, description: 'Only events of these assets.' }),
      kinds: t.arg.stringList({ required: false, description: 'Only events of these kinds.' }),
    },
    subscribe: async function* (_r, args, { scope: ctx }) {
      const location = await ctx.location(args.location);
      const store = ctx.store(location);
      const signal = ctx.signal;
      const start = args.after ?? (await latestSeq(ctx, location));
      const assets = args.assetKeys ? new Set(args.assetKeys) : undefined;
      const kinds = args.kinds ? new Set(args.kinds) : undefined;
      for await (const event of ctx.api.events.follow(store, start, signal)) {
        const assetKey = assetOfEvent(event);
        if (assets && (assetKey === null || !assets.has(assetKey))) continue;
        if (kinds && !kinds.has(event.kind)) continue;
        const asset = assetKey === null ? undefined : (await ctx.catalog(location))?.byKey.get(assetKey);
        // (Events of no asset, or of one no longer deployed, are for viewers of every group.)
        if (!(asset ? ctx.viewer.can('viewer', groupOf(asset)) : ctx.viewer.canEverywhere('viewer'))) continue;
        yield { ...event, location };
      }
    },
    resolve: (e) => e,
  }),
  request: t.field({
    type: RequestObject,
    description: 'A request as its progress changes, until it is done or cancelled.',
    authScopes: (_r, args) => ({ request: { location: args.location, id: String(args.id), role: 'viewer' } }),
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), id: t.arg.id({ required: true }) },
    subscribe: async function* (_r, args, { scope: ctx }) {
      const location = await ctx.location(args.location);
      const store = ctx.store(location);
      const signal = ctx.signal;
      let last = '';
      while (!signal.aborted) {
        const [row] = await store.explorer.requestsById([String(args.id)]);
        if (!row) return;
        const text = JSON.stringify(row);
        if (text !== last) {
          last = text;
          yield { ...row, location };
        }
        if (row.status !== 'open') return;
        await ctx.api.events.next(store, 2000, signal);
      }
    },
    resolve: (r) => r,
  }),
}));

async function latestSeq(ctx: { store(location: string): { explorer: { stateVersion(): Promise<string> } } }, location: string): Promise<number> {
  return Number((await ctx.store(location).explorer.stateVersion()).split('/')[0]);
}
