/**
 * @weft/store: the provenance store on PostgreSQL and PGlite (one schema, one code path): the
 * event log, materializations with their input edges, partition state, failures, checks,
 * requests, deployments, API tokens and the audit log, and the migrations that create them.
 * `@weft/core` defines what the planner needs of it (`PlannerStore`); this package implements it.
 *
 * @module
 */
export * from './types.js';
export * as storageSchema from './schema.js';
export { ProvenanceStore } from './store.js';
export { migrate, pendingMigrations, readMigrations, MIGRATIONS_FOLDER, type Migration } from './migrate.js';
export { pgDatabase, pgliteDatabase, type SqlClient, type SqlDatabase } from './sql-client.js';
export { checkStoredText, MAX_INLINE_VALUE_BYTES, MAX_STACK_BYTES } from './validate.js';
export { copyField, copyLine, copyStatement, type CopyValue } from './copy-text.js';
export { EDGE_COLUMNS, MATERIALIZATION_COLUMNS, edgeLines, materializationLines } from './materialization-rows.js';
export { Explorer } from './explorer.js';
export { rangeEdgeKeys, type RangeEdge, type RangeReader } from './range-edges.js';
export { LOG_LEVELS, MAX_LOG_MESSAGE_BYTES } from './log-writer.js';
export { MAX_LOG_PAGE } from './log-reader.js';
export type { StatusChanges, StatusChangesAsk, StatusChangesRead, StatusCodesRead } from './status-codes.js';
export type * from './explorer-types.js';
export type { CurrentValue } from './queries.js';
