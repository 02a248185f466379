import { PARTITION_STATUSES, SUMMARY_LEVELS } from '@weft/core';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from '../builder.js';

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      throw new GraphQLError('JSON literals cannot hold variables');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value (specs, metadata, versions reported by a source system).',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: literal,
});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC (`2024-03-01T06:00:00.000Z`).',
  serialize: (v) => new Date(v as number).toISOString(),
  parseValue: (v) => {
    const ms = typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms)) throw new GraphQLError(`DateTime must be an ISO-8601 string, got ${JSON.stringify(v)}`);
    return ms;
  },
});

export const PartitionStatusEnum = builder.enumType('PartitionStatus', {
  description: 'Where a partition stands: `FRESH` (current with its inputs and code), `MISSING` (never materialized), `STALE` (an input or the code changed), `RUNNING`, `FAILED`, `BLOCKED` (an upstream failed or is blocked), `CHECK_FAILED` (a blocking check failed on its data).',
  values: Object.fromEntries(PARTITION_STATUSES.map((s) => [s.toUpperCase(), { value: s }])) as Record<string, { value: (typeof PARTITION_STATUSES)[number] }>,
});

export const SummaryLevelEnum = builder.enumType('SummaryLevel', {
  description: 'A calendar level of a time-partitioned status summary.',
  values: Object.fromEntries(SUMMARY_LEVELS.map((s) => [s.toUpperCase(), { value: s }])) as Record<string, { value: (typeof SUMMARY_LEVELS)[number] }>,
});

export const AssetKindEnum = builder.enumType('AssetKind', {
  values: { ASSET: { value: 'asset', description: 'Computed by Weft.' }, SOURCE: { value: 'source', description: 'Observed, never computed.' } } as const,
});

export const DirectionEnum = builder.enumType('LineageDirection', {
  values: { UPSTREAM: { value: 'upstream', description: 'What it was made from.' }, DOWNSTREAM: { value: 'downstream', description: 'What was made from it.' } } as const,
});

/** An enum whose GraphQL names are the upper-case forms of the stored lower-case values. */
function storedEnum<const V extends string>(name: string, description: string, values: Record<V, string>) {
  return builder.enumType(name, {
    description,
    values: Object.fromEntries(Object.entries<string>(values).map(([value, doc]) => [value.toUpperCase(), { value, description: doc }])) as Record<Uppercase<V>, { value: V; description: string }>,
  });
}

export const FailureClassEnum = storedEnum('FailureClass', 'How a failure is handled.', {
  transient: 'Infrastructure or a flaky dependency: retried with backoff.',
  actionable: 'An error in the data or the code: it needs a fix (then retry).',
});

export const RequestActionEnum = storedEnum('RequestAction', 'What a request asked for.', {
  materialize: 'Materialize chosen partitions of chosen assets.',
  backfill: 'Materialize a range of an asset’s partitions.',
  retry: 'Materialize failed partitions again.',
});

export const RequestStatusEnum = storedEnum('RequestStatus', 'Where a request stands.', {
  open: 'Still being worked on.',
  done: 'Every partition it covers was settled.',
  cancelled: 'Cancelled before it was done.',
});

export const DiffChangeEnum = storedEnum('DiffChange', 'How an input differs between two materializations.', {
  added: 'The later one reads an input the earlier one did not.',
  removed: 'The earlier one read an input the later one does not.',
  changed: 'Both read it, and what was read differs.',
  same: 'Both read the same partitions at the same data versions.',
});

export const ReasonKindEnum = storedEnum('ReasonKind', 'Why a partition is not fresh (machine-readable; `Reason.description` says it in words).', {
  never_materialized: 'It has never been materialized.',
  code_changed: 'Its code version changed since it was made.',
  upstream_changed: 'Upstream partitions it read have new data versions.',
  upstream_not_fresh: 'Upstream partitions it reads are not fresh yet.',
  upstream_missing: 'Upstream partitions it needs do not exist yet.',
  upstream_failed: 'Upstream partitions it needs failed.',
  upstream_blocked: 'Upstream partitions it needs are blocked.',
  upstream_check_failed: 'A blocking check failed on upstream partitions it needs.',
  failed: 'Its last attempt failed.',
  check_failed: 'A blocking check failed on its data.',
  running: 'It is being materialized.',
  inputs_changed: 'The inputs it reads changed (definition).',
});

export const PartitionsKindEnum = storedEnum('PartitionsKind', 'How an asset is partitioned.', {
  time: 'By time windows (hourly, daily, …, cron).',
  static: 'A fixed list of keys.',
  dynamic: 'Keys added and removed at run time.',
  multi: 'Several dimensions (keys are `dimension=key|…`).',
  unpartitioned: 'One partition (key "").',
});
