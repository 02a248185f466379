import type { WeftEvent } from '@weft/core';
import { NOTIFY_CHANNEL, type StoreContext } from './context.js';
import { eventColumns, eventFromRow, type EventRow } from './event-rows.js';
import type { SqlClient } from './sql-client.js';
import type { NewEvent, ReleaseInput, RestoreInput } from './types.js';
import { jsonSafe, messageBytes, messageText } from './validate.js';

/**
 * Makes committed tokens current again where the plan that wants them is not older than the
 * latest one that wanted the partition: state, one `materialization.restored` event each (with
 * the blocking check that failed on that data version, if any). Returns the events.
 */
export async function writeRestores(ctx: StoreContext, tx: SqlClient, restores: readonly RestoreInput[]): Promise<WeftEvent[]> {
  if (restores.length === 0) return [];
  // Candidates, each with an event seq reserved under the event lock (a restore refused below
  // leaves a gap in the seqs, never a seq out of order).
  const candidates = await tx.query<{ n: string; id: string; data_version: string; code_version: string; seq: string; check_name: string | null; check_message: Uint8Array | null }>(
    `SELECT given.n, mat.id, mat.data_version, mat.code_version, nextval('weft_events_id_seq') AS seq, failed_check.check_name, failed_check.message AS check_message
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS given(a, p, t, n)
     JOIN LATERAL (SELECT stored.id, stored.data_version, stored.code_version FROM weft_materializations stored WHERE stored.token = given.t AND stored.asset_key = given.a AND stored.partition_key = given.p LIMIT 1) mat ON true
     LEFT JOIN LATERAL (
       SELECT chk.check_name, chk.message FROM weft_check_results chk
       WHERE chk.asset_key = given.a AND chk.partition_key = given.p AND chk.data_version = mat.data_version AND chk.blocking AND NOT chk.passed
         AND NOT EXISTS (SELECT 1 FROM weft_check_results c2 WHERE c2.asset_key = given.a AND c2.partition_key = given.p AND c2.data_version = mat.data_version
                         AND c2.check_name = chk.check_name AND c2.passed AND c2.id > chk.id)
       ORDER BY chk.id DESC LIMIT 1
     ) failed_check ON true
     ORDER BY given.a, given.p`,
    [restores.map((r) => r.assetKey), restores.map((r) => r.partitionKey), restores.map((r) => r.token)],
  );
  if (candidates.length === 0) return [];
  const rows = candidates.map((c) => {
    const r = restores[Number(c.n) - 1] as RestoreInput;
    const checkFailure = c.check_name === null ? null : { check: c.check_name, message: jsonSafe(c.check_message === null ? '' : messageText(c.check_message)) };
    return { ...r, id: Number(c.id), dataVersion: c.data_version, codeVersion: c.code_version, seq: Number(c.seq), checkFailure };
  });
  const applied = await tx.query<{ seq: string }>(
    `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, check_failure, materialization_id, token, code_version, verified_seq, planned_seq, updated_event_id, changed_seq, data_version)
     SELECT $10, given.a, given.p, CASE WHEN given.cf IS NULL THEN 'fresh' ELSE 'check_failed' END, given.cf::jsonb, given.id, given.t, given.cv, given.s, given.s, given.seq, given.seq, given.dv
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::text[]) AS given(a, p, t, s, id, dv, cv, seq, cf)
     ORDER BY given.a, given.p
     ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET
       status = excluded.status, check_failure = excluded.check_failure,
       materialization_id = excluded.materialization_id, token = excluded.token, code_version = excluded.code_version, verified_seq = excluded.verified_seq,
       planned_seq = excluded.planned_seq, updated_event_id = excluded.updated_event_id,
       changed_seq = CASE WHEN ps.data_version IS DISTINCT FROM excluded.data_version THEN excluded.changed_seq ELSE ps.changed_seq END,
       data_version = excluded.data_version, failure = NULL, failure_fingerprint = NULL, running_token = NULL, running_since = NULL, running_batch = NULL, changed_xid = pg_current_xact_id()
     WHERE excluded.planned_seq >= ps.planned_seq
     RETURNING ps.updated_event_id AS seq`,
    [
      rows.map((r) => r.assetKey),
      rows.map((r) => r.partitionKey),
      rows.map((r) => r.token),
      rows.map((r) => r.inputsAsOf),
      rows.map((r) => r.id),
      rows.map((r) => r.dataVersion),
      rows.map((r) => r.codeVersion),
      rows.map((r) => r.seq),
      rows.map((r) => (r.checkFailure ? JSON.stringify(r.checkFailure) : null)),
      ctx.location,
    ],
  );
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const done = applied.map((a) => bySeq.get(Number(a.seq)) as (typeof rows)[number]).sort((a, b) => a.seq - b.seq);
  if (done.length === 0) return [];
  const events = done.map(
    (r) =>
      ({
        kind: 'materialization.restored',
        assetKey: r.assetKey,
        partitionKey: r.partitionKey,
        token: r.token,
        dataVersion: r.dataVersion,
        codeVersion: r.codeVersion,
        inputsAsOf: r.inputsAsOf,
        materializationId: r.id,
        checkFailure: r.checkFailure,
      }) as NewEvent,
  );
  const cols = events.map(eventColumns);
  const inserted = await tx.query<EventRow>(
    `INSERT INTO weft_events (id, kind, location, asset_key, partition_key, payload)
     SELECT i, k, $2, ak, pk, p::jsonb FROM unnest($1::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS given(i, k, ak, pk, p)
     RETURNING id, at, kind, payload`,
    [done.map((r) => r.seq), ctx.location, cols.map((c) => c.kind), cols.map((c) => c.assetKey), cols.map((c) => c.partitionKey), cols.map((c) => c.payload)],
  );
  await tx.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(done.at(-1)?.seq ?? '')]);
  return inserted.map(eventFromRow).sort((a, b) => a.seq - b.seq);
}

