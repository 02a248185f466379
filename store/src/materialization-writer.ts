import type { WeftEvent } from '@weft/core';
import { EVENT_LOCK, lockEvents, NOTIFY_CHANNEL, partitionId, type StoreContext } from './context.js';
import { checkRecord, EDGE_COLUMNS, edgeLines, MATERIALIZATION_COLUMNS, materializationBody, materializationLine } from './materialization-rows.js';
import { committedTokensIn } from './queries.js';
import type { SqlClient } from './sql-client.js';
import type { MaterializationRecord, RecordResult } from './types.js';
import { checkStoredText } from './validate.js';

/**
 * The current materialization of each input read (parameters from `$first`: assets, partitions,
 * data versions, the location), where its data version is the one read: one key lookup per input,
 * whatever the statistics say (see KEYED_LOOKUP in context.ts).
 */
export function upstreamIdsSql(first: number): string {
  const [a, p, d, location] = [first, first + 1, first + 2, first + 3];
  return `SELECT given.n, ps.materialization_id AS id FROM unnest($${a}::text[], $${p}::text[], $${d}::text[]) WITH ORDINALITY AS given(a, p, d, n)
       JOIN LATERAL (SELECT state.materialization_id, state.data_version FROM weft_partition_state state WHERE state.location = $${location} AND state.asset_key = given.a AND state.partition_key = given.p LIMIT 1) ps ON true
       WHERE ps.data_version = given.d AND ps.materialization_id IS NOT NULL`;
}
export const UPSTREAM_IDS_SQL = upstreamIdsSql(1);

/**
 * Writes successful materializations inside `tx` (see `Recorder.recordMaterializations`): one
 * statement for the event lock, the id and seq blocks and the batch's log row; COPY of the rows and
 * of their input edges; one upsert of the partition state, where only a record planned at or after
 * a partition's `planned_seq` becomes current. With `retry`, tokens committed meanwhile are left out.
 */
