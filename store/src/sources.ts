import type { PartitionKey, WeftEvent } from '@weft/core';
import { EVENT_LOCK, NOTIFY_CHANNEL, StorePart } from './context.js';
import { eventFromRow, type EventRow } from './event-rows.js';
import type { NewEvent } from './types.js';
import { checkStoredText } from './validate.js';

/** What exists outside: source observations and the keys of dynamic partitions definitions. */
export class Sources extends StorePart {
  /** Records source observations: only partitions whose data version changed produce an event. */
  async recordSourceObservations(assetKey: string, observations: ReadonlyArray<{ partitionKey: PartitionKey; dataVersion: string; reported?: unknown }>): Promise<WeftEvent[]> {
    checkStoredText(assetKey, 'asset key');
    for (const p of observations) checkStoredText(p.partitionKey, 'partition key', { assetKey });
    // A partition reported more than once: its last report counts.
    const partitions = [...new Map(observations.map((p) => [p.partitionKey, p])).values()];
    if (partitions.length === 0) return [];
    // One statement, so one round trip (it is on the push call's path: a source change's reaction
    // waits for it): the partitions whose version changed, the event lock, the one event, the
    // observations and the partitions' state, and the wake-up (NOTIFY is delivered at commit).
    // Nothing is written when no version changed. (The event lock is taken before the event's id,
    // as by every writer of events; see EventLog.)
    const rows = await this.db.query<EventRow>(
      `WITH changed AS MATERIALIZED (
         SELECT given.p, given.d, given.r, given.n FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS given(p, d, r, n)
         LEFT JOIN LATERAL (SELECT observed.data_version FROM weft_source_observations observed WHERE observed.location = $5 AND observed.asset_key = $1 AND observed.partition_key = given.p LIMIT 1) obs ON true
         WHERE obs.data_version IS DISTINCT FROM given.d
       ),
       summary AS MATERIALIZED (
         SELECT jsonb_agg(jsonb_build_object('partitionKey', changed.p, 'dataVersion', changed.d) ORDER BY changed.n) AS parts FROM changed
       ),
       locked AS MATERIALIZED (
         SELECT pg_advisory_xact_lock($6) FROM summary WHERE summary.parts IS NOT NULL
       ),
       logged AS MATERIALIZED (
         INSERT INTO weft_events (id, at, kind, location, asset_key, payload)
         SELECT nextval('weft_events_id_seq'), now(), 'source.observed', $5, $1, jsonb_build_object('assetKey', $1::text, 'partitions', summary.parts)
         FROM locked CROSS JOIN summary
         RETURNING id, at, kind, payload
       ),
       observations AS (
         INSERT INTO weft_source_observations AS obs (location, asset_key, partition_key, data_version, reported, event_id)
         SELECT $5, $1, changed.p, changed.d, changed.r::jsonb, logged.id FROM changed CROSS JOIN logged
         ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET data_version = excluded.data_version, reported = excluded.reported, observed_at = now(), event_id = excluded.event_id
       ),
       state AS (
         INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, data_version, changed_seq, verified_seq, updated_event_id)
         SELECT $5, $1, changed.p, 'fresh', changed.d, logged.id, logged.id, logged.id FROM changed CROSS JOIN logged
         ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'fresh', data_version = excluded.data_version, changed_seq = excluded.changed_seq, updated_event_id = excluded.updated_event_id,
           changed_xid = pg_current_xact_id()
       )
       SELECT logged.id, logged.at, logged.kind, logged.payload, pg_notify($7, logged.id::text) FROM logged`,
      [
        assetKey,
        partitions.map((p) => p.partitionKey),
        partitions.map((p) => p.dataVersion),
        partitions.map((p) => JSON.stringify(p.reported ?? null)),
        this.location,
        EVENT_LOCK,
        NOTIFY_CHANNEL,
      ],
    );
    return rows.map(eventFromRow);
  }

  /** Adds keys to a dynamic partitions definition (existing keys are ignored), in order. */
  async addDynamicKeys(name: string, keys: readonly PartitionKey[]): Promise<WeftEvent[]> {
    checkStoredText(name, 'dynamic partitions name');
    for (const k of keys) checkStoredText(k, 'dynamic partition key');
    return this.db.transaction(async (tx) => {
      const existing = new Set(
        (await tx.query<{ partition_key: string }>('SELECT partition_key FROM weft_dynamic_partitions WHERE location = $3 AND name = $1 AND partition_key = ANY($2::text[])', [name, [...keys], this.location])).map((r) => r.partition_key),
      );
      const fresh = [...new Set(keys)].filter((k) => !existing.has(k));
      if (fresh.length === 0) return [];
      const events = await this.events.appendEvents([{ kind: 'dynamic.keys_added', name, keys: fresh } as NewEvent], tx);
      await tx.query(
        `INSERT INTO weft_dynamic_partitions (location, name, partition_key, position, event_id)
         SELECT $4, $1, k, coalesce((SELECT max(position) + 1 FROM weft_dynamic_partitions WHERE location = $4 AND name = $1), 0) + n - 1, $3
         FROM unnest($2::text[]) WITH ORDINALITY AS given(k, n)`,
        [name, fresh, events[0]?.seq, this.location],
      );
      return events;
    });
  }

  /**
   * Removes keys from a dynamic partitions definition (unknown keys are ignored); the keys after
   * them move down one position each, and a `dynamic.keys_removed` event makes planners rebuild.
   * Partition state and provenance of removed keys stay as history.
   */
  async removeDynamicKeys(name: string, keys: readonly PartitionKey[]): Promise<WeftEvent[]> {
    checkStoredText(name, 'dynamic partitions name');
    for (const k of keys) checkStoredText(k, 'dynamic partition key');
    return this.db.transaction(async (tx) => {
      const gone = await tx.query<{ partition_key: string }>('DELETE FROM weft_dynamic_partitions WHERE location = $3 AND name = $1 AND partition_key = ANY($2::text[]) RETURNING partition_key', [name, [...keys], this.location]);
      if (gone.length === 0) return [];
      // Positions stay dense (0 … n-1) in the same order; through negative values first, because
      // the unique index on position is checked row by row.
      await tx.query(
        `UPDATE weft_dynamic_partitions dp SET position = -ranked.n
         FROM (SELECT partition_key, row_number() OVER (ORDER BY position) AS n FROM weft_dynamic_partitions WHERE location = $2 AND name = $1) AS ranked
         WHERE dp.location = $2 AND dp.name = $1 AND dp.partition_key = ranked.partition_key`,
        [name, this.location],
      );
      await tx.query('UPDATE weft_dynamic_partitions SET position = -position - 1 WHERE location = $2 AND name = $1', [name, this.location]);
      const removed = keys.filter((k) => gone.some((g) => g.partition_key === k));
      return this.events.appendEvents([{ kind: 'dynamic.keys_removed', name, keys: [...new Set(removed)] } as NewEvent], tx);
    });
  }

  /** The keys of every dynamic partitions definition, in order. */
  async dynamicKeys(): Promise<Record<string, PartitionKey[]>> {
    const rows = await this.db.query<{ name: string; partition_key: string }>('SELECT name, partition_key FROM weft_dynamic_partitions WHERE location = $1 ORDER BY name, position', [this.location]);
    const keys: Record<string, PartitionKey[]> = {};
    for (const r of rows) (keys[r.name] ??= []).push(r.partition_key);
    return keys;
  }
}