/**
 * Gives planned partitions back to the planner (one `materialization.released` event per asset;
 * the planner lets go of those it runs with that token) and clears their running markers.
 */
export async function writeReleases(ctx: StoreContext, tx: SqlClient, releases: readonly ReleaseInput[], reason: string, inputsChanged: boolean): Promise<WeftEvent[]> {
  if (releases.length === 0) return [];
  const byAsset = new Map<string, Array<{ partitionKey: string; token: string }>>();
  for (const r of releases) {
    const list = byAsset.get(r.assetKey) ?? [];
    list.push({ partitionKey: r.partitionKey, token: r.token });
    byAsset.set(r.assetKey, list);
  }
  const events = await ctx.events.appendEvents(
    [...byAsset].map(([assetKey, partitions]) => ({ kind: 'materialization.released', assetKey, partitions, reason: jsonSafe(reason), inputsChanged }) as NewEvent),
    tx,
  );
  const seqOf = new Map([...byAsset.keys()].map((a, k) => [a, events[k]?.seq ?? 0]));
  // Releases by a workflow run are attempts of it (a retry of the same run skips them).
  const attempts = releases.filter((r) => r.workflowId != null && r.runId != null);
  if (attempts.length > 0) {
    await tx.query(
      `INSERT INTO weft_attempts (token, asset_key, partition_key, attempt, status, finished_at, worker, workflow_id, run_id, error_message)
       SELECT t, a, p, n, 'released', now(), w, wf, r, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[]) AS given(t, a, p, n, w, wf, r)`,
      [
        attempts.map((r) => r.token),
        attempts.map((r) => r.assetKey),
        attempts.map((r) => r.partitionKey),
        attempts.map((r) => Math.max(1, r.attempt ?? 1)),
        attempts.map((r) => r.worker ?? null),
        attempts.map((r) => r.workflowId),
        attempts.map((r) => r.runId),
        messageBytes(reason),
      ],
    );
  }
  await tx.query(
    `UPDATE weft_partition_state ps SET running_token = NULL, running_since = NULL, running_batch = NULL, updated_event_id = given.e, changed_xid = pg_current_xact_id(),
       status = CASE WHEN ps.status <> 'running' THEN ps.status WHEN ps.materialization_id IS NULL THEN 'missing' ELSE 'stale' END
     FROM (SELECT given.e, target.tid FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS keyed(a, p, t, e) ORDER BY keyed.a, keyed.p) given
           JOIN LATERAL (SELECT state.ctid AS tid FROM weft_partition_state state WHERE state.location = $5 AND state.asset_key = given.a AND state.partition_key = given.p AND state.running_token = given.t LIMIT 1 FOR UPDATE) target ON true) given
     WHERE ps.ctid = given.tid`,
    [releases.map((r) => r.assetKey), releases.map((r) => r.partitionKey), releases.map((r) => r.token), releases.map((r) => seqOf.get(r.assetKey)), ctx.location],
  );
  return events;
}
