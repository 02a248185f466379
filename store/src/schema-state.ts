/**
 * The tables of what holds now (see schema.ts for the conventions): partition state, failure
 * groups, source observations, dynamic partitions, requests, planner cursors and API tokens.
 */
import { sql } from 'drizzle-orm';
import { bigint, bytea, customType, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at } from './schema-columns.js';

/** A PostgreSQL `xid8`: a 64-bit transaction id (no wraparound), read as its decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

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
    /**
     * The transaction that wrote the row last: its default on insert, and every statement that
     * updates a row sets `changed_xid = pg_current_xact_id()`. A reader holding the snapshot of an
     * earlier read (`pg_current_snapshot()`) finds exactly the rows changed since: those whose
     * `changed_xid` that snapshot does not see (the API's status cache patches its codes with
     * them). Rows written before the column existed hold 0 (seen by every snapshot).
     */
    changedXid: xid8('changed_xid').notNull().default(sql`pg_current_xact_id()`),
  },
  // Partial indexes: a fresh partition (most of them, and every recording) costs no entry in either,
  // so recording a materialization maintains the primary key only.
  (t) => [
    primaryKey({ columns: [t.location, t.assetKey, t.partitionKey] }),
    index('weft_partition_state_unsettled_idx').on(t.location, t.assetKey, t.status).where(sql`status <> 'fresh'`),
    index('weft_partition_state_failing_idx').on(t.location, t.assetKey, t.failureFingerprint).where(sql`failure_fingerprint IS NOT NULL`),
    // The rows changed since a snapshot: a range of this index (then filtered by asset). Not
    // (location, asset_key, changed_xid): with statistics that lag behind a growing table,
    // PostgreSQL took that index for a partition's key lookup and read every row of the asset.
    index('weft_partition_state_changed_since_idx').on(t.location, t.changedXid),
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
    /** The stack trace of the group's latest failure that had one (secrets redacted). */
    lastStack: bytea('last_stack'),
  },
  (t) => [primaryKey({ columns: [t.location, t.assetKey, t.fingerprint] })],
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
