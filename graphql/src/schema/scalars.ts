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
