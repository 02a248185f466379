/**
 * The tables of what happened (see schema.ts for the conventions): the event log, deployments,
 * materializations with their attempts and input edges, check results and the audit log.
 */
import { bigint, boolean, bytea, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, id } from './schema-columns.js';

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
    /**
     * A small value kept in the row itself instead of object storage (see the workers'
     * `inlineValueBytes`): a file or an object per tiny value costs more than its compute.
     */
    inlineValue: bytea('inline_value'),
  },
  (t) => [
    uniqueIndex('weft_materializations_token_key').on(t.token),
    index('weft_materializations_partition_idx').on(t.assetKey, t.partitionKey, t.id),
    // An asset's latest materializations, whichever partitions (the asset page, `weft status`).
    index('weft_materializations_asset_recent_idx').on(t.assetKey, t.id),
  ],
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
    /** The stack trace of what the user or plugin code threw (secrets redacted; at most 16 KiB). */
    errorStack: bytea('error_stack'),
  },
  (t) => [index('weft_attempts_token_idx').on(t.token), index('weft_attempts_partition_idx').on(t.assetKey, t.partitionKey, t.id)],
);

/**
 * Log lines a compute wrote (`ctx.log`) or its provider streamed (pod logs), per attempt of a
 * token: kept with the attempt's detail and pruned with it.
 */
export const logs = pgTable(
  'weft_logs',
  {
    location: text('location').notNull(),
    token: text('token').notNull(),
    attempt: integer('attempt').notNull(),
    line: integer('line').notNull(),
    assetKey: text('asset_key').notNull(),
    partitionKey: text('partition_key').notNull(),
    at: at('at').notNull(),
    level: text('level').notNull(),
    message: bytea('message').notNull(),
    /** JSON text of the structured fields (text: jsonb cannot hold every string JSON can). */
    fields: text('fields'),
  },
  (t) => [primaryKey({ columns: [t.location, t.token, t.attempt, t.line] }), index('weft_logs_at_idx').on(t.at)],
);

/**
 * One row per input of a materialization. A one-partition input names the upstream partition, the
 * data version read and the upstream materialization; a range input is one row with its first and
 * last keys, count and combined hash (expanded on demand, never a row per partition), and in
 * `range_set` the exact set read when first…last does not say it (a multi-dimensional selection
 * such as one zone's days, a one-dimensional one with holes: core's `StoredPartitionSet`, keys
 * per dimension). NULL there means every partition from first to last (and every row older than
 * the column).
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
    rangeSet: jsonb('range_set'),
  },
  (t) => [primaryKey({ columns: [t.materializationId, t.inputName] }), index('weft_input_edges_upstream_idx').on(t.upstreamMaterializationId)],
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
