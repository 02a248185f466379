import { LOCATION_DOC } from './location-arg.js';
import { describeReason, PARTITION_STATUSES, type FailureClass, type PartitionStatus, type Reason } from '@weft/core';
import type { AttemptRow, PartitionDetail } from '@weft/store';
import { cursorIndex, indexCursor, indexOfKey } from '../api/partitions.js';
import { DEFAULT_LOG_LINES, type AssetRef } from '../api/request-scope.js';
import { LOG_AFTER_DOC, LOG_FIRST_DOC, LogLineObject, logLines } from './log.js';
import { builder } from '../builder.js';
import { AssetObject, pageSize } from './asset.js';
import { LOOKUP_ERRORS } from './errors.js';
import { FailureClassEnum, PartitionStatusEnum, ReasonKindEnum } from './scalars.js';

/** A partition of an asset, by key (its state is loaded when a field asks). */
export interface PartitionRef {
  readonly ref: AssetRef;
  readonly key: string;
}

export const PartitionObject = builder.objectRef<PartitionRef>('Partition');

const ReasonObject = builder.objectRef<Reason>('Reason').implement({
  description: 'A machine-readable reason a partition is not fresh, with the same in words.',
  fields: (t) => {
    const field = (name: string) => (r: Reason) => ((r as unknown as Record<string, unknown>)[name] ?? null) as never;
    return {
      kind: t.field({ type: ReasonKindEnum, resolve: (r) => r.kind }),
      description: t.string({ description: 'e.g. `stale: upstream raw 3 partitions (2024-03-01 … 2024-03-03) changed (input orders)`.', resolve: (r) => describeReason(r) }),
      assetKey: t.string({ nullable: true, description: 'The upstream asset it is about.', resolve: field('assetKey') }),
      input: t.string({ nullable: true, resolve: field('input') }),
      partitions: t.stringList({ nullable: true, description: 'The upstream partitions it is about (the first ones; `more` says how many others).', resolve: field('partitions') }),
      more: t.int({ nullable: true, resolve: field('more') }),
      fingerprint: t.string({ nullable: true, resolve: field('fingerprint') }),
      failureClass: t.field({ type: FailureClassEnum, nullable: true, resolve: (r) => field('failureClass')(r) as FailureClass | null }),
      message: t.string({ nullable: true, resolve: field('message') }),
      check: t.string({ nullable: true, resolve: field('check') }),
      fromCodeVersion: t.string({ nullable: true, resolve: field('from') }),
      toCodeVersion: t.string({ nullable: true, resolve: field('to') }),
      details: t.field({ type: 'JSON', description: 'The reason as stored.', resolve: (r) => r }),
    };
  },
});

const FailureObject = builder.objectRef<NonNullable<PartitionDetail['failure']>>('PartitionFailure').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    failureClass: t.field({ type: FailureClassEnum, resolve: (f) => f.failureClass as FailureClass }),
    fingerprint: t.exposeString('fingerprint', { description: 'Failures with one fingerprint are one problem (see `failures`).' }),
    message: t.exposeString('message'),
    retryAt: t.field({ type: 'DateTime', nullable: true, resolve: (f) => f.retryAt }),
  }),
});

const CheckFailureObject = builder.objectRef<NonNullable<PartitionDetail['checkFailure']>>('PartitionCheckFailure').implement({
  fields: (t) => ({ check: t.exposeString('check'), message: t.exposeString('message') }),
});

const RunningObject = builder.objectRef<{ token: string; since: number | null; batch: string | null }>('PartitionRun').implement({
  description: 'The materialization running now.',
  fields: (t) => ({
    token: t.exposeString('token'),
    since: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.since }),
    batchId: t.string({ nullable: true, resolve: (r) => r.batch }),
  }),
});

