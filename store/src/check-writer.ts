import type { WeftEvent } from '@weft/core';
import { lockEvents, partitionId, type StoreContext } from './context.js';
import type { SqlClient } from './sql-client.js';
import type { CheckResultInput, NewEvent } from './types.js';
import { checkStoredText, jsonSafe, messageBytes } from './validate.js';

/** Refuses check results the store cannot keep exactly, naming the asset, partition and field. */
export function checkCheckResults(results: readonly CheckResultInput[]): void {
  for (const r of results) {
    checkStoredText(r.assetKey, 'asset key');
    checkStoredText(r.partitionKey, 'partition key', { assetKey: r.assetKey });
    checkStoredText(r.check, 'check name', { assetKey: r.assetKey, partitionKey: r.partitionKey });
    checkStoredText(r.dataVersion, 'data version', { assetKey: r.assetKey, partitionKey: r.partitionKey });
  }
}

/**
 * Writes check results inside `tx`: the rows, then blocking results folded per data version into
 * the partition state (a failure marks it, a pass clears only the same check), and their events.
 */
export async function writeCheckResults(ctx: StoreContext, tx: SqlClient, results: readonly CheckResultInput[]): Promise<WeftEvent[]> {
  if (results.length === 0) return [];
  // Blocking results, folded per materialized data version in order: a failure marks the
  // partition, a pass clears only a failure of the same check. What the fold cannot know (the
  // failure already stored) is left to the UPDATE: the names of the checks that passed first.
  const folded = new Map<string, { assetKey: string; partitionKey: string; dataVersion: string; failure: { check: string; message: string } | null; cleared: boolean; passed: string[] }>();
  for (const r of results) {
    if (!r.blocking) continue;
    const key = `${partitionId(r.assetKey, r.partitionKey)}\u0000${r.dataVersion}`;
    let f = folded.get(key);
    if (!f) folded.set(key, (f = { assetKey: r.assetKey, partitionKey: r.partitionKey, dataVersion: r.dataVersion, failure: null, cleared: false, passed: [] }));
    if (!r.passed) {
      f.failure = { check: r.check, message: jsonSafe(r.message) };
      f.cleared = false;
    } else if (f.failure?.check === r.check) {
      f.failure = null;
      f.cleared = true;
    } else if (!f.failure && !f.cleared) f.passed.push(r.check);
  }
  const updates = [...folded.values()];
  // The event lock first, as every writer of events takes it: never wait for it while holding state rows.
  await lockEvents(tx);
  await tx.query(
    `INSERT INTO weft_check_results (asset_key, partition_key, data_version, check_name, passed, blocking, message, metadata, materialization_id)
     SELECT given.a, given.p, given.d, given.c, given.ok, given.b, given.m, given.meta::jsonb, ps.materialization_id
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::bytea[], $8::text[]) WITH ORDINALITY AS given(a, p, d, c, ok, b, m, meta, n)
     LEFT JOIN LATERAL (SELECT state.materialization_id FROM weft_partition_state state WHERE state.location = $9 AND state.asset_key = given.a AND state.partition_key = given.p AND state.data_version = given.d LIMIT 1) ps ON true
     ORDER BY given.n`,
    [
      results.map((r) => r.assetKey),
      results.map((r) => r.partitionKey),
      results.map((r) => r.dataVersion),
      results.map((r) => r.check),
      results.map((r) => r.passed),
      results.map((r) => r.blocking),
      results.map((r) => messageBytes(r.message)),
      results.map((r) => (r.metadata ? JSON.stringify(r.metadata) : null)),
      ctx.location,
    ],
  );
  if (updates.length > 0) {
    await tx.query(
      `UPDATE weft_partition_state ps SET
         check_failure = CASE WHEN given.failure IS NOT NULL THEN given.failure::jsonb WHEN given.cleared OR given.passed::jsonb ? (ps.check_failure->>'check') THEN NULL ELSE ps.check_failure END,
         status = CASE WHEN given.failure IS NOT NULL THEN 'check_failed' WHEN given.cleared THEN 'fresh'
                       WHEN ps.status = 'check_failed' AND given.passed::jsonb ? (ps.check_failure->>'check') THEN 'fresh' ELSE ps.status END,
         changed_xid = pg_current_xact_id()
       FROM (SELECT given.failure, given.cleared, given.passed, target.tid
             FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[]) AS keyed(a, p, d, failure, cleared, passed) ORDER BY keyed.a, keyed.p) given
             JOIN LATERAL (SELECT state.ctid AS tid FROM weft_partition_state state WHERE state.location = $7 AND state.asset_key = given.a AND state.partition_key = given.p AND state.data_version = given.d LIMIT 1 FOR UPDATE) target ON true) given
       WHERE ps.ctid = given.tid`,
      [
        updates.map((u) => u.assetKey),
        updates.map((u) => u.partitionKey),
        updates.map((u) => u.dataVersion),
        updates.map((u) => (u.failure ? JSON.stringify(u.failure) : null)),
        updates.map((u) => u.cleared),
        updates.map((u) => JSON.stringify(u.passed)),
        ctx.location,
      ],
    );
  }
  return ctx.events.appendEvents(
    results.map((r) => ({ kind: 'check.evaluated', assetKey: r.assetKey, partitionKey: r.partitionKey, dataVersion: r.dataVersion, check: r.check, passed: r.passed, blocking: r.blocking, message: jsonSafe(r.message) }) as NewEvent),
    tx,
  );
}