export async function writeMaterializations(ctx: StoreContext, tx: SqlClient, records: readonly MaterializationRecord[], batch: readonly MaterializationRecord[], retry: boolean): Promise<RecordResult> {
  let committed = batch;
  if (retry) {
    // (Checked first here: the tokens are query parameters before any row is formatted.)
    for (const r of batch) checkRecord(r);
    await lockEvents(tx);
    const done = await committedTokensIn(tx, batch.map((r) => r.token));
    committed = batch.filter((r) => !done.has(r.token));
  }
  // (Written optimistically, every token of the batch commits or none does.)
  const kept = retry ? new Set(committed.map((r) => r.token)) : undefined;
  const duplicates = kept ? [...new Set(records.map((r) => r.token))].filter((t) => !kept.has(t)) : [];
  if (committed.length === 0) return { committed: [], duplicates, events: [] };

  // The latest record of each partition (its changed_seq is the seq of the first record of the
  // trailing run with its data version).
  const latest = new Map<string, { index: number; changedIndex: number }>();
  for (const [index, r] of committed.entries()) {
    const key = partitionId(r.assetKey, r.partitionKey);
    const previous = latest.get(key);
    const same = previous !== undefined && committed[previous.index]?.dataVersion === r.dataVersion;
    latest.set(key, { index, changedIndex: same ? previous.changedIndex : index });
  }

  // Single inputs name the upstream materialization they read: one recorded in this call (its
  // latest record of that partition), else the current one in the partition state (looked up by
  // the first statement; the upstream value was committed before its reader ran).
  const lookups: Array<{ asset: string; partition: string; dataVersion: string }> = [];
  const lookupIndex = new Map<string, number>();
  // (A record whose inputs are looked up is checked before they are sent, so that a bad one is
  // named as it is by the COPY below.)
  const checkedFirst = new Set<number>();
  for (const [index, r] of committed.entries()) {
    for (const input of r.inputs) {
      if (!('partitionKey' in input) || latest.has(partitionId(input.upstreamAsset, input.partitionKey))) continue;
      if (!retry && !checkedFirst.has(index)) {
        checkRecord(r);
        checkedFirst.add(index);
      }
      const key = `${partitionId(input.upstreamAsset, input.partitionKey)}\u0000${input.dataVersion}`;
      if (!lookupIndex.has(key)) lookupIndex.set(key, lookups.push({ asset: input.upstreamAsset, partition: input.partitionKey, dataVersion: input.dataVersion }) - 1);
    }
  }

  // One round trip: the event lock, a block of n materialization ids and n event seqs (every
  // writer of materializations and events holds the lock, so a block taken with setval is
  // contiguous and commits in order), the log row standing for the n events (its id the last
  // seq), the wake-up (NOTIFY is delivered at commit) and the lookups above.
  const n = committed.length;
  const assets = new Set(committed.map((r) => r.assetKey));
  const assetKey = assets.size === 1 ? (committed[0] as MaterializationRecord).assetKey : null;
  if (assetKey !== null) checkStoredText(assetKey, 'asset key'); // (a parameter before its rows are checked)
  const [block] = await tx.query<{ m: string; e: string; upstream?: Array<[number | string, number | string]> | null }>(
    `WITH block AS MATERIALIZED (
       SELECT setval('weft_materializations_id_seq', nextval('weft_materializations_id_seq') + $1::int - 1) AS m,
              setval('weft_events_id_seq', nextval('weft_events_id_seq') + $1::int - 1) AS e
       FROM (SELECT pg_advisory_xact_lock($4)) AS locked
     ),
     logged AS (
       INSERT INTO weft_events (id, kind, location, asset_key, payload)
       SELECT e, 'materializations.recorded', $2, $3, jsonb_build_object('first', m - $1::int + 1, 'count', $1::int) FROM block
     )
     SELECT m, e, pg_notify($5, e::text)${lookups.length > 0 ? `, (SELECT json_agg(json_build_array(found.n, found.id)) FROM (${upstreamIdsSql(6)}) found) AS upstream` : ''} FROM block`,
    [n, ctx.location, assetKey, EVENT_LOCK, NOTIFY_CHANNEL, ...(lookups.length > 0 ? [lookups.map((l) => l.asset), lookups.map((l) => l.partition), lookups.map((l) => l.dataVersion), ctx.location] : [])],
  );
  const upstreamIds = new Map<number, number>();
  for (const [index, id] of block?.upstream ?? []) upstreamIds.set(Number(index) - 1, Number(id));
  const firstId = Number(block?.m) - n + 1;
  const lastSeq = Number(block?.e);
  const firstSeq = lastSeq - n + 1;

  // The rows, each record checked just before it is formatted (a bad one aborts the COPY and the
  // transaction: nothing is written), while the server reads the chunks sent before. (Recordings of
  // one process do not wait for each other's lock: they are written together, see outcome-groups.ts.)
  function* rows(): Generator<string> {
    for (let index = 0; index < n; index++) {
      const r = committed[index] as MaterializationRecord;
      if (!retry && !checkedFirst.has(index)) checkRecord(r);
      yield materializationLine(firstId + index, materializationBody(r), firstSeq + index);
    }
  }
  await tx.copy('weft_materializations', MATERIALIZATION_COLUMNS, rows());

  const upstreamOf = (asset: string, partition: string, dataVersion: string): number | null => {
    const own = latest.get(partitionId(asset, partition));
    if (own) return committed[own.index]?.dataVersion === dataVersion ? firstId + own.index : null;
    const i = lookupIndex.get(`${partitionId(asset, partition)}\u0000${dataVersion}`);
    return i === undefined ? null : (upstreamIds.get(i) ?? null);
  };
  // (No statement at all when nothing was read: a root asset's batch.)
  if (committed.some((r) => r.inputs.length > 0)) await tx.copy('weft_input_edges', EDGE_COLUMNS, edgeLines(committed, firstId, upstreamOf));

  // Partition state, one row per partition (changed_seq moves only when the data version
  // changed): existing rows updated, the others inserted.
  const oncePerPartition = latest.size === n;
  // (INSERT … ON CONFLICT rather than MERGE: a MERGE is a join of the records with the state
  // table, planned from statistics that lag behind a growing table; PostgreSQL then hashed (or
  // scanned once per record) every state row of the location for each batch: 5.7 ms of 12 ms at
  // 13,000 rows, growing with the table. ON CONFLICT probes the primary key once per record,
  // whatever the statistics say. Recordings never overlap (the event lock); a deadlock with a plan
  // writing the same rows in another order is retried above.)
  const recorded = oncePerPartition
    ? {
        rows: `SELECT id, asset_key, partition_key, token, data_version, code_version, inputs_as_of, event_id, event_id AS changed_seq
               FROM weft_materializations WHERE id BETWEEN $1::bigint AND $1::bigint + $2::int - 1`,
        params: [firstId, n],
      }
    : {
        rows: `SELECT mat.id, mat.asset_key, mat.partition_key, mat.token, mat.data_version, mat.code_version, mat.inputs_as_of, mat.event_id, given.changed_seq
               FROM unnest($1::bigint[], $2::bigint[]) AS given(id, changed_seq) JOIN LATERAL (SELECT * FROM weft_materializations one WHERE one.id = given.id) mat ON true`,
        params: [[...latest.values()].map(({ index }) => firstId + index), [...latest.values()].map(({ changedIndex }) => firstSeq + changedIndex)],
      };
  // Only a success planned at or after the latest plan that wanted the partition becomes current:
  // an older plan's attempt committing late is kept as history, and says so (became_current).
  // (In the update, `ps` is the row before it and `excluded` the record's row.)
  const merged = await tx.execute(
    `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, materialization_id, token, data_version, code_version, verified_seq, changed_seq, updated_event_id, planned_seq)
     SELECT $3, rec.asset_key, rec.partition_key, 'fresh', rec.id, rec.token, rec.data_version, rec.code_version, rec.inputs_as_of, rec.changed_seq, rec.event_id, rec.inputs_as_of
     FROM (${recorded.rows}) rec
     ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET
       status = 'fresh', materialization_id = excluded.materialization_id, token = excluded.token, code_version = excluded.code_version, verified_seq = excluded.verified_seq,
       updated_event_id = excluded.updated_event_id,
       changed_seq = CASE WHEN ps.data_version IS DISTINCT FROM excluded.data_version THEN excluded.changed_seq ELSE ps.changed_seq END,
       check_failure = CASE WHEN ps.data_version IS DISTINCT FROM excluded.data_version THEN NULL ELSE ps.check_failure END,
       data_version = excluded.data_version, failure = NULL, failure_fingerprint = NULL, planned_seq = excluded.planned_seq,
       running_token = CASE WHEN ps.running_token = excluded.token THEN NULL ELSE ps.running_token END,
       running_since = CASE WHEN ps.running_token = excluded.token THEN NULL ELSE ps.running_since END,
       running_batch = CASE WHEN ps.running_token = excluded.token THEN NULL ELSE ps.running_batch END, changed_xid = pg_current_xact_id()
     WHERE excluded.planned_seq >= ps.planned_seq`,
    [...recorded.params, ctx.location],
  );
  const refused = new Set<number>();
  if (merged < latest.size) {
    // (Rare: the upsert left some partitions alone. Which ones, and their rows flagged, so the log says so.)
    const rows = await tx.query<{ id: string }>(
      `UPDATE weft_materializations mat SET became_current = false FROM weft_partition_state ps
       WHERE mat.id = ANY($1::bigint[]) AND ps.location = $2 AND ps.asset_key = mat.asset_key AND ps.partition_key = mat.partition_key AND ps.materialization_id IS DISTINCT FROM mat.id
       RETURNING mat.id`,
      [[...latest.values()].map(({ index }) => firstId + index), ctx.location],
    );
    for (const r of rows) refused.add(Number(r.id) - firstId);
  }
  const events = committed.map(
    (r, i) =>
      ({
        kind: 'materialization.succeeded',
        seq: firstSeq + i,
        at: r.finishedAt,
        assetKey: r.assetKey,
        partitionKey: r.partitionKey,
        token: r.token,
        dataVersion: r.dataVersion,
        codeVersion: r.codeVersion,
        inputsAsOf: r.inputsAsOf,
        ...(refused.has(i) ? { current: false } : {}),
      }) as WeftEvent,
  );
  return { committed: committed.map((r) => r.token), duplicates, events, notCurrent: [...refused].map((i) => (committed[i] as MaterializationRecord).token) };
}