const AttemptObject = builder.objectRef<AttemptRow>('Attempt').implement({
  description: 'One attempt at materializing a partition.',
  fields: (t) => ({
    token: t.exposeString('token'),
    attempt: t.exposeInt('attempt'),
    status: t.exposeString('status', { description: '`succeeded`, `failed`, `released`, …' }),
    failureClass: t.field({ type: FailureClassEnum, nullable: true, resolve: (a) => a.failureClass as FailureClass | null }),
    fingerprint: t.string({ nullable: true, resolve: (a) => a.fingerprint }),
    message: t.string({ nullable: true, description: 'The exact error message.', resolve: (a) => a.message }),
    stack: t.string({ nullable: true, description: 'The stack trace of what the compute (or a plugin) threw, secrets redacted, at most 16 KiB.', resolve: (a) => a.stack }),
  }),
});

const PLANNED_STATUSES: ReadonlySet<string> = new Set(['stale', 'missing', 'blocked']);

const detail = (p: PartitionRef, ctx: { partitionDetail(ref: AssetRef, key: string): Promise<PartitionDetail> }): Promise<PartitionDetail> => ctx.partitionDetail(p.ref, p.key);

PartitionObject.implement({
  description: 'One partition of an asset: where it stands, why, and how it was made.',
  fields: (t) => ({
    id: t.id({ resolve: (p) => `${p.ref.location}/${p.ref.asset.key}/${p.key}` }),
    key: t.string({ resolve: (p) => p.key }),
    asset: t.field({ type: AssetObject, resolve: (p) => p.ref }),
    status: t.field({ type: PartitionStatusEnum, resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).status }),
    reasons: t.field({
      type: [ReasonObject],
      description: 'Why it is not fresh, as the planner saw it at its last plan.',
      resolve: async (p, _a, { scope: ctx }) => {
        const d = await detail(p, ctx);
        // Stored reasons are the plan's, for the status the plan gave (stale, missing, blocked); a
        // recording since (running, fresh, failed, check failed) has its own reasons, made below.
        const reasons = PLANNED_STATUSES.has(d.status) ? [...(d.reasons ?? [])] : [];
        if (d.status === 'failed' && d.failure && !reasons.some((r) => r.kind === 'failed')) reasons.push({ kind: 'failed', fingerprint: d.failure.fingerprint, failureClass: d.failure.failureClass as 'actionable', message: d.failure.message, retryAt: d.failure.retryAt });
        if (d.checkFailure && !reasons.some((r) => r.kind === 'check_failed')) reasons.push({ kind: 'check_failed', check: d.checkFailure.check, message: d.checkFailure.message });
        if (d.status === 'missing' && reasons.length === 0 && d.materializationId === null) reasons.push({ kind: 'never_materialized' });
        // (A plan that changed more partitions at once than it explains leaves no reasons: the code
        // change, the commonest cause of that, is still told from the stored and the deployed version.)
        if (d.status === 'stale' && !reasons.some((r) => r.kind === 'code_changed') && d.codeVersion !== null) {
          const deployed = (await ctx.deployment(p.ref.location, p.ref.catalog.deploymentId))?.codeVersions[p.ref.asset.key];
          if (deployed !== undefined && deployed !== d.codeVersion) reasons.push({ kind: 'code_changed', from: d.codeVersion, to: deployed });
        }
        return reasons;
      },
    }),
    token: t.string({ nullable: true, description: 'The token of its current materialization.', resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).token }),
    dataVersion: t.string({ nullable: true, resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).dataVersion }),
    codeVersion: t.string({ nullable: true, resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).codeVersion }),
    failure: t.field({ type: FailureObject, nullable: true, resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).failure }),
    failureLogs: t.field({
      type: [LogLineObject],
      description: 'What the failed attempt logged (empty unless it is failed).',
      args: { first: t.arg.int({ defaultValue: DEFAULT_LOG_LINES, description: LOG_FIRST_DOC }), after: t.arg.string({ required: false, description: LOG_AFTER_DOC }) },
      resolve: async (p, args, { scope: ctx }) => {
        const failure = (await detail(p, ctx)).failure;
        return failure ? logLines(ctx, p.ref.location, failure.token, args) : [];
      },
    }),
    checkFailure: t.field({ type: CheckFailureObject, nullable: true, resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).checkFailure }),
    running: t.field({
      type: RunningObject,
      nullable: true,
      resolve: async (p, _a, { scope: ctx }) => {
        const d = await detail(p, ctx);
        return d.runningToken ? { token: d.runningToken, since: d.runningSince, batch: d.runningBatch } : null;
      },
    }),
    verifiedSeq: t.float({ description: 'The event seq its inputs were last verified at (-1: never).', resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).verifiedSeq }),
    changedSeq: t.float({ description: 'The event seq its data version last changed at (-1: never).', resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).changedSeq }),
    updatedSeq: t.float({ description: 'The event seq its state was last written at.', resolve: async (p, _a, { scope: ctx }) => (await detail(p, ctx)).updatedSeq }),
    attempts: t.field({ type: [AttemptObject], description: 'Every attempt, newest first.', resolve: (p, _a, { scope: ctx }) => ctx.store(p.ref.location).attempts(p.ref.asset.key, p.key) }),
  }),
});

