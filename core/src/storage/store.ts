import { createHash, randomBytes } from 'node:crypto';
import { WeftError } from '../errors.js';
import type { AssetGraph } from '../definitions/graph.js';
import type { PartitionContext, PartitionKey } from '../partitions/types.js';
import { PARTITION_STATUSES, type AssetSnapshot, type FailureRecord, type PartitionStatus, type PlannerRequest, type PlannerSnapshot, type PlannerStore, type PlanResult, type Reason, type RunningMarker, type WeftEvent } from '../planner/types.js';
import { eventColumns, eventFromRow, materializationEventFromRow, type EventRow, type MaterializationEventRow } from './event-rows.js';
import { readLineage } from './lineage.js';
import { checkRecord, EDGE_COLUMNS, edgeLines, MATERIALIZATION_COLUMNS, materializationLines } from './materialization-rows.js';
import type { SqlClient, SqlDatabase } from './sql-client.js';
import type {
  BatchOutcome,
  CheckResultInput,
  OutcomeResult,
  ReleaseInput,
  RestoreInput,
  FailureGroup,
  FailureInput,
  Lineage,
  MaterializationRecord,
  NewEvent,
  PartitionRow,
  PlannerCursor,
  PruneOptions,
  PruneResult,
  RecordResult,
  RetentionPolicy,
  StatusRange,
} from './types.js';
import { checkInteger, checkStoredText, jsonSafe, MAX_INT4, MAX_TIMESTAMP_MS, messageBytes, messageText } from './validate.js';

const NOTIFY_CHANNEL = 'weft_events';
/** The transaction-scoped advisory lock every writer of events takes (see `lockEvents`). */
const EVENT_LOCK = 7340332;
/** Tries of a recording that conflicts with a concurrent writer (see `isRecordingConflict`). */
const RECORDING_ATTEMPTS = 5;
const DIGEST = 32;

/**
 * Each location's planner cursor with how far it has read the whole log (`read_through`): a
 * planner reads only its own location's events, so up to its next unread event of its own (the
 * first seq of that row: a batch row stands for a run of seqs) it has nothing to read, and with
 * none, everything up to the highest id visible (event ids commit in order, under the event lock).
 * A location whose workers are gone writes nothing, so it never holds retention back for others.
 * `behind` counts the events of its own it has yet to read. One statement: one snapshot.
 */
const CURSORS_SQL = `
  SELECT c.location, c.cursor, c.updated_at,
    greatest(c.cursor, coalesce(n.first_seq - 1, (SELECT coalesce(max(id), 0) FROM weft_events))) AS read_through,
    (SELECT coalesce(sum(CASE WHEN e.kind = 'materializations.recorded' THEN least((e.payload->>'count')::bigint, e.id - c.cursor) ELSE 1 END), 0)
       FROM weft_events e WHERE e.location = c.location AND e.id > c.cursor) AS behind
  FROM weft_planner_cursors c
  LEFT JOIN LATERAL (
    SELECT CASE WHEN e.kind = 'materializations.recorded' THEN e.id - (e.payload->>'count')::bigint + 1 ELSE e.id END AS first_seq
    FROM weft_events e WHERE e.location = c.location AND e.id > c.cursor ORDER BY e.id LIMIT 1
  ) n ON true`;
/** The highest event id every planner has read through (0 before any planner saved a cursor). */
const READ_BY_ALL_SQL = `(SELECT coalesce(min(read_through), 0) FROM (${CURSORS_SQL}) cursors)`;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const ts = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined ? null : new Date(ms));

/**
 * The provenance store: the event log, materializations with their input edges, partition state,
 * failures, checks, requests, deployments, API tokens and the audit log, on PostgreSQL or PGlite
 * (one schema, one code path; every value is a query parameter).
 */
export class ProvenanceStore implements PlannerStore {
  constructor(
    readonly db: SqlDatabase,
    readonly location = 'default',
  ) {}

  // ─── events ────────────────────────────────────────────────────────────────────────────────

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
         FROM unnest($1::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(a, k, ak, pk, p, n)
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
         SELECT * FROM (SELECT page.*, sum(n) OVER (ORDER BY id) - n AS before FROM page) p WHERE before < $3::bigint
       )
       SELECT id, at, kind, payload, NULL::text AS asset_key, NULL::text AS partition_key, NULL::text AS token, NULL::text AS data_version, NULL::text AS code_version, NULL::bigint AS inputs_as_of, NULL::boolean AS became_current
       FROM kept WHERE kind <> 'materializations.recorded'
       UNION ALL
       SELECT m.event_id, m.finished_at, 'materialization.succeeded', NULL, m.asset_key, m.partition_key, m.token, m.data_version, m.code_version, m.inputs_as_of, m.became_current
       FROM kept CROSS JOIN LATERAL (
         SELECT * FROM weft_materializations m
         WHERE m.id BETWEEN (kept.payload->>'first')::bigint AND (kept.payload->>'first')::bigint + (kept.payload->>'count')::bigint - 1 AND m.event_id > $1::bigint
         ORDER BY m.id LIMIT $3::bigint
       ) m
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

  // ─── deployments ───────────────────────────────────────────────────────────────────────────

