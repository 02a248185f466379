/**
 * What every part of the provenance store shares: the database, the code location, the event log,
 * and the event lock every writer of events takes.
 */
import type { EventLog } from './event-log.js';
import type { SqlClient, SqlDatabase } from './sql-client.js';

/** The channel NOTIFY wakes event listeners on. */
export const NOTIFY_CHANNEL = 'weft_events';
/** The transaction-scoped advisory lock every writer of events takes (see `lockEvents`). */
export const EVENT_LOCK = 7340332;

/*
 * KEYED_LOOKUP: statements that look up a list of given keys (`unnest(...) AS given`) probe the
 * table once per key through a `LATERAL (... LIMIT 1)` subquery, never a plain join. A plain join
 * is planned from the table's statistics, and those lag behind a table that grows fast (a first
 * backfill, every benchmark): PostgreSQL then believed an asset had one state row and scanned all of
 * them once per key (1 s for 128 keys at 20,000 rows). A probe per key costs the same at any size.
 * Writes by key likewise: an upsert is `INSERT … ON CONFLICT` (its arbiter index probes each row;
 * a MERGE is a join, and hashed every state row of the location per recorded batch), and an
 * UPDATE of given keys updates the rows a `LATERAL (… LIMIT 1 FOR UPDATE)` probe found, by ctid
 * (the probe locks the newest version of the row, rechecking its conditions as an UPDATE would,
 * so the ctid it returns is still the row's when the UPDATE reaches it).
 */

/** The database, the location and the event log a part of the store works on. */
export interface StoreContext {
  readonly db: SqlDatabase;
  readonly location: string;
  readonly events: EventLog;
}

/** A part of the store (one concern), composed by the `ProvenanceStore` facade. */
export abstract class StorePart implements StoreContext {
  constructor(
    readonly db: SqlDatabase,
    readonly location: string,
    readonly events: EventLog,
  ) {}
}

/** The transaction lock every event writer takes before its events get ids (released at commit). */
export async function lockEvents(q: SqlClient): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOCK]);
}

/** The key of a partition in maps (keys never hold NUL: checked before anything is written). */
export function partitionId(assetKey: string, partitionKey: string): string {
  return `${assetKey}\u0000${partitionKey}`;
}

/** A timestamp parameter from epoch ms (null stays null). */
export const ts = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined ? null : new Date(ms));
