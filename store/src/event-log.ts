import type { WeftEvent } from '@weft/core';
import { lockEvents, NOTIFY_CHANNEL } from './context.js';
import { eventColumns, eventFromRow, materializationEventFromRow, type EventRow, type MaterializationEventRow } from './event-rows.js';
import type { SqlClient, SqlDatabase } from './sql-client.js';
import type { NewEvent } from './types.js';
import { checkStoredText } from './validate.js';

/**
 * The append-only event log of a code location: the planner's cursor, subscriptions and audit.
 * Event ids commit in increasing order (every writer holds the event lock until it commits).
 */
export class EventLog {
  constructor(
    readonly db: SqlDatabase,
    readonly location: string,
  ) {}

  /**
   * Appends events in one transaction (inside `tx` when given) and wakes listeners. Every writer
   * of events takes the same transaction lock first, so event ids commit in increasing order and a
   * reader that has seen id n has seen every id below it (cursors never skip a late commit).
   */
  async appendEvents(events: readonly NewEvent[], tx?: SqlClient): Promise<WeftEvent[]> {
    if (events.length === 0) return [];
    const run = async (q: SqlClient): Promise<WeftEvent[]> => {
      const cols = events.map(eventColumns);
      for (const c of cols) {
        if (c.assetKey !== null) checkStoredText(c.assetKey, 'asset key');
        if (c.partitionKey !== null) checkStoredText(c.partitionKey, 'partition key', { assetKey: c.assetKey ?? undefined });
      }
      await lockEvents(q);
      const rows = await q.query<EventRow>(
        `INSERT INTO weft_events (id, at, kind, location, asset_key, partition_key, payload)
         SELECT nextval('weft_events_id_seq'), coalesce(a, now()), k, $2, ak, pk, p::jsonb
         FROM unnest($1::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS given(a, k, ak, pk, p, n)
         ORDER BY n
         RETURNING id, at, kind, payload`,
        [cols.map((c) => c.at), this.location, cols.map((c) => c.kind), cols.map((c) => c.assetKey), cols.map((c) => c.partitionKey), cols.map((c) => c.payload)],
      );
      await q.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(rows.at(-1)?.id ?? '')]);
      return rows.map(eventFromRow).sort((a, b) => a.seq - b.seq);
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  /**
   * Events after `cursor`, oldest first, at most `limit`. A `materializations.recorded` row is read
   * as the `materialization.succeeded` events it stands for (seqs `id - count + 1 … id`, each the
   * event id of its materialization row), so a page may end inside one and the next page resumes there.
   */
  async eventsSince(cursor: number, limit = 10_000): Promise<WeftEvent[]> {
    const rows = await this.db.query<EventRow | MaterializationEventRow>(
      `WITH page AS (
         SELECT id, at, kind, payload,
           CASE WHEN kind = 'materializations.recorded' THEN least((payload->>'count')::bigint, id - $1::bigint) ELSE 1 END AS n
         FROM weft_events WHERE id > $1::bigint AND location = $2 ORDER BY id LIMIT $3::bigint
       ),
       kept AS (
         SELECT * FROM (SELECT page.*, sum(n) OVER (ORDER BY id) - n AS before FROM page) paged WHERE before < $3::bigint
       )
       SELECT id, at, kind, payload, NULL::text AS asset_key, NULL::text AS partition_key, NULL::text AS token, NULL::text AS data_version, NULL::text AS code_version, NULL::bigint AS inputs_as_of, NULL::boolean AS became_current
       FROM kept WHERE kind <> 'materializations.recorded'
       UNION ALL
       SELECT mat.event_id, mat.finished_at, 'materialization.succeeded', NULL, mat.asset_key, mat.partition_key, mat.token, mat.data_version, mat.code_version, mat.inputs_as_of, mat.became_current
       FROM kept CROSS JOIN LATERAL (
         SELECT * FROM weft_materializations mat
         WHERE mat.id BETWEEN (kept.payload->>'first')::bigint AND (kept.payload->>'first')::bigint + (kept.payload->>'count')::bigint - 1 AND mat.event_id > $1::bigint
         ORDER BY mat.id LIMIT $3::bigint
       ) mat
       WHERE kept.kind = 'materializations.recorded'
       ORDER BY 1 LIMIT $3::bigint`,
      [cursor, this.location, limit],
    );
    return rows.map((row) => (row.payload === null ? materializationEventFromRow(row as MaterializationEventRow) : eventFromRow(row as EventRow)));
  }

  /** Calls `fn` when events are appended (LISTEN/NOTIFY; instant on both drivers). */
  onEvents(fn: (lastId: number) => void): Promise<() => Promise<void>> {
    return this.db.listen(NOTIFY_CHANNEL, (payload) => fn(Number(payload)));
  }
}
