/**
 * The provenance store's schema (drizzle-orm, PostgreSQL dialect; the same tables on PGlite).
 * SQL migrations are generated from this file by drizzle-kit into `migrations/` and never edited.
 *
 * Conventions: ids are bigints used as JS numbers (< 2^53); tokens and data versions are
 * lower-case sha256 hex; partition keys are text ('' for unpartitioned assets); error messages are
 * bytea (UTF-8), so any text, NUL bytes included, round-trips exactly.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, bytea, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const id = () => bigserial({ mode: 'number' }).primaryKey();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The append-only event log; `id` is the cursor of the planner, subscriptions and audit. */
export const events = pgTable(
  'weft_events',
  {
    id: id(),
    at: at('at').notNull().defaultNow(),
    kind: text('kind').notNull(),
    location: text('location').notNull().default('default'),
    assetKey: text('asset_key'),
    partitionKey: text('partition_key'),
    payload: jsonb('payload').notNull(),
  },
  (t) => [
    index('weft_events_asset_idx').on(t.assetKey, t.id),
    index('weft_events_kind_idx').on(t.kind, t.id),
    // A planner reads its own location's events after its cursor; retention asks each location's next one.
    index('weft_events_location_idx').on(t.location, t.id),
  ],
);

/** Definition snapshots with code versions: which code made what, answerable forever. */
export const deployments = pgTable('weft_deployments', {
  id: text('id').primaryKey(),
  location: text('location').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  definitions: jsonb('definitions').notNull(),
  codeVersions: jsonb('code_versions').notNull(),
  eventId: bigint('event_id', { mode: 'number' }),
});

/** One committed success per token (the unique index decides exactly-once). */
export const materializations = pgTable(
  'weft_materializations',
  {
    id: id(),
    token: text('token').notNull(),
    assetKey: text('asset_key').notNull(),
    partitionKey: text('partition_key').notNull(),
    codeVersion: text('code_version').notNull(),
    dataVersion: text('data_version').notNull(),
    storageUri: text('storage_uri'),
    bytes: bigint('bytes', { mode: 'number' }),
    startedAt: at('started_at'),
    finishedAt: at('finished_at').notNull().defaultNow(),
    attempt: integer('attempt').notNull().default(1),
    worker: text('worker'),
    computeProvider: text('compute_provider'),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    inputsAsOf: bigint('inputs_as_of', { mode: 'number' }).notNull(),
    deploymentId: text('deployment_id'),
    eventId: bigint('event_id', { mode: 'number' }),
    /**
     * Whether it became its partition's current materialization when recorded: false for an older
     * plan's attempt that committed after a newer plan had wanted the partition (kept as history).
     */
    becameCurrent: boolean('became_current').notNull().default(true),
  },
  (t) => [uniqueIndex('weft_materializations_token_key').on(t.token), index('weft_materializations_partition_idx').on(t.assetKey, t.partitionKey, t.id)],
);

/** Every attempt (started, succeeded, failed), kept apart from the one committed success. */
export const attempts = pgTable(
  'weft_attempts',
  {
    id: id(),
    token: text('token').notNull(),
    assetKey: text('asset_key').notNull(),
    partitionKey: text('partition_key').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
    worker: text('worker'),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    failureClass: text('failure_class'),
    fingerprint: text('fingerprint'),
    errorMessage: bytea('error_message'),
  },
  (t) => [index('weft_attempts_token_idx').on(t.token), index('weft_attempts_partition_idx').on(t.assetKey, t.partitionKey, t.id)],
);

/**
 * One row per input of a materialization. A one-partition input names the upstream partition, the
 * data version read and the upstream materialization; a range input is one row with its first and
 * last keys, count and combined hash (expanded on demand, never a row per partition).
 */
export const inputEdges = pgTable(
  'weft_input_edges',
  {
    materializationId: bigint('materialization_id', { mode: 'number' }).notNull(),
    inputName: text('input_name').notNull(),
    upstreamAsset: text('upstream_asset').notNull(),
    upstreamPartition: text('upstream_partition'),
    upstreamMaterializationId: bigint('upstream_materialization_id', { mode: 'number' }),
    dataVersion: text('data_version'),
    rangeFirst: text('range_first'),
    rangeLast: text('range_last'),
    rangeCount: integer('range_count'),
    combinedHash: text('combined_hash'),
  },
  (t) => [primaryKey({ columns: [t.materializationId, t.inputName] }), index('weft_input_edges_upstream_idx').on(t.upstreamMaterializationId)],
);

