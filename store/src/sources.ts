import type { PartitionKey, WeftEvent } from '@weft/core';
import { StorePart } from './context.js';
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
    return this.db.transaction(async (tx) => {
      const changed = await tx.query<{ partition_key: string; data_version: string }>(
        `SELECT given.p AS partition_key, given.d AS data_version FROM unnest($2::text[], $3::text[]) AS given(p, d)
         LEFT JOIN LATERAL (SELECT observed.data_version FROM weft_source_observations observed WHERE observed.location = $4 AND observed.asset_key = $1 AND observed.partition_key = given.p LIMIT 1) obs ON true
         WHERE obs.data_version IS DISTINCT FROM given.d`,
        [assetKey, partitions.map((p) => p.partitionKey), partitions.map((p) => p.dataVersion), this.location],
      );
      if (changed.length === 0) return [];
      const [event] = await this.events.appendEvents([{ kind: 'source.observed', assetKey, partitions: changed.map((c) => ({ partitionKey: c.partition_key, dataVersion: c.data_version })) } as NewEvent], tx);
      const seq = (event as WeftEvent).seq;
      const reported = new Map(partitions.map((p) => [p.partitionKey, p.reported ?? null]));
      await tx.query(
        `INSERT INTO weft_source_observations AS obs (location, asset_key, partition_key, data_version, reported, event_id)
         SELECT $6, $1, p, d, r::jsonb, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS given(p, d, r)
         ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET data_version = excluded.data_version, reported = excluded.reported, observed_at = now(), event_id = excluded.event_id`,
        [assetKey, changed.map((c) => c.partition_key), changed.map((c) => c.data_version), changed.map((c) => JSON.stringify(reported.get(c.partition_key) ?? null)), seq, this.location],
      );
      await tx.query(
        `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, data_version, changed_seq, verified_seq, updated_event_id)
         SELECT $5, $1, p, 'fresh', d, $4, $4, $4 FROM unnest($2::text[], $3::text[]) AS given(p, d)
         ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'fresh', data_version = excluded.data_version, changed_seq = excluded.changed_seq, updated_event_id = excluded.updated_event_id,
           changed_xid = pg_current_xact_id()`,
        [assetKey, changed.map((c) => c.partition_key), changed.map((c) => c.data_version), seq, this.location],
      );
      return [event as WeftEvent];
    });
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
