/**
 * The provenance store's schema (drizzle-orm, PostgreSQL dialect; the same tables on PGlite).
 * SQL migrations are generated from this file by drizzle-kit into `migrations/` and never edited;
 * the tables are in schema-history.ts (what happened) and schema-state.ts (what holds now).
 *
 * Conventions: ids are bigints used as JS numbers (< 2^53); tokens and data versions are
 * lower-case sha256 hex; partition keys are text ('' for unpartitioned assets); error messages are
 * bytea (UTF-8), so any text, NUL bytes included, round-trips exactly.
 */
import { attempts, auditLog, checkResults, deployments, events, inputEdges, logs, materializations } from './schema-history.js';
import { apiTokens, dynamicPartitions, failureGroups, partitionState, plannerCursors, requests, sourceObservations } from './schema-state.js';

export * from './schema-history.js';
export * from './schema-state.js';

/** Every table, for migrations checks and retention. */
export const schema = { events, deployments, materializations, attempts, logs, inputEdges, partitionState, failureGroups, checkResults, sourceObservations, dynamicPartitions, requests, plannerCursors, apiTokens, auditLog };