/** Current state per (asset, partition), kept incrementally from plans and recordings. */
export const partitionState = pgTable(
  'weft_partition_state',
  {
    assetKey: text('asset_key').notNull(),
    partitionKey: text('partition_key').notNull(),
    status: text('status').notNull(),
    materializationId: bigint('materialization_id', { mode: 'number' }),
    token: text('token'),
    dataVersion: text('data_version'),
    codeVersion: text('code_version'),
    verifiedSeq: bigint('verified_seq', { mode: 'number' }).notNull().default(-1),
    changedSeq: bigint('changed_seq', { mode: 'number' }).notNull().default(-1),
    reasons: jsonb('reasons'),
    /** The latest failure: { token, failureClass, fingerprint, message, retryAt }. */
    failure: jsonb('failure'),
    failureFingerprint: text('failure_fingerprint'),
    runningToken: text('running_token'),
    runningSince: at('running_since'),
    /** A failed blocking check of the current data version: { check, message }. */
    checkFailure: jsonb('check_failure'),
    updatedEventId: bigint('updated_event_id', { mode: 'number' }).notNull().default(0),
    /** The batch running `running_token` (its materialize workflow id is derived from it). */
    runningBatch: text('running_batch'),
    /**
     * The cursor of the latest plan that wanted a token for this partition (or that a recorded
     * token was planned at): a success planned before it does not become current. -1 where none.
     */
    plannedSeq: bigint('planned_seq', { mode: 'number' }).notNull().default(-1),
    /** The code location it belongs to (each location's state is its own). */
    location: text('location').notNull().default('default'),
  },
  // Partial indexes: a fresh partition (most of them, and every recording) costs no entry in either,
  // so recording a materialization maintains the primary key only.
  (t) => [
    primaryKey({ columns: [t.location, t.assetKey, t.partitionKey] }),
    index('weft_partition_state_unsettled_idx').on(t.location, t.assetKey, t.status).where(sql`status <> 'fresh'`),
    index('weft_partition_state_failing_idx').on(t.location, t.assetKey, t.failureFingerprint).where(sql`failure_fingerprint IS NOT NULL`),
  ],
);

/** Failures grouped by fingerprint. */
export const failureGroups = pgTable(
  'weft_failure_groups',
  {
    fingerprint: text('fingerprint').notNull(),
    assetKey: text('asset_key').notNull(),
    failureClass: text('failure_class').notNull(),
    firstSeen: at('first_seen').notNull().defaultNow(),
    lastSeen: at('last_seen').notNull().defaultNow(),
    occurrences: integer('occurrences').notNull().default(1),
    sampleMessage: bytea('sample_message').notNull(),
    /** The code location it belongs to (each location's state is its own). */
    location: text('location').notNull().default('default'),
  },
  (t) => [primaryKey({ columns: [t.location, t.assetKey, t.fingerprint] })],
);

/** Results of data-quality checks per materialized data version. */
export const checkResults = pgTable(
  'weft_check_results',
  {
    id: id(),
    assetKey: text('asset_key').notNull(),
    partitionKey: text('partition_key').notNull(),
    dataVersion: text('data_version').notNull(),
    checkName: text('check_name').notNull(),
    passed: boolean('passed').notNull(),
    blocking: boolean('blocking').notNull(),
    message: bytea('message'),
    metadata: jsonb('metadata'),
    materializationId: bigint('materialization_id', { mode: 'number' }),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [index('weft_check_results_partition_idx').on(t.assetKey, t.partitionKey, t.id)],
);

/** The latest observation of each source partition (the history is in the event log). */
export const sourceObservations = pgTable(
  'weft_source_observations',
  {
    assetKey: text('asset_key').notNull(),
    partitionKey: text('partition_key').notNull(),
    dataVersion: text('data_version').notNull(),
    reported: jsonb('reported'),
    observedAt: at('observed_at').notNull().defaultNow(),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    /** The code location it belongs to (each location's state is its own). */
    location: text('location').notNull().default('default'),
  },
  (t) => [primaryKey({ columns: [t.location, t.assetKey, t.partitionKey] })],
);

/** Keys added to dynamic partitions definitions, in order. */
export const dynamicPartitions = pgTable(
  'weft_dynamic_partitions',
  {
    name: text('name').notNull(),
    partitionKey: text('partition_key').notNull(),
    position: integer('position').notNull(),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    /** The code location it belongs to (each location's state is its own). */
    location: text('location').notNull().default('default'),
  },
  (t) => [primaryKey({ columns: [t.location, t.name, t.partitionKey] }), uniqueIndex('weft_dynamic_partitions_position_key').on(t.location, t.name, t.position)],
);

/** User requests and backfills with their progress. */
export const requests = pgTable('weft_requests', {
  id: text('id').primaryKey(),
  action: text('action').notNull(),
  assetKey: text('asset_key').notNull(),
  partitionKeys: jsonb('partition_keys'),
  priority: integer('priority').notNull().default(0),
  status: text('status').notNull().default('open'),
  createdAt: at('created_at').notNull().defaultNow(),
  finishedAt: at('finished_at'),
  requestedBy: text('requested_by'),
  total: integer('total'),
  progress: jsonb('progress'),
  /** The code location it belongs to (each location's state is its own). */
  location: text('location').notNull().default('default'),
});

/** The planner's cursor per code location. */
export const plannerCursors = pgTable('weft_planner_cursors', {
  location: text('location').primaryKey(),
  cursor: bigint('cursor', { mode: 'number' }).notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** API tokens: only a sha256 of the secret is stored. */
export const apiTokens = pgTable(
  'weft_api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    roles: jsonb('roles').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at'),
    revokedAt: at('revoked_at'),
    lastUsedAt: at('last_used_at'),
  },
  (t) => [uniqueIndex('weft_api_tokens_hash_key').on(t.tokenHash)],
);

/** Who did what, when. */
export const auditLog = pgTable(
  'weft_audit_log',
  {
    id: id(),
    at: at('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    details: jsonb('details'),
  },
  (t) => [index('weft_audit_log_at_idx').on(t.at)],
);

/** Every table, for migrations checks and retention. */
export const schema = { events, deployments, materializations, attempts, inputEdges, partitionState, failureGroups, checkResults, sourceObservations, dynamicPartitions, requests, plannerCursors, apiTokens, auditLog };