  /** Records a deployment (a definitions snapshot with code versions); idempotent per content. */
  async recordDeployment(definitions: unknown, codeVersions: Readonly<Record<string, string>>): Promise<{ id: string; created: boolean }> {
    const body = JSON.stringify({ definitions, codeVersions });
    const id = createHash('sha256').update(this.location).update('\u0000').update(body).digest('hex').slice(0, 32);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query<{ id: string }>(
        'INSERT INTO weft_deployments (id, location, definitions, code_versions) VALUES ($1, $2, $3::jsonb, $4::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id',
        [id, this.location, JSON.stringify(definitions), JSON.stringify(codeVersions)],
      );
      // A deployment seen before is announced again when another one came after it (a rollback):
      // the latest announced deployment is the one that plans.
      if (inserted.length === 0) {
        await lockEvents(tx);
        if ((await this.latestDeployment(tx)) === id) return { id, created: false };
      }
      const [event] = await this.appendEvents([{ kind: 'definitions.deployed', deploymentId: id, codeVersions } as NewEvent], tx);
      await tx.query('UPDATE weft_deployments SET event_id = $2 WHERE id = $1', [id, event?.seq ?? null]);
      return { id, created: inserted.length > 0 };
    });
  }

  /** The deployment of this location announced last (the one whose planner should plan), if any. */
  async latestDeployment(q: SqlClient = this.db): Promise<string | undefined> {
    const rows = await q.query<{ id: string }>(
      `SELECT coalesce(
         (SELECT payload->>'deploymentId' FROM weft_events WHERE location = $1 AND kind = 'definitions.deployed' ORDER BY id DESC LIMIT 1),
         (SELECT id FROM weft_deployments WHERE location = $1 ORDER BY event_id DESC NULLS LAST, created_at DESC LIMIT 1)) AS id`,
      [this.location],
    );
    return rows[0]?.id ?? undefined;
  }

  // ─── recording ─────────────────────────────────────────────────────────────────────────────

  /**
   * Records successful materializations, exactly once per token, in one transaction: the rows
   * (COPY), one input edge per input (COPY), the partition state, and one
   * `materializations.recorded` event that the log reads back as a `materialization.succeeded`
   * event per materialization (each with its own seq). A token another attempt committed already
   * is skipped and reported as a duplicate: the unique index on token is the final word.
   */
  async recordMaterializations(records: readonly MaterializationRecord[]): Promise<RecordResult> {
    if (records.length === 0) return { committed: [], duplicates: [], events: [] };
    const batch = [...new Map(records.map((r) => [r.token, r])).values()];
    // Optimistic: a token already committed is rare (a retried activity), and makes the COPY fail;
    // then the whole batch is written again, without the tokens found committed. So is a batch that
    // met a partition-state row inserted by a concurrent plan since it looked (the next time it
    // updates it), or that PostgreSQL chose to end a deadlock with a plan.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((tx) => this.writeMaterializations(tx, records, batch, attempt > 1));
      } catch (error) {
        if (!isRecordingConflict(error) || attempt >= RECORDING_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Records everything one attempt at a batch produced in one transaction (see {@link BatchOutcome}):
   * a crash loses all of it or none, and no plan sees a success without its blocking checks. Every
   * partition of a batch gets an event here: succeeded, failed, restored or released.
   */
  async recordOutcome(outcome: BatchOutcome): Promise<OutcomeResult> {
    const records = outcome.materializations ?? [];
    const failures = outcome.failures ?? [];
    const restores = outcome.restore ?? [];
    const releases = outcome.release?.partitions ?? [];
    this.checkFailures(failures);
    checkCheckResults(outcome.checks ?? []);
    for (const r of [...restores, ...releases]) {
      checkStoredText(r.assetKey, 'asset key');
      checkStoredText(r.partitionKey, 'partition key', { assetKey: r.assetKey });
      checkStoredText(r.token, 'token', { assetKey: r.assetKey, partitionKey: r.partitionKey });
    }
    for (const r of releases) {
      const where = { assetKey: r.assetKey, partitionKey: r.partitionKey };
      if (r.attempt != null) checkInteger(r.attempt, 'attempt', where, 1, MAX_INT4);
      for (const [field, value] of [['worker', r.worker], ['workflow id', r.workflowId], ['run id', r.runId]] as const) if (value != null) checkStoredText(value, field, where);
    }
    for (const r of restores) checkInteger(r.inputsAsOf, 'inputsAsOf', { assetKey: r.assetKey, partitionKey: r.partitionKey }, -1, Number.MAX_SAFE_INTEGER);
    const batch = [...new Map(records.map((r) => [r.token, r])).values()];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          const empty: RecordResult = { committed: [], duplicates: [], events: [] };
          // (With materializations, their first statement takes the event lock.)
          if (batch.length === 0) await lockEvents(tx);
          const recorded = batch.length === 0 ? empty : await this.writeMaterializations(tx, records, batch, attempt > 1);
          // Checks belong to what this attempt committed (a duplicate's were recorded by the winner).
          const committed = new Set(recorded.committed);
          const made = new Set(batch.filter((r) => committed.has(r.token)).map((r) => `${partitionId(r.assetKey, r.partitionKey)}\u0000${r.dataVersion}`));
          const checks = (outcome.checks ?? []).filter((c) => made.has(`${partitionId(c.assetKey, c.partitionKey)}\u0000${c.dataVersion}`));
          const checkEvents = await this.writeCheckResults(tx, checks);
          const failureEvents = await this.writeFailures(tx, failures);
          // A token committed by another attempt meanwhile (a race with a zombie attempt, or another
          // code location computing the very same thing): made current here as if found committed.
          const duplicates = new Set(recorded.duplicates);
          const raced = batch.filter((r) => duplicates.has(r.token) && !restores.some((x) => x.token === r.token)).map((r) => ({ assetKey: r.assetKey, partitionKey: r.partitionKey, token: r.token, inputsAsOf: r.inputsAsOf }));
          const restored = await this.writeRestores(tx, [...restores, ...raced]);
          // A token wanted back that could not be restored (a newer plan wants the partition, or its
          // row is gone): given back to the planner rather than left running.
          const restoredTokens = new Set(restored.map((e) => (e as { token: string }).token));
          const unrestored = [...restores, ...raced].filter((r) => !restoredTokens.has(r.token)).map(({ assetKey, partitionKey, token }) => ({ assetKey, partitionKey, token }));
          const releaseEvents = [
            ...(await this.writeReleases(tx, releases, outcome.release?.reason ?? '', outcome.release?.inputsChanged ?? false)),
            ...(await this.writeReleases(tx, unrestored, 'a newer plan wants the partition: the planned token was not restored', false)),
          ];
          return {
            ...recorded,
            events: [...recorded.events, ...checkEvents, ...failureEvents, ...restored, ...releaseEvents],
            restored: [...restoredTokens],
            released: releases.length + unrestored.length,
            failed: failures.length,
          };
        });
      } catch (error) {
        if (!isRecordingConflict(error) || attempt >= RECORDING_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Makes committed tokens current again where the plan that wants them is not older than the
   * latest one that wanted the partition: state, one `materialization.restored` event each (with
   * the blocking check that failed on that data version, if any). Returns the events.
   */
  private async writeRestores(tx: SqlClient, restores: readonly RestoreInput[]): Promise<WeftEvent[]> {
    if (restores.length === 0) return [];
    // Candidates, each with an event seq reserved under the event lock (a restore refused below
    // leaves a gap in the seqs, never a seq out of order).
    const candidates = await tx.query<{ n: string; id: string; data_version: string; code_version: string; seq: string; check_name: string | null; check_message: Uint8Array | null }>(
      `SELECT u.n, m.id, m.data_version, m.code_version, nextval('weft_events_id_seq') AS seq, f.check_name, f.message AS check_message
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(a, p, t, n)
       JOIN weft_materializations m ON m.token = u.t AND m.asset_key = u.a AND m.partition_key = u.p
       LEFT JOIN LATERAL (
         SELECT c.check_name, c.message FROM weft_check_results c
         WHERE c.asset_key = u.a AND c.partition_key = u.p AND c.data_version = m.data_version AND c.blocking AND NOT c.passed
           AND NOT EXISTS (SELECT 1 FROM weft_check_results c2 WHERE c2.asset_key = u.a AND c2.partition_key = u.p AND c2.data_version = m.data_version
                           AND c2.check_name = c.check_name AND c2.passed AND c2.id > c.id)
         ORDER BY c.id DESC LIMIT 1
       ) f ON true
       ORDER BY u.a, u.p`,
      [restores.map((r) => r.assetKey), restores.map((r) => r.partitionKey), restores.map((r) => r.token)],
    );
    if (candidates.length === 0) return [];
    const rows = candidates.map((c) => {
      const r = restores[Number(c.n) - 1] as RestoreInput;
      const checkFailure = c.check_name === null ? null : { check: c.check_name, message: jsonSafe(c.check_message === null ? '' : messageText(c.check_message)) };
      return { ...r, id: Number(c.id), dataVersion: c.data_version, codeVersion: c.code_version, seq: Number(c.seq), checkFailure };
    });
    const applied = await tx.query<{ seq: string }>(
      `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, check_failure, materialization_id, token, code_version, verified_at, planned_seq, updated_event_id, changed_at, data_version)
       SELECT $10, u.a, u.p, CASE WHEN u.cf IS NULL THEN 'fresh' ELSE 'check_failed' END, u.cf::jsonb, u.id, u.t, u.cv, u.s, u.s, u.seq, u.seq, u.dv
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::text[]) AS u(a, p, t, s, id, dv, cv, seq, cf)
       ORDER BY u.a, u.p
       ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET
         status = excluded.status, check_failure = excluded.check_failure,
         materialization_id = excluded.materialization_id, token = excluded.token, code_version = excluded.code_version, verified_at = excluded.verified_at,
         planned_seq = excluded.planned_seq, updated_event_id = excluded.updated_event_id,
         changed_at = CASE WHEN ps.data_version IS DISTINCT FROM excluded.data_version THEN excluded.changed_at ELSE ps.changed_at END,
         data_version = excluded.data_version, failure = NULL, failure_fingerprint = NULL, running_token = NULL, running_since = NULL, running_batch = NULL
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
        this.location,
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
       SELECT i, k, $2, ak, pk, p::jsonb FROM unnest($1::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(i, k, ak, pk, p)
       RETURNING id, at, kind, payload`,
      [done.map((r) => r.seq), this.location, cols.map((c) => c.kind), cols.map((c) => c.assetKey), cols.map((c) => c.partitionKey), cols.map((c) => c.payload)],
    );
    await tx.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, String(done.at(-1)?.seq ?? '')]);
    return inserted.map(eventFromRow).sort((a, b) => a.seq - b.seq);
  }

  /**
   * Gives planned partitions back to the planner (one `materialization.released` event per asset;
   * the planner lets go of those it runs with that token) and clears their running markers.
   */
  private async writeReleases(tx: SqlClient, releases: readonly ReleaseInput[], reason: string, inputsChanged: boolean): Promise<WeftEvent[]> {
    if (releases.length === 0) return [];
    const byAsset = new Map<string, Array<{ partitionKey: string; token: string }>>();
    for (const r of releases) {
      const list = byAsset.get(r.assetKey) ?? [];
      list.push({ partitionKey: r.partitionKey, token: r.token });
      byAsset.set(r.assetKey, list);
    }
    const events = await this.appendEvents(
      [...byAsset].map(([assetKey, partitions]) => ({ kind: 'materialization.released', assetKey, partitions, reason: jsonSafe(reason), inputsChanged }) as NewEvent),
      tx,
    );
    const seqOf = new Map([...byAsset.keys()].map((a, k) => [a, events[k]?.seq ?? 0]));
    // Releases by a workflow run are attempts of it (a retry of the same run skips them).
    const attempts = releases.filter((r) => r.workflowId != null && r.runId != null);
    if (attempts.length > 0) {
      await tx.query(
        `INSERT INTO weft_attempts (token, asset_key, partition_key, attempt, status, finished_at, worker, workflow_id, run_id, error_message)
         SELECT t, a, p, n, 'released', now(), w, wf, r, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[]) AS u(t, a, p, n, w, wf, r)`,
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
      `UPDATE weft_partition_state ps SET running_token = NULL, running_since = NULL, running_batch = NULL, updated_event_id = u.e,
         status = CASE WHEN ps.status <> 'running' THEN ps.status WHEN ps.materialization_id IS NULL THEN 'missing' ELSE 'stale' END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(a, p, t, e)
       WHERE ps.location = $5 AND ps.asset_key = u.a AND ps.partition_key = u.p AND ps.running_token = u.t`,
      [releases.map((r) => r.assetKey), releases.map((r) => r.partitionKey), releases.map((r) => r.token), releases.map((r) => seqOf.get(r.assetKey)), this.location],
    );
    return events;
  }

  /** Gives running partitions back to the planner (their batch ended without an outcome for them). */
  async releasePartitions(partitions: readonly ReleaseInput[], reason: string): Promise<WeftEvent[]> {
    if (partitions.length === 0) return [];
    return [...(await this.recordOutcome({ release: { partitions, reason } })).events];
  }

  /** Which of these tokens are committed (each has its one materialization). */
  async committedTokens(tokens: readonly string[]): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const rows = await this.db.query<{ token: string }>('SELECT token FROM weft_materializations WHERE token = ANY($1::text[])', [tokens]);
    return new Set(rows.map((r) => r.token));
  }

  /**
   * Tokens that already have an outcome recorded by one workflow run (a failure or a release of an
   * earlier activity attempt): a retry of the same run does not do them again.
   */
  async tokensSettledInRun(tokens: readonly string[], workflowId: string, runId: string): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const rows = await this.db.query<{ token: string }>('SELECT DISTINCT token FROM weft_attempts WHERE token = ANY($1::text[]) AND workflow_id = $2 AND run_id = $3', [tokens, workflowId, runId]);
    return new Set(rows.map((r) => r.token));
  }

  /** How many failed attempts each token has (for the backoff of a retry). */
  async failedAttempts(tokens: readonly string[]): Promise<Map<string, number>> {
    if (tokens.length === 0) return new Map();
    const rows = await this.db.query<{ token: string; n: string }>("SELECT token, count(*) AS n FROM weft_attempts WHERE token = ANY($1::text[]) AND status = 'failed' GROUP BY token", [tokens]);
    return new Map(rows.map((r) => [r.token, Number(r.n)]));
  }

  /** The keys of every dynamic partitions definition, in order. */
  async dynamicKeys(): Promise<Record<string, PartitionKey[]>> {
    const rows = await this.db.query<{ name: string; partition_key: string }>('SELECT name, partition_key FROM weft_dynamic_partitions WHERE location = $1 ORDER BY name, position', [this.location]);
    const keys: Record<string, PartitionKey[]> = {};
    for (const r of rows) (keys[r.name] ??= []).push(r.partition_key);
    return keys;
  }

  /**
   * The current data version and stored object of each partition (in the order given; nulls where
   * none): what a materialization reads its inputs from.
   */
  async currentValues(assetKey: string, partitionKeys: readonly PartitionKey[]): Promise<Array<{ partitionKey: PartitionKey; dataVersion: string | null; storageUri: string | null }>> {
    const rows = await this.db.query<{ k: string; data_version: string | null; storage_uri: string | null }>(
      `SELECT u.k, ps.data_version, m.storage_uri FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n)
       LEFT JOIN weft_partition_state ps ON ps.location = $3 AND ps.asset_key = $1 AND ps.partition_key = u.k
       LEFT JOIN weft_materializations m ON m.id = ps.materialization_id
       ORDER BY u.n`,
      [assetKey, partitionKeys, this.location],
    );
    return rows.map((r) => ({ partitionKey: r.k, dataVersion: r.data_version, storageUri: r.storage_uri }));
  }

  private async writeMaterializations(tx: SqlClient, records: readonly MaterializationRecord[], batch: readonly MaterializationRecord[], retry: boolean): Promise<RecordResult> {
    let committed = batch;
    if (retry) {
      // (Checked first here: the tokens are query parameters before any row is formatted.)
      for (const r of batch) checkRecord(r);
      await lockEvents(tx);
      const existing = await tx.query<{ token: string }>('SELECT token FROM weft_materializations WHERE token = ANY($1::text[])', [batch.map((r) => r.token)]);
      const done = new Set(existing.map((r) => r.token));
      committed = batch.filter((r) => !done.has(r.token));
    }
    // (Written optimistically, every token of the batch commits or none does.)
    const kept = retry ? new Set(committed.map((r) => r.token)) : undefined;
    const duplicates = kept ? [...new Set(records.map((r) => r.token))].filter((t) => !kept.has(t)) : [];
    if (committed.length === 0) return { committed: [], duplicates, events: [] };

    // One round trip: the event lock, a block of n materialization ids and n event seqs (every
    // writer of materializations and events holds the lock, so a block taken with setval is
    // contiguous and commits in order), the log row standing for the n events (its id the last
    // seq), and the wake-up (NOTIFY is delivered at commit).
    const n = committed.length;
    const assets = new Set(committed.map((r) => r.assetKey));
    const assetKey = assets.size === 1 ? (committed[0] as MaterializationRecord).assetKey : null;
    if (assetKey !== null) checkStoredText(assetKey, 'asset key'); // (a parameter before its rows are checked)
    const [block] = await tx.query<{ m: string; e: string }>(
      `WITH block AS MATERIALIZED (
         SELECT setval('weft_materializations_id_seq', nextval('weft_materializations_id_seq') + $1::int - 1) AS m,
                setval('weft_events_id_seq', nextval('weft_events_id_seq') + $1::int - 1) AS e
         FROM (SELECT pg_advisory_xact_lock($4)) AS locked
       ),
       logged AS (
         INSERT INTO weft_events (id, kind, location, asset_key, payload)
         SELECT e, 'materializations.recorded', $2, $3, jsonb_build_object('first', m - $1::int + 1, 'count', $1::int) FROM block
       )
       SELECT m, e, pg_notify($5, e::text) FROM block`,
      [n, this.location, assetKey, EVENT_LOCK, NOTIFY_CHANNEL],
    );
    const firstId = Number(block?.m) - n + 1;
    const lastSeq = Number(block?.e);
    const firstSeq = lastSeq - n + 1;

    // The rows, each record checked just before it is formatted (a bad one aborts the COPY and the
    // transaction: nothing is written). The checks and the formatting run while the server is still
    // busy with the chunks sent before. Meanwhile: the latest record of each partition (its
    // changed_at is the seq of the first record of the trailing run with its data version).
    const latest = new Map<string, { index: number; changedIndex: number }>();
    function* rows(): Generator<string> {
      for (const [index, r] of committed.entries()) {
        if (!retry) checkRecord(r);
        const key = partitionId(r.assetKey, r.partitionKey);
        const previous = latest.get(key);
        const same = previous !== undefined && committed[previous.index]?.dataVersion === r.dataVersion;
        latest.set(key, { index, changedIndex: same ? previous.changedIndex : index });
        yield* materializationLines([r], firstId + index, firstSeq + index);
      }
    }
    await tx.copy('weft_materializations', MATERIALIZATION_COLUMNS, rows());

    // Single inputs name the upstream materialization they read: one recorded in this call (its
    // latest record of that partition), else the current one in the partition state.
    const lookups: Array<{ asset: string; partition: string; dataVersion: string }> = [];
    const lookupIndex = new Map<string, number>();
    for (const r of committed) {
      for (const input of r.inputs) {
        if (!('partitionKey' in input) || latest.has(partitionId(input.upstreamAsset, input.partitionKey))) continue;
        const key = `${partitionId(input.upstreamAsset, input.partitionKey)}\u0000${input.dataVersion}`;
        if (!lookupIndex.has(key)) lookupIndex.set(key, lookups.push({ asset: input.upstreamAsset, partition: input.partitionKey, dataVersion: input.dataVersion }) - 1);
      }
    }
    const upstreamIds = new Map<number, number>();
    if (lookups.length > 0) {
      const found = await tx.query<{ n: string; id: string }>(
        `SELECT u.n, ps.materialization_id AS id FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(a, p, d, n)
         JOIN weft_partition_state ps ON ps.location = $4 AND ps.asset_key = u.a AND ps.partition_key = u.p AND ps.data_version = u.d
         WHERE ps.materialization_id IS NOT NULL`,
        [lookups.map((l) => l.asset), lookups.map((l) => l.partition), lookups.map((l) => l.dataVersion), this.location],
      );
      for (const row of found) upstreamIds.set(Number(row.n) - 1, Number(row.id));
    }
    const upstreamOf = (asset: string, partition: string, dataVersion: string): number | null => {
      const own = latest.get(partitionId(asset, partition));
      if (own) return committed[own.index]?.dataVersion === dataVersion ? firstId + own.index : null;
      const i = lookupIndex.get(`${partitionId(asset, partition)}\u0000${dataVersion}`);
      return i === undefined ? null : (upstreamIds.get(i) ?? null);
    };
    await tx.copy('weft_input_edges', EDGE_COLUMNS, edgeLines(committed, firstId, upstreamOf));

    // Partition state, one row per partition (changed_at moves only when the data version
    // changed): existing rows updated, the others inserted.
    const oncePerPartition = latest.size === n;
    // (MERGE: one pass that probes the key and updates or inserts, without ON CONFLICT's speculative
    // insertion. Recordings never overlap (the event lock); a deadlock with a plan writing the same
    // rows in another order is retried above.)
    const recorded = oncePerPartition
      ? {
          rows: `SELECT id, asset_key, partition_key, token, data_version, code_version, inputs_as_of, event_id, event_id AS changed_at
                 FROM weft_materializations WHERE id BETWEEN $1::bigint AND $1::bigint + $2::int - 1`,
          params: [firstId, n],
        }
      : {
          rows: `SELECT m.id, m.asset_key, m.partition_key, m.token, m.data_version, m.code_version, m.inputs_as_of, m.event_id, u.changed_at
                 FROM unnest($1::bigint[], $2::bigint[]) AS u(id, changed_at) JOIN weft_materializations m ON m.id = u.id`,
          params: [[...latest.values()].map(({ index }) => firstId + index), [...latest.values()].map(({ changedIndex }) => firstSeq + changedIndex)],
        };
    // Only a success planned at or after the latest plan that wanted the partition becomes current:
    // an older plan's attempt committing late is kept as history, and says so (became_current).
    const merged = await tx.execute(
      `MERGE INTO weft_partition_state ps
       USING (${recorded.rows}) r ON ps.location = $3 AND ps.asset_key = r.asset_key AND ps.partition_key = r.partition_key
       WHEN MATCHED AND r.inputs_as_of >= ps.planned_seq THEN UPDATE SET
         status = 'fresh', materialization_id = r.id, token = r.token, code_version = r.code_version, verified_at = r.inputs_as_of, updated_event_id = r.event_id,
         changed_at = CASE WHEN ps.data_version IS DISTINCT FROM r.data_version THEN r.changed_at ELSE ps.changed_at END,
         check_failure = CASE WHEN ps.data_version IS DISTINCT FROM r.data_version THEN NULL ELSE ps.check_failure END,
         data_version = r.data_version, failure = NULL, failure_fingerprint = NULL, planned_seq = r.inputs_as_of,
         running_token = CASE WHEN ps.running_token = r.token THEN NULL ELSE ps.running_token END,
         running_since = CASE WHEN ps.running_token = r.token THEN NULL ELSE ps.running_since END,
         running_batch = CASE WHEN ps.running_token = r.token THEN NULL ELSE ps.running_batch END
       WHEN NOT MATCHED THEN INSERT (location, asset_key, partition_key, status, materialization_id, token, data_version, code_version, verified_at, changed_at, updated_event_id, planned_seq)
         VALUES ($3, r.asset_key, r.partition_key, 'fresh', r.id, r.token, r.data_version, r.code_version, r.inputs_as_of, r.changed_at, r.event_id, r.inputs_as_of)`,
      [...recorded.params, this.location],
    );
    const refused = new Set<number>();
    if (merged < latest.size) {
      // (Rare: the MERGE left some partitions alone. Which ones, and their rows flagged, so the log says so.)
      const rows = await tx.query<{ id: string }>(
        `UPDATE weft_materializations m SET became_current = false FROM weft_partition_state ps
         WHERE m.id = ANY($1::bigint[]) AND ps.location = $2 AND ps.asset_key = m.asset_key AND ps.partition_key = m.partition_key AND ps.materialization_id IS DISTINCT FROM m.id
         RETURNING m.id`,
        [[...latest.values()].map(({ index }) => firstId + index), this.location],
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

  /** Refuses failures the store cannot keep exactly, naming the asset, partition and field. */
  private checkFailures(failures: readonly FailureInput[]): void {
    for (const f of failures) {
      checkStoredText(f.assetKey, 'asset key');
      checkStoredText(f.partitionKey, 'partition key', { assetKey: f.assetKey });
      const where = { assetKey: f.assetKey, partitionKey: f.partitionKey };
      checkStoredText(f.token, 'token', where);
      checkStoredText(f.fingerprint, 'fingerprint', where);
      checkInteger(f.finishedAt, 'finishedAt', where, 0, MAX_TIMESTAMP_MS);
      if (f.startedAt != null) checkInteger(f.startedAt, 'startedAt', where, 0, MAX_TIMESTAMP_MS);
      checkInteger(f.attempt, 'attempt', where, 1, MAX_INT4);
    }
  }

  /** Records failed attempts: attempts rows, failure groups by fingerprint, partition state and events. */
  async recordFailures(failures: readonly FailureInput[]): Promise<WeftEvent[]> {
    if (failures.length === 0) return [];
    this.checkFailures(failures);
    return this.db.transaction((tx) => this.writeFailures(tx, failures));
  }

  private async writeFailures(tx: SqlClient, failures: readonly FailureInput[]): Promise<WeftEvent[]> {
    if (failures.length === 0) return [];
    // The event lock first, as every writer of events takes it: never wait for it while holding rows.
    await lockEvents(tx);
    await tx.query(
      `INSERT INTO weft_attempts (token, asset_key, partition_key, attempt, status, started_at, finished_at, worker, workflow_id, run_id, failure_class, fingerprint, error_message)
       SELECT t, a, p, n, 'failed', s, f, w, wf, r, c, fp, m FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bytea[]) AS u(t, a, p, n, s, f, w, wf, r, c, fp, m)`,
      [
        failures.map((f) => f.token),
        failures.map((f) => f.assetKey),
        failures.map((f) => f.partitionKey),
        failures.map((f) => f.attempt),
        failures.map((f) => ts(f.startedAt)),
        failures.map((f) => ts(f.finishedAt)),
        failures.map((f) => f.worker ?? null),
        failures.map((f) => f.workflowId ?? null),
        failures.map((f) => f.runId ?? null),
        failures.map((f) => f.failureClass),
        failures.map((f) => f.fingerprint),
        failures.map((f) => messageBytes(f.message)),
      ],
    );
    // One row per (asset, fingerprint) group, in one order for every writer (no deadlock between
    // concurrent batches): its count, earliest and latest time, the last class and the first message.
    const groups = new Map<string, { assetKey: string; fingerprint: string; failureClass: string; first: number; last: number; count: number; sample: string }>();
    for (const f of [...failures].sort((x, y) => (x.assetKey === y.assetKey ? cmp(x.fingerprint, y.fingerprint) : cmp(x.assetKey, y.assetKey)))) {
      const key = `${f.assetKey}\u0000${f.fingerprint}`;
      const g = groups.get(key);
      if (!g) groups.set(key, { assetKey: f.assetKey, fingerprint: f.fingerprint, failureClass: f.failureClass, first: f.finishedAt, last: f.finishedAt, count: 1, sample: f.message });
      else Object.assign(g, { failureClass: f.failureClass, first: Math.min(g.first, f.finishedAt), last: Math.max(g.last, f.finishedAt), count: g.count + 1 });
    }
    const rows = [...groups.values()];
    await tx.query(
      `INSERT INTO weft_failure_groups AS g (fingerprint, asset_key, failure_class, first_seen, last_seen, occurrences, sample_message, location)
       SELECT *, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::bytea[])
       ON CONFLICT (location, asset_key, fingerprint) DO UPDATE SET occurrences = g.occurrences + excluded.occurrences,
         first_seen = least(g.first_seen, excluded.first_seen), last_seen = greatest(g.last_seen, excluded.last_seen), failure_class = excluded.failure_class`,
      [
        rows.map((g) => g.fingerprint),
        rows.map((g) => g.assetKey),
        rows.map((g) => g.failureClass),
        rows.map((g) => ts(g.first)),
        rows.map((g) => ts(g.last)),
        rows.map((g) => g.count),
        rows.map((g) => messageBytes(g.sample)),
        this.location,
      ],
    );
    const events = await this.appendEvents(
      failures.map((f) => ({ kind: 'materialization.failed', assetKey: f.assetKey, partitionKey: f.partitionKey, token: f.token, failureClass: f.failureClass, fingerprint: f.fingerprint, message: jsonSafe(f.message), retryAt: f.retryAt, at: f.finishedAt }) as NewEvent),
      tx,
    );
    // One state row per partition: the last failure of a partition that failed more than once here.
    const last = [...new Map(failures.map((f, i) => [partitionId(f.assetKey, f.partitionKey), i])).values()];
    await tx.query(
      `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, failure, failure_fingerprint, updated_event_id)
       SELECT $6, a, p, 'failed', f::jsonb, fp, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(a, p, f, fp, e)
       ORDER BY a, p
       ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'failed', failure = excluded.failure, failure_fingerprint = excluded.failure_fingerprint,
         running_token = NULL, running_since = NULL, running_batch = NULL, updated_event_id = excluded.updated_event_id
       -- (A failure of an older attempt while a newer token runs: history only; the run's own outcome will come.)
       WHERE ps.running_token IS NULL OR ps.running_token = excluded.failure->>'token'`,
      [
        last.map((i) => failures[i]?.assetKey),
        last.map((i) => failures[i]?.partitionKey),
        last.map((i) => {
          const f = failures[i] as FailureInput;
          return JSON.stringify({ token: f.token, failureClass: f.failureClass, fingerprint: f.fingerprint, message: jsonSafe(f.message), retryAt: f.retryAt });
        }),
        last.map((i) => failures[i]?.fingerprint),
        last.map((i) => events[i]?.seq),
        this.location,
      ],
    );
    return events;
  }

  /** Records check results; a failed blocking check of the current data version marks the partition. */
  async recordCheckResults(results: readonly CheckResultInput[]): Promise<WeftEvent[]> {
    if (results.length === 0) return [];
    checkCheckResults(results);
    return this.db.transaction((tx) => this.writeCheckResults(tx, results));
  }

  private async writeCheckResults(tx: SqlClient, results: readonly CheckResultInput[]): Promise<WeftEvent[]> {
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
       SELECT u.a, u.p, u.d, u.c, u.ok, u.b, u.m, u.meta::jsonb, ps.materialization_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::bytea[], $8::text[]) WITH ORDINALITY AS u(a, p, d, c, ok, b, m, meta, n)
       LEFT JOIN weft_partition_state ps ON ps.location = $9 AND ps.asset_key = u.a AND ps.partition_key = u.p AND ps.data_version = u.d
       ORDER BY u.n`,
      [
        results.map((r) => r.assetKey),
        results.map((r) => r.partitionKey),
        results.map((r) => r.dataVersion),
        results.map((r) => r.check),
        results.map((r) => r.passed),
        results.map((r) => r.blocking),
        results.map((r) => messageBytes(r.message)),
        results.map((r) => (r.metadata ? JSON.stringify(r.metadata) : null)),
        this.location,
      ],
    );
    if (updates.length > 0) {
      await tx.query(
        `UPDATE weft_partition_state ps SET
           check_failure = CASE WHEN u.failure IS NOT NULL THEN u.failure::jsonb WHEN u.cleared OR u.passed::jsonb ? (ps.check_failure->>'check') THEN NULL ELSE ps.check_failure END,
           status = CASE WHEN u.failure IS NOT NULL THEN 'check_failed' WHEN u.cleared THEN 'fresh'
                         WHEN ps.status = 'check_failed' AND u.passed::jsonb ? (ps.check_failure->>'check') THEN 'fresh' ELSE ps.status END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[]) AS u(a, p, d, failure, cleared, passed)
         WHERE ps.location = $7 AND ps.asset_key = u.a AND ps.partition_key = u.p AND ps.data_version = u.d`,
        [
          updates.map((u) => u.assetKey),
          updates.map((u) => u.partitionKey),
          updates.map((u) => u.dataVersion),
          updates.map((u) => (u.failure ? JSON.stringify(u.failure) : null)),
          updates.map((u) => u.cleared),
          updates.map((u) => JSON.stringify(u.passed)),
          this.location,
        ],
      );
    }
    return this.appendEvents(
      results.map((r) => ({ kind: 'check.evaluated', assetKey: r.assetKey, partitionKey: r.partitionKey, dataVersion: r.dataVersion, check: r.check, passed: r.passed, blocking: r.blocking, message: jsonSafe(r.message) }) as NewEvent),
      tx,
    );
  }

  /** Records source observations: only partitions whose data version changed produce an event. */
  async recordSourceObservations(assetKey: string, observations: ReadonlyArray<{ partitionKey: PartitionKey; dataVersion: string; reported?: unknown }>): Promise<WeftEvent[]> {
    checkStoredText(assetKey, 'asset key');
    for (const p of observations) checkStoredText(p.partitionKey, 'partition key', { assetKey });
    // A partition reported more than once: its last report counts.
    const partitions = [...new Map(observations.map((p) => [p.partitionKey, p])).values()];
    if (partitions.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const changed = await tx.query<{ partition_key: string; data_version: string }>(
        `SELECT u.p AS partition_key, u.d AS data_version FROM unnest($2::text[], $3::text[]) AS u(p, d)
         LEFT JOIN weft_source_observations o ON o.location = $4 AND o.asset_key = $1 AND o.partition_key = u.p
         WHERE o.data_version IS DISTINCT FROM u.d`,
        [assetKey, partitions.map((p) => p.partitionKey), partitions.map((p) => p.dataVersion), this.location],
      );
      if (changed.length === 0) return [];
      const [event] = await this.appendEvents([{ kind: 'source.observed', assetKey, partitions: changed.map((c) => ({ partitionKey: c.partition_key, dataVersion: c.data_version })) } as NewEvent], tx);
      const seq = (event as WeftEvent).seq;
      const reported = new Map(partitions.map((p) => [p.partitionKey, p.reported ?? null]));
      await tx.query(
        `INSERT INTO weft_source_observations AS o (location, asset_key, partition_key, data_version, reported, event_id)
         SELECT $6, $1, p, d, r::jsonb, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS u(p, d, r)
         ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET data_version = excluded.data_version, reported = excluded.reported, observed_at = now(), event_id = excluded.event_id`,
        [assetKey, changed.map((c) => c.partition_key), changed.map((c) => c.data_version), changed.map((c) => JSON.stringify(reported.get(c.partition_key) ?? null)), seq, this.location],
      );
      await tx.query(
        `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, data_version, changed_at, verified_at, updated_event_id)
         SELECT $5, $1, p, 'fresh', d, $4, $4, $4 FROM unnest($2::text[], $3::text[]) AS u(p, d)
         ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'fresh', data_version = excluded.data_version, changed_at = excluded.changed_at, updated_event_id = excluded.updated_event_id`,
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
      const events = await this.appendEvents([{ kind: 'dynamic.keys_added', name, keys: fresh } as NewEvent], tx);
      await tx.query(
        `INSERT INTO weft_dynamic_partitions (location, name, partition_key, position, event_id)
         SELECT $4, $1, k, coalesce((SELECT max(position) + 1 FROM weft_dynamic_partitions WHERE location = $4 AND name = $1), 0) + n - 1, $3
         FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n)`,
        [name, fresh, events[0]?.seq, this.location],
      );
      return events;
    });
  }

  /** Submits a user request (materialize, backfill, retry). */
  async submitRequest(request: PlannerRequest, requestedBy: string | null = null): Promise<WeftEvent[]> {
    checkStoredText(request.id, 'request id');
    checkStoredText(request.assetKey, 'asset key');
    for (const k of request.partitionKeys ?? []) checkStoredText(k, 'request partition key', { assetKey: request.assetKey });
    return this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO weft_requests (id, action, asset_key, partition_keys, priority, requested_by, location) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)', [
        request.id,
        request.action,
        request.assetKey,
        request.partitionKeys === null ? null : JSON.stringify(request.partitionKeys),
        request.priority,
        requestedBy,
        this.location,
      ]);
      return this.appendEvents([{ kind: 'request.submitted', request } as NewEvent], tx);
    });
  }

  // ─── planner state ─────────────────────────────────────────────────────────────────────────

  /**
   * The planner snapshot: partition state as columns indexed by each definition's partitions in
   * `ctx`, the dynamic keys, open requests and this location's cursor.
   */
  async loadSnapshot(graph: AssetGraph, ctxFor: (dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>) => PartitionContext): Promise<PlannerSnapshot> {
    const dynamicKeys = await this.dynamicKeys();
    const ctx = ctxFor(dynamicKeys);
    const cursorRow = await this.db.query<{ cursor: string }>('SELECT cursor FROM weft_planner_cursors WHERE location = $1', [this.location]);
    const cursor = Number(cursorRow[0]?.cursor ?? 0);
    const assets: AssetSnapshot[] = [];
    for (const key of graph.order) {
      const def = graph.node(key).partitions;
      const count = def.count(ctx);
      const codeVersions: string[] = [];
      const codeIds = new Map<string, number>();
      const a = {
        assetKey: key,
        count,
        status: new Uint8Array(count).fill(PARTITION_STATUSES.indexOf('missing')),
        materialized: new Uint8Array(count),
        token: new Uint8Array(count * DIGEST),
        dataVersion: new Uint8Array(count * DIGEST),
        codeVersionId: new Uint16Array(count),
        codeVersions,
        verifiedAt: new Float64Array(count).fill(-1),
        changedAt: new Float64Array(count).fill(-1),
        failures: [] as FailureRecord[],
        running: [] as RunningMarker[],
        checkFailures: [] as Array<{ index: number; check: string; message: string }>,
      };
      const rows = await this.db.query<{
        partition_key: string;
        status: PartitionStatus;
        token: string | null;
        data_version: string | null;
        code_version: string | null;
        verified_at: string;
        changed_at: string;
        failure: { token: string; failureClass: 'transient' | 'actionable'; fingerprint: string; message: string; retryAt: number | null } | null;
        running_token: string | null;
        running_since: Date | null;
        running_batch: string | null;
        check_failure: { check: string; message: string } | null;
      }>('SELECT partition_key, status, token, data_version, code_version, verified_at, changed_at, failure, running_token, running_since, running_batch, check_failure FROM weft_partition_state WHERE location = $2 AND asset_key = $1', [key, this.location]);
      for (const r of rows) {
        const i = def.indexOf(r.partition_key, ctx);
        if (i === undefined || i >= count) continue;
        a.status[i] = Math.max(0, PARTITION_STATUSES.indexOf(r.status));
        if (r.data_version && /^[0-9a-f]{64}$/.test(r.data_version)) {
          a.materialized[i] = 1;
          a.dataVersion.set(Buffer.from(r.data_version, 'hex'), i * DIGEST);
        }
        if (r.token && /^[0-9a-f]{64}$/.test(r.token)) a.token.set(Buffer.from(r.token, 'hex'), i * DIGEST);
        if (r.code_version !== null) {
          let id = codeIds.get(r.code_version);
          if (id === undefined) codeIds.set(r.code_version, (id = codeVersions.push(r.code_version) - 1));
          a.codeVersionId[i] = id;
        }
        a.verifiedAt[i] = Number(r.verified_at);
        a.changedAt[i] = Number(r.changed_at);
        if (r.failure) a.failures.push({ index: i, ...r.failure });
        if (r.running_token) a.running.push({ index: i, token: r.running_token, since: r.running_since ? new Date(r.running_since).getTime() : 0, batchId: r.running_batch });
        if (r.check_failure) a.checkFailures.push({ index: i, ...r.check_failure });
      }
      assets.push(a);
    }
    const requestRows = await this.db.query<{ id: string; action: PlannerRequest['action']; asset_key: string; partition_keys: string[] | null; priority: number }>(
      "SELECT id, action, asset_key, partition_keys, priority FROM weft_requests WHERE location = $1 AND status = 'open' ORDER BY created_at",
      [this.location],
    );
    const requests: PlannerRequest[] = requestRows.map((r) => ({ id: r.id, action: r.action, assetKey: r.asset_key, partitionKeys: r.partition_keys, priority: r.priority }));
    return { cursor, dynamicKeys, assets, requests };
  }

  /**
   * Persists a plan: the partitions' new statuses (with reasons when `reasonsFor` gives them), the
   * partitions started, and the cursor — atomically.
   */
  async savePlan(result: PlanResult, graph: AssetGraph, ctx: PartitionContext, reasonsFor?: (assetKey: string, partitionKey: PartitionKey) => readonly Reason[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const change of result.changes) {
        const def = graph.node(change.assetKey).partitions;
        const keys: string[] = [];
        for (const [a, b] of change.ranges) for (let i = a; i < b; i++) keys.push(def.keyAt(i, ctx));
        for (let start = 0; start < keys.length; start += 10_000) {
          const chunk = keys.slice(start, start + 10_000);
          const reasons = reasonsFor && chunk.length <= 1000 ? chunk.map((k) => JSON.stringify(reasonsFor(change.assetKey, k))) : chunk.map(() => null);
          await tx.query(
            // (A row a recording wrote after this plan's cursor is newer than the plan: left alone.)
            `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, reasons, updated_event_id)
             SELECT $6, $1, k, $3, r::jsonb, $5 FROM unnest($2::text[], $4::text[]) AS u(k, r)
             ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = excluded.status, reasons = excluded.reasons, updated_event_id = excluded.updated_event_id
             WHERE ps.updated_event_id <= excluded.updated_event_id`,
            [change.assetKey, chunk, change.status, reasons, result.cursor, this.location],
          );
        }
      }
      // The started partitions: the token and batch each runs, and the plan that wants it (a success
      // planned before it no longer becomes current). Saved before the batches start (see PlannerHost).
      for (const batch of result.batches) {
        await tx.query(
          `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, running_token, running_since, running_batch, planned_seq, updated_event_id)
           SELECT $6, $1, k, 'running', t, now(), $4, $5, $5 FROM unnest($2::text[], $3::text[]) AS u(k, t)
           ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'running', running_token = excluded.running_token, running_since = excluded.running_since,
             running_batch = excluded.running_batch, planned_seq = greatest(ps.planned_seq, excluded.planned_seq)`,
          [batch.assetKey, batch.partitions.map((p) => p.partitionKey), batch.partitions.map((p) => p.token), batch.id, batch.inputsAsOf, this.location],
        );
      }
      await tx.query(
        `INSERT INTO weft_planner_cursors (location, cursor, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (location) DO UPDATE SET cursor = greatest(weft_planner_cursors.cursor, excluded.cursor), updated_at = now()`,
        [this.location, result.cursor],
      );
    });
  }

  /** Records requests' progress (partitions by status); a request whose partitions are all settled is done. */
  async saveRequestProgress(progress: ReadonlyArray<{ id: string; total: number; byStatus: Readonly<Record<string, number>> }>): Promise<void> {
    if (progress.length === 0) return;
    await this.db.query(
      `UPDATE weft_requests r SET total = u.total, progress = u.progress::jsonb,
         status = CASE WHEN u.done THEN 'done' ELSE r.status END, finished_at = CASE WHEN u.done AND r.finished_at IS NULL THEN now() ELSE r.finished_at END
       FROM unnest($1::text[], $2::int[], $3::text[], $4::boolean[]) AS u(id, total, progress, done) WHERE r.id = u.id AND r.location = $5`,
      [
        progress.map((p) => p.id),
        progress.map((p) => p.total),
        progress.map((p) => JSON.stringify(p.byStatus)),
        progress.map((p) => (p.byStatus['running'] ?? 0) + (p.byStatus['stale'] ?? 0) + (p.byStatus['missing'] ?? 0) === 0),
        this.location,
      ],
    );
  }

  /** A request and its recorded progress. */
  async request(id: string): Promise<{ id: string; status: string; total: number | null; progress: Record<string, number> | null } | undefined> {
    const rows = await this.db.query<{ id: string; status: string; total: number | null; progress: Record<string, number> | null }>('SELECT id, status, total, progress FROM weft_requests WHERE id = $1 AND location = $2', [id, this.location]);
    return rows[0];
  }

  // ─── queries ───────────────────────────────────────────────────────────────────────────────

  /** How many partitions of each asset are in each status, and which assets are sources (observed, never computed). */
  async statusCounts(): Promise<{ counts: Array<{ assetKey: string; status: PartitionStatus; count: number }>; sources: string[] }> {
    const rows = await this.db.query<{ asset_key: string; status: PartitionStatus; n: string }>('SELECT asset_key, status, count(*) AS n FROM weft_partition_state WHERE location = $1 GROUP BY 1, 2', [this.location]);
    const sources = await this.db.query<{ asset_key: string }>('SELECT DISTINCT asset_key FROM weft_source_observations WHERE location = $1', [this.location]);
    return { counts: rows.map((r) => ({ assetKey: r.asset_key, status: r.status, count: Number(r.n) })), sources: sources.map((r) => r.asset_key) };
  }

  /** One page of an asset's partitions with their state, ordered by partition key. */
  async partitions(assetKey: string, options: { offset?: number; limit?: number; status?: PartitionStatus } = {}): Promise<PartitionRow[]> {
    const rows = await this.db.query<{ partition_key: string; status: PartitionStatus; token: string | null; data_version: string | null; code_version: string | null; materialization_id: string | null; reasons: Reason[] | null }>(
      // (`status <> 'fresh'` lets the unsettled partitions' partial index answer a filter on any other status)
      `SELECT partition_key, status, token, data_version, code_version, materialization_id, reasons FROM weft_partition_state
       WHERE location = $5 AND asset_key = $1 ${options.status === undefined ? 'AND $2::text IS NULL' : options.status === 'fresh' ? "AND status = $2 AND status = 'fresh'" : "AND status = $2 AND status <> 'fresh'"}
       ORDER BY partition_key OFFSET $3 LIMIT $4`,
      [assetKey, options.status ?? null, options.offset ?? 0, Math.min(options.limit ?? 100, 10_000), this.location],
    );
    return rows.map((r) => ({ partitionKey: r.partition_key, status: r.status, token: r.token, dataVersion: r.data_version, codeVersion: r.code_version, materializationId: r.materialization_id === null ? null : Number(r.materialization_id), reasons: r.reasons }));
  }

  /**
   * A range-compressed status summary: runs of consecutive partitions (in the definition's order)
   * with one status, from the partition-state table (never the event log). Partitions without a
   * state row are `missing`.
   */
  async statusSummary(assetKey: string, graph: AssetGraph, ctx: PartitionContext): Promise<StatusRange[]> {
    const def = graph.node(assetKey).partitions;
    const count = def.count(ctx);
    const codes = new Uint8Array(count).fill(PARTITION_STATUSES.indexOf('missing'));
    const rows = await this.db.query<{ partition_key: string; status: PartitionStatus }>('SELECT partition_key, status FROM weft_partition_state WHERE location = $2 AND asset_key = $1', [assetKey, this.location]);
    for (const r of rows) {
      const i = def.indexOf(r.partition_key, ctx);
      if (i !== undefined && i < count) codes[i] = PARTITION_STATUSES.indexOf(r.status);
    }
    const out: StatusRange[] = [];
    let start = 0;
    for (let i = 1; i <= count; i++) {
      if (i === count || codes[i] !== codes[start]) {
        out.push({ firstKey: def.keyAt(start, ctx), lastKey: def.keyAt(i - 1, ctx), count: i - start, status: PARTITION_STATUSES[codes[start] as number] as PartitionStatus });
        start = i;
      }
    }
    return out;
  }

  /** Provenance of a partition's current (or a given) materialization, `depth` levels up or down. */
  lineage(graph: AssetGraph, ctx: PartitionContext, options: { assetKey: string; partitionKey: PartitionKey; direction: 'upstream' | 'downstream'; depth: number; materializationId?: number }): Promise<Lineage> {
    return readLineage(this.db, graph, ctx, { ...options, location: this.location });
  }

  /** Failures grouped by fingerprint, with the partitions currently failed by each. */
  async failureGroups(assetKey?: string): Promise<FailureGroup[]> {
    const groups = await this.db.query<{ asset_key: string; fingerprint: string; failure_class: 'transient' | 'actionable'; occurrences: number; first_seen: Date; last_seen: Date; sample_message: Uint8Array; partitions: string[] | null }>(
      `SELECT g.asset_key, g.fingerprint, g.failure_class, g.occurrences, g.first_seen, g.last_seen, g.sample_message,
         (SELECT array_agg(ps.partition_key ORDER BY ps.partition_key) FROM weft_partition_state ps
          WHERE ps.location = g.location AND ps.asset_key = g.asset_key AND ps.failure_fingerprint = g.fingerprint AND ps.status = 'failed') AS partitions
       FROM weft_failure_groups g WHERE g.location = $2 AND ($1::text IS NULL OR g.asset_key = $1) ORDER BY g.last_seen DESC`,
      [assetKey ?? null, this.location],
    );
    return groups.map((g) => ({
      assetKey: g.asset_key,
      fingerprint: g.fingerprint,
      failureClass: g.failure_class,
      occurrences: g.occurrences,
      firstSeen: new Date(g.first_seen).getTime(),
      lastSeen: new Date(g.last_seen).getTime(),
      sampleMessage: messageText(g.sample_message),
      partitions: g.partitions ?? [],
    }));
  }

  /** Every attempt of a partition, newest first, with exact error messages. */
  async attempts(assetKey: string, partitionKey: PartitionKey): Promise<Array<{ token: string; attempt: number; status: string; failureClass: string | null; fingerprint: string | null; message: string | null }>> {
    // Failed (and started) attempts have their own rows; a success is its materialization row.
    const rows = await this.db.query<{ token: string; attempt: number; status: string; failure_class: string | null; fingerprint: string | null; error_message: Uint8Array | null }>(
      `SELECT token, attempt, status, failure_class, fingerprint, error_message FROM (
         SELECT token, attempt, status, failure_class, fingerprint, error_message, coalesce(finished_at, started_at) AS t, id AS o, 0 AS k FROM weft_attempts WHERE asset_key = $1 AND partition_key = $2
         UNION ALL
         SELECT token, attempt, 'succeeded', NULL, NULL, NULL, finished_at, id, 1 FROM weft_materializations WHERE asset_key = $1 AND partition_key = $2
       ) a ORDER BY t DESC NULLS LAST, k DESC, o DESC`,
      [assetKey, partitionKey],
    );
    return rows.map((r) => ({ token: r.token, attempt: r.attempt, status: r.status, failureClass: r.failure_class, fingerprint: r.fingerprint, message: r.error_message === null ? null : messageText(r.error_message) }));
  }

  // ─── retention ─────────────────────────────────────────────────────────────────────────────

  /**
   * Prunes old events and superseded detail. Never removed: events after the lowest planner
   * cursor, any partition's current materialization, and every materialization reachable upstream
   * from one (what current partitions were made from).
   */
  async prune(policy: RetentionPolicy, now: number, options: PruneOptions = {}): Promise<PruneResult> {
    checkRetentionPolicy(policy);
    let dryRunResult: PruneResult | undefined;
    const result = await this.db.transaction(async (tx) => {
      let events = 0;
      let attempts = 0;
      let materializations = 0;
      let checks = 0;
      if (policy.eventsOlderThanMs !== undefined) {
        const r = await tx.query<{ n: string }>(
          `WITH d AS (DELETE FROM weft_events WHERE at < $1 AND id <= ${READ_BY_ALL_SQL} RETURNING 1) SELECT count(*) AS n FROM d`,
          [new Date(now - policy.eventsOlderThanMs)],
        );
        events = Number(r[0]?.n ?? 0);
      }
      if (policy.detailOlderThanMs !== undefined) {
        const cutoff = new Date(now - policy.detailOlderThanMs);
        const a = await tx.query<{ n: string }>(
          `WITH d AS (DELETE FROM weft_attempts a WHERE a.finished_at < $1 AND NOT EXISTS (
             SELECT 1 FROM weft_partition_state ps WHERE ps.asset_key = a.asset_key AND ps.partition_key = a.partition_key AND (ps.token = a.token OR ps.failure->>'token' = a.token)) RETURNING 1)
           SELECT count(*) AS n FROM d`,
          [cutoff],
        );
        attempts = Number(a[0]?.n ?? 0);
        materializations = await sweepMaterializations(tx, cutoff, options.orderedAssets ?? []);
      }
      if (policy.checksOlderThanMs !== undefined) {
        const c = await tx.query<{ n: string }>(
          `WITH d AS (DELETE FROM weft_check_results c WHERE c.at < $1 AND NOT EXISTS (
             SELECT 1 FROM weft_partition_state ps WHERE ps.asset_key = c.asset_key AND ps.partition_key = c.partition_key AND ps.data_version = c.data_version) RETURNING 1)
           SELECT count(*) AS n FROM d`,
          [new Date(now - policy.checksOlderThanMs)],
        );
        checks = Number(c[0]?.n ?? 0);
      }
      if (options.dryRun) {
        // Counted inside the transaction, then rolled back: nothing is removed.
        dryRunResult = { events, attempts, materializations, checks };
        throw new DryRunRollback();
      }
      return { events, attempts, materializations, checks };
    }).catch((error: unknown) => {
      if (error instanceof DryRunRollback && dryRunResult) return dryRunResult;
      throw error;
    });
    return result;
  }

  /** Every code location's planner cursor, the one holding retention back most first. */
  async plannerCursors(): Promise<PlannerCursor[]> {
    const rows = await this.db.query<{ location: string; cursor: string; updated_at: Date | string; read_through: string; behind: string }>(
      `SELECT * FROM (${CURSORS_SQL}) cursors ORDER BY read_through, location`,
    );
    return rows.map((r) => ({
      location: r.location,
      cursor: Number(r.cursor),
      readThrough: Number(r.read_through),
      eventsBehind: Number(r.behind),
      updatedAt: new Date(r.updated_at).getTime(),
    }));
  }

  /**
   * Forgets a code location that is gone: removes its planner cursor, so retention no longer waits
   * for it (a planner that runs again replays the log from what retention kept, and saves a new
   * cursor). With `idleSince`, a cursor saved after that time is kept: its planner looks alive.
   */
  async forgetLocation(location: string, options: { idleSince?: number } = {}): Promise<'forgotten' | 'unknown' | 'active'> {
    checkStoredText(location, 'location');
    // The outer SELECT reads the table as it was before the DELETE (one snapshot per statement).
    const rows = await this.db.query<{ forgotten: string; existed: string }>(
      `WITH gone AS (DELETE FROM weft_planner_cursors WHERE location = $1 AND ($2::timestamptz IS NULL OR updated_at <= $2) RETURNING 1)
       SELECT (SELECT count(*) FROM gone) AS forgotten, (SELECT count(*) FROM weft_planner_cursors WHERE location = $1) AS existed`,
      [location, ts(options.idleSince)],
    );
    if (Number(rows[0]?.forgotten) > 0) return 'forgotten';
    return Number(rows[0]?.existed) > 0 ? 'active' : 'unknown';
  }

  // ─── API tokens and audit ──────────────────────────────────────────────────────────────────

  /** Creates an API token; returns its secret once (only its sha256 is stored). */
  async createApiToken(name: string, roles: Readonly<Record<string, string>>, expiresAt: number | null = null): Promise<{ id: string; secret: string }> {
    const id = randomBytes(8).toString('hex');
    const secret = `weft_${randomBytes(24).toString('base64url')}`;
    await this.db.query('INSERT INTO weft_api_tokens (id, name, token_hash, roles, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5)', [id, name, sha256(secret), JSON.stringify(roles), ts(expiresAt)]);
    return { id, secret };
  }

  /** The token a secret belongs to, if it is valid now. */
  async verifyApiToken(secret: string, now: number): Promise<{ id: string; name: string; roles: Record<string, string> } | undefined> {
    const rows = await this.db.query<{ id: string; name: string; roles: Record<string, string> }>(
      `UPDATE weft_api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) RETURNING id, name, roles`,
      [sha256(secret), new Date(now)],
    );
    return rows[0];
  }

  async revokeApiToken(id: string, now: number): Promise<void> {
    await this.db.query('UPDATE weft_api_tokens SET revoked_at = $2 WHERE id = $1', [id, new Date(now)]);
  }

  async audit(actor: string, action: string, target: string | null, details: unknown = null): Promise<void> {
    await this.db.query('INSERT INTO weft_audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4::jsonb)', [actor, action, target, details === null ? null : JSON.stringify(details)]);
  }
}

/** Refuses check results the store cannot keep exactly, naming the asset, partition and field. */
function checkCheckResults(results: readonly CheckResultInput[]): void {
  for (const r of results) {
    checkStoredText(r.assetKey, 'asset key');
    checkStoredText(r.partitionKey, 'partition key', { assetKey: r.assetKey });
    checkStoredText(r.check, 'check name', { assetKey: r.assetKey, partitionKey: r.partitionKey });
    checkStoredText(r.dataVersion, 'data version', { assetKey: r.assetKey, partitionKey: r.partitionKey });
  }
}

/** The transaction lock every event writer takes before its events get ids (released at commit). */
async function lockEvents(q: SqlClient): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOCK]);
}

/** The key of a partition in maps (keys never hold NUL: checked before anything is written). */
function partitionId(assetKey: string, partitionKey: string): string {
  return `${assetKey}\u0000${partitionKey}`;
}

/**
 * Whether `error` refuses a recording that a second try gets right: the unique index on
 * materialization tokens (a token committed by another attempt), the partition-state key (a state
 * row inserted by a concurrent plan after this recording looked for it), or a deadlock.
 */
function isRecordingConflict(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code === '40P01') return true; // a deadlock with a plan writing the same partitions' state: PostgreSQL chose this one
  if (e?.code !== '23505') return false;
  const text = `${String(e.constraint ?? '')} ${String(e.message ?? '')}`;
  return text.includes('weft_materializations_token_key') || text.includes('weft_partition_state_pkey');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Thrown inside a dry run's transaction to roll it back. */
class DryRunRollback extends Error {}

function checkRetentionPolicy(policy: RetentionPolicy): void {
  for (const field of ['eventsOlderThanMs', 'detailOlderThanMs', 'checksOlderThanMs'] as const) {
    const value = policy[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new WeftError('storage.bad_value', `retention ${field} must be a whole number of milliseconds ≥ 0, got ${JSON.stringify(value) ?? String(value)}`, { field });
    }
  }
}

/**
 * Removes the superseded materializations (with their input edges) that nothing kept depends on,
 * and returns how many went. Kept: every partition's current (latest) materialization; every
 * materialization that finished or was superseded (its successor finished) after `cutoff`, so a
 * computation still running on it records its provenance whole; every one whose event some
 * planner has not read yet (the log reads `materialization.succeeded` events from these rows);
 * and, level by level, everything a
 * kept one read. A single input names its upstream row. A range input read its upstream asset as
 * of the reader's `inputs_as_of`: the materializations current then (born at or before it, not yet
 * superseded) are kept. For an asset in `orderedAssets` (its keys sort in definition order as
 * text: see `textOrderedAssets`), those of the partitions from the range's first key to its last;
 * for any other, those of every partition of the asset (its definition's order is unknown here:
 * more than the range, never less).
 *
 * Each level is a few set-based statements over a temporary table: indexed joins for single
 * inputs, and for range inputs one pass over the read assets' rows in index order, each row's
 * lifetime probed against the read times by index. Work grows with the rows, not with the square
 * of them.
 */
async function sweepMaterializations(tx: SqlClient, cutoff: Date, orderedAssets: Iterable<string>): Promise<number> {
  // Each statement below sees the rows committed before it started (READ COMMITTED): a recording
  // that commits during the sweep must not be taken for unkept. Ids are reserved under the event
  // lock that is held until commit, so every id up to the highest visible now is committed already
  // and visible to the statements after this one; rows above it are left alone.
  const ordered = [...new Set(orderedAssets)];
  for (const asset of ordered) checkStoredText(asset, 'ordered asset key');
  const [bound] = await tx.query<{ max: string }>('SELECT coalesce(max(id), 0) AS max FROM weft_materializations');
  const maxId = Number(bound?.max ?? 0);
  await tx.query('CREATE TEMP TABLE weft_prune_kept (id bigint PRIMARY KEY, level integer NOT NULL) ON COMMIT DROP');
  await tx.query('CREATE INDEX ON weft_prune_kept (level)');
  await tx.query('CREATE TEMP TABLE weft_prune_reads (asset text NOT NULL, t bigint NOT NULL, PRIMARY KEY (asset, t)) ON COMMIT DROP');
  await tx.query('CREATE TEMP TABLE weft_prune_ranges (asset text NOT NULL, t bigint NOT NULL, first text NOT NULL, last text NOT NULL, PRIMARY KEY (asset, t, first, last)) ON COMMIT DROP');
  await tx.query(
    `INSERT INTO weft_prune_kept (id, level)
     SELECT materialization_id, 0 FROM weft_partition_state WHERE materialization_id IS NOT NULL
     UNION
     SELECT id, 0 FROM (
       SELECT id, finished_at, event_id, lead(finished_at) OVER (PARTITION BY asset_key, partition_key ORDER BY id) AS superseded_at
       FROM weft_materializations
     ) m
     WHERE superseded_at IS NULL OR superseded_at >= $1 OR finished_at >= $1
        OR coalesce(event_id, 0) > ${READ_BY_ALL_SQL}
     ON CONFLICT (id) DO NOTHING`,
    [cutoff],
  );
  // Autovacuum never analyzes temporary tables: without statistics the joins below are planned blind.
  await tx.query('ANALYZE weft_prune_kept');
  for (let level = 0; ; level++) {
    await tx.query('DELETE FROM weft_prune_reads');
    await tx.query('DELETE FROM weft_prune_ranges');
    // Range reads of this level: of an ordered asset, its range; of any other, the whole asset.
    const reads = await tx.query<{ whole: string; ranges: string }>(
      `WITH r AS (
         SELECT e.upstream_asset AS asset, d.inputs_as_of AS t, e.range_first AS first, e.range_last AS last, e.upstream_asset = ANY($2::text[]) AS ordered
         FROM weft_prune_kept k JOIN weft_input_edges e ON e.materialization_id = k.id JOIN weft_materializations d ON d.id = k.id
         WHERE k.level = $1 AND e.range_count IS NOT NULL
       ),
       whole AS (
         INSERT INTO weft_prune_reads (asset, t) SELECT DISTINCT asset, t FROM r WHERE NOT (ordered AND first IS NOT NULL AND last IS NOT NULL)
         RETURNING 1),
       ranges AS (
         INSERT INTO weft_prune_ranges (asset, t, first, last) SELECT DISTINCT asset, t, first, last FROM r WHERE ordered AND first IS NOT NULL AND last IS NOT NULL
         RETURNING 1)
       SELECT (SELECT count(*) FROM whole) AS whole, (SELECT count(*) FROM ranges) AS ranges`,
      [level, ordered],
    );
    const wholeAssets =
      Number(reads[0]?.whole ?? 0) === 0
        ? ''
        : `UNION
           SELECT l.id, $1 + 1 FROM (
             SELECT m.id, m.asset_key, coalesce(m.event_id, 0) AS born,
                    lead(coalesce(m.event_id, 0)) OVER (PARTITION BY m.asset_key, m.partition_key ORDER BY m.id) AS died
             FROM weft_materializations m WHERE m.asset_key IN (SELECT DISTINCT asset FROM weft_prune_reads)
           ) l
           WHERE EXISTS (SELECT 1 FROM weft_prune_reads r WHERE r.asset = l.asset_key AND r.t >= l.born AND (l.died IS NULL OR r.t < l.died))`;
    // Each partition of the range: its latest materialization as of the read (index order, newest first).
    const inRanges =
      Number(reads[0]?.ranges ?? 0) === 0
        ? ''
        : `UNION
           SELECT x.id, $1 + 1 FROM weft_prune_ranges r CROSS JOIN LATERAL (
             SELECT DISTINCT ON (m.partition_key) m.id FROM weft_materializations m
             WHERE m.asset_key = r.asset AND m.partition_key >= r.first AND m.partition_key <= r.last AND coalesce(m.event_id, 0) <= r.t
             ORDER BY m.partition_key, m.id DESC
           ) x`;
    const added = await tx.query<{ n: string }>(
      `WITH added AS (
         INSERT INTO weft_prune_kept (id, level)
         SELECT e.upstream_materialization_id, $1 + 1
         FROM weft_prune_kept k JOIN weft_input_edges e ON e.materialization_id = k.id
         WHERE k.level = $1 AND e.upstream_materialization_id IS NOT NULL
         ${wholeAssets}
         ${inRanges}
         ON CONFLICT (id) DO NOTHING
         RETURNING 1)
       SELECT count(*) AS n FROM added`,
      [level],
    );
    if (Number(added[0]?.n ?? 0) === 0) break;
  }
  const gone = await tx.query<{ n: string }>(
    `WITH doomed AS (SELECT m.id FROM weft_materializations m WHERE m.id <= $1 AND NOT EXISTS (SELECT 1 FROM weft_prune_kept k WHERE k.id = m.id)),
     edges AS (DELETE FROM weft_input_edges e USING doomed WHERE e.materialization_id = doomed.id RETURNING 1),
     gone AS (DELETE FROM weft_materializations m USING doomed WHERE m.id = doomed.id RETURNING 1)
     SELECT (SELECT count(*) FROM gone) AS n, (SELECT count(*) FROM edges) AS e`,
    [maxId],
  );
  return Number(gone[0]?.n ?? 0);
}