const PartitionPage = builder.objectRef<{ nodes: PartitionRef[]; endCursor: string | null; hasNextPage: boolean; totalCount: number }>('PartitionPage').implement({
  fields: (t) => ({
    nodes: t.field({ type: [PartitionObject], resolve: (p) => p.nodes }),
    endCursor: t.string({ nullable: true, resolve: (p) => p.endCursor }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    totalCount: t.exposeFloat('totalCount', { description: 'Partitions matching the filter.' }),
  }),
});

builder.objectFields(AssetObject, (t) => ({
  partitions: t.field({
    type: PartitionPage,
    description: "Its partitions in the definition's order, cursor-paged, optionally in one status.",
    args: { first: t.arg.int({ defaultValue: 100 }), after: t.arg.string({ required: false }), status: t.arg({ type: PartitionStatusEnum, required: false }) },
    resolve: async (r, args, { scope: ctx }) => {
      const def = ctx.definition(r);
      const pctx = await ctx.partitionContext(r.location);
      const codes = await ctx.codesOf(r);
      const want = args.status == null ? -1 : PARTITION_STATUSES.indexOf(args.status as PartitionStatus);
      const limit = pageSize(args.first, 100);
      const indices: number[] = [];
      let i = cursorIndex(args.after) + 1;
      let total = codes.length;
      if (want >= 0) {
        total = 0;
        for (let j = 0; j < codes.length; j++) if (codes[j] === want) total++;
      }
      for (; i < codes.length && indices.length < limit; i++) if (want < 0 || codes[i] === want) indices.push(i);
      let more = false;
      for (let j = i; j < codes.length; j++) {
        if (want < 0 || codes[j] === want) {
          more = true;
          break;
        }
      }
      const nodes = indices.map((k) => ({ ref: r, key: def.keyAt(k, pctx) }));
      return { nodes, endCursor: indices.length ? indexCursor(indices[indices.length - 1]!) : null, hasNextPage: more, totalCount: total };
    },
  }),
  partition: t.field({
    type: PartitionObject,
    args: { key: t.arg.string({ required: true }) },
    resolve: async (r, args, { scope: ctx }) => {
      indexOfKey(r, ctx.definition(r), await ctx.partitionContext(r.location), args.key);
      return { ref: r, key: args.key };
    },
  }),
}));

builder.queryFields((t) => ({
  partition: t.field({
    type: PartitionObject,
    description: 'One partition: its state with reasons, materializations and lineage.',
    args: { location: t.arg.string({ required: false, description: LOCATION_DOC }), assetKey: t.arg.string({ required: true }), partitionKey: t.arg.string({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: (_r, args) => ({ asset: { location: args.location, assetKeys: [args.assetKey], role: 'viewer' } }),
    resolve: async (_r, args, { scope: ctx }) => {
      const ref = await ctx.asset(await ctx.location(args.location), args.assetKey);
      indexOfKey(ref, ctx.definition(ref), await ctx.partitionContext(ref.location), args.partitionKey);
      return { ref, key: args.partitionKey };
    },
  }),
}));
