import { LOCATION_DOC } from './location-arg.js';
import { dynamicPartitions, sourceDataVersion, WeftError, type ReportedVersion } from '@weft/core';
import { audit } from '../api/audit.js';
import { InvalidInputError, NotFoundError } from '../api/errors.js';
import { indexOfKey } from '../api/partitions.js';
import { usesDynamic } from '../auth-scopes.js';
import { builder } from '../builder.js';
import { LOOKUP_ERRORS } from './errors.js';

const VersionInput = builder.inputType('SourceVersionInput', {
  description: 'The version a source system reports for a partition: a checksum, an ETag, or mtime and size (in that order of preference).',
  fields: (t) => ({ checksum: t.string({ required: false }), etag: t.string({ required: false }), mtimeMs: t.float({ required: false }), size: t.float({ required: false }) }),
});

const ChangeInput = builder.inputType('SourceChangeInput', {
  fields: (t) => ({ partitionKey: t.string({ required: true }), version: t.field({ type: VersionInput, required: true }) }),
});

const ReportedObject = builder.objectRef<{ changed: string[]; unchanged: number; woken: boolean }>('SourceChangesRecorded').implement({
  fields: (t) => ({
    changed: t.stringList({ description: 'Partitions whose data version changed (each an event; downstream goes stale).', resolve: (r) => r.changed }),
    unchanged: t.exposeInt('unchanged', { description: 'Partitions reported with the version they had.' }),
    woken: t.exposeBoolean('woken'),
  }),
});

const DynamicObject = builder.objectRef<{ name: string; changed: string[]; keys: string[] }>('DynamicPartitionsChanged').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    changed: t.stringList({ description: 'Keys added (or removed) now; keys already there (or not there) are left out.', resolve: (r) => r.changed }),
    keys: t.stringList({ description: 'Every key of the definition after the change, in order.', resolve: (r) => r.keys }),
  }),
});

/** Store refusals of a key (NUL bytes, too long) as the error a client can act on. */
function badKeys<T>(work: () => Promise<T>): Promise<T> {
  return work().catch((e: unknown) => {
    if (e instanceof WeftError && e.code === 'storage.bad_key') throw new InvalidInputError(String(e.context.field ?? 'keys'), e.message);
    throw e;
  });
}

builder.mutationFields((t) => ({
  reportSourceChange: t.field({
    type: ReportedObject,
    description: 'The push call: these source partitions changed, with the versions their system reports. Changed versions are recorded and the loop wakes at once.',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), sourceKey: t.arg.string({ required: true }), partitions: t.arg({ type: [ChangeInput], required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: [args.sourceKey], role: 'operator' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const location = await ctx.location(args.location);
      const ref = await ctx.asset(location, args.sourceKey);
      if (ref.asset.kind !== 'source') throw new InvalidInputError('sourceKey', `${args.sourceKey} is an asset, not a source: materialize it instead`);
      if (args.partitions.length === 0 || args.partitions.length > 100_000) throw new InvalidInputError('partitions', 'report 1 … 100000 partitions at a time');
      const def = ctx.definition(ref);
      const pctx = await ctx.partitionContext(location);
      const observations = args.partitions.map((p, i) => {
        indexOfKey(ref, def, pctx, p.partitionKey);
        const version: ReportedVersion = Object.fromEntries(Object.entries(p.version).filter(([, v]) => v !== null && v !== undefined));
        if (Object.keys(version).length === 0) throw new InvalidInputError(`partitions.${i}.version`, `partition ${p.partitionKey}: give a checksum, an etag, or mtimeMs and size`);
        try {
          return { partitionKey: p.partitionKey, dataVersion: sourceDataVersion(version), reported: version };
        } catch (e) {
          throw new InvalidInputError(`partitions.${i}.version`, `partition ${p.partitionKey}: ${(e as Error).message}`);
        }
      });
      const events = await badKeys(() => ctx.store(location).recordSourceObservations(args.sourceKey, observations));
      const changed = events.flatMap((e) => (e.kind === 'source.observed' ? e.partitions.map((p) => p.partitionKey) : []));
      const woken = changed.length > 0 ? await ctx.api.wake(location, 'source_observed') : false;
      await audit(ctx, 'report_source_change', args.sourceKey, { location, reported: observations.length, changed: changed.length });
      return { changed, unchanged: observations.length - changed.length, woken };
    },
  }),
  addDynamicPartitions: t.field({
    type: DynamicObject,
    description: 'Adds keys to a dynamic partitions definition (in order; keys there already are ignored).',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), name: t.arg.string({ required: true }), keys: t.arg.stringList({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ dynamic: { location: args.location, name: args.name, role: 'admin' } }),
    resolve: async (_r, args, { scope: ctx }) => changeDynamic(ctx, await ctx.location(args.location), args.name, args.keys, 'add'),
  }),
  removeDynamicPartitions: t.field({
    type: DynamicObject,
    description: 'Removes keys from a dynamic partitions definition; their state and provenance stay as history.',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), name: t.arg.string({ required: true }), keys: t.arg.stringList({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ dynamic: { location: args.location, name: args.name, role: 'admin' } }),
    resolve: async (_r, args, { scope: ctx }) => changeDynamic(ctx, await ctx.location(args.location), args.name, args.keys, 'remove'),
  }),
}));

async function changeDynamic(ctx: Parameters<typeof audit>[0], location: string, name: string, keys: readonly string[], how: 'add' | 'remove') {
  const catalog = await ctx.catalog(location);
  if (!catalog?.assets.some((a) => usesDynamic(a.partitions, name))) throw new NotFoundError('dynamic partitions', name, `no asset of code location ${JSON.stringify(location)} has dynamic partitions named ${JSON.stringify(name)}`);
  if (keys.length === 0 || keys.length > 100_000) throw new InvalidInputError('keys', 'name 1 … 100000 keys');
  const def = dynamicPartitions({ name });
  for (const k of keys) {
    const problem = def.checkKey(k);
    if (problem) throw new InvalidInputError('keys', `dynamic partition key ${JSON.stringify(k.slice(0, 100))}: ${problem}`);
  }
  const store = ctx.store(location);
  const events = await badKeys(() => (how === 'add' ? store.addDynamicKeys(name, keys) : store.removeDynamicKeys(name, keys)));
  const changed = events.flatMap((e) => (e.kind === 'dynamic.keys_added' || e.kind === 'dynamic.keys_removed' ? [...e.keys] : []));
  if (changed.length > 0) await ctx.api.wake(location, 'request');
  await audit(ctx, `${how}_dynamic_partitions`, name, { location, keys: keys.length, changed: changed.length });
  return { name, changed, keys: (await store.dynamicKeys())[name] ?? [] };
}
