import { PARTITION_STATUSES, type AssetGraph, type AssetSnapshot, type FailureRecord, type PartitionContext, type PartitionKey, type PartitionStatus, type PlannerRequest, type PlannerSnapshot, type PlanResult, type Reason, type RunningMarker } from '@weft/core';
import { StorePart } from './context.js';
import type { EventLog } from './event-log.js';
import type { Sources } from './sources.js';
import type { SqlDatabase } from './sql-client.js';

const DIGEST = 32;
/** Partition-state rows read per query when a snapshot is loaded. */
const STATE_PAGE = 50_000;

/** A partition-state row as a snapshot reads it. */
interface StateRow {
  partition_key: string;
  status: PartitionStatus;
  token: string | null;
  data_version: string | null;
  code_version: string | null;
  verified_seq: string;
  changed_seq: string;
  failure: { token: string; failureClass: 'transient' | 'actionable'; fingerprint: string; message: string; retryAt: number | null } | null;
  running_token: string | null;
  running_since: Date | null;
  running_batch: string | null;
  check_failure: { check: string; message: string } | null;
}

/** What the planner persists and rebuilds from: the snapshot of partition state, plans and the cursor. */
export class PlannerState extends StorePart {
  constructor(
    db: SqlDatabase,
    location: string,
    events: EventLog,
    private readonly sources: Sources,
  ) {
    super(db, location, events);
  }

  /**
   * The planner snapshot: partition state as columns indexed by each definition's partitions in
   * `ctx`, the dynamic keys, open requests and this location's cursor.
   */
  async loadSnapshot(graph: AssetGraph, ctxFor: (dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>) => PartitionContext): Promise<PlannerSnapshot> {
    const dynamicKeys = await this.sources.dynamicKeys();
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
        verifiedSeq: new Float64Array(count).fill(-1),
        changedSeq: new Float64Array(count).fill(-1),
        failures: [] as FailureRecord[],
        running: [] as RunningMarker[],
        checkFailures: [] as Array<{ index: number; check: string; message: string }>,
      };
      for await (const rows of this.statePages(key)) {
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
          a.verifiedSeq[i] = Number(r.verified_seq);
          a.changedSeq[i] = Number(r.changed_seq);
          if (r.failure) a.failures.push({ index: i, ...r.failure });
          if (r.running_token) a.running.push({ index: i, token: r.running_token, since: r.running_since ? new Date(r.running_since).getTime() : 0, batchId: r.running_batch });
          if (r.check_failure) a.checkFailures.push({ index: i, ...r.check_failure });
        }
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
   * The partition-state rows of one asset, in pages of {@link STATE_PAGE} in key order (keyset
   * paging on the primary key): a worker rebuilding its planner never holds more rows than that.
   */
  private async *statePages(assetKey: string): AsyncGenerator<StateRow[]> {
    const columns = 'partition_key, status, token, data_version, code_version, verified_seq, changed_seq, failure, running_token, running_since, running_batch, check_failure';
    let after: string | undefined;
    for (;;) {
      const rows =
        after === undefined
          ? await this.db.query<StateRow>(`SELECT ${columns} FROM weft_partition_state WHERE location = $2 AND asset_key = $1 ORDER BY partition_key LIMIT ${STATE_PAGE}`, [assetKey, this.location])
          : await this.db.query<StateRow>(`SELECT ${columns} FROM weft_partition_state WHERE location = $2 AND asset_key = $1 AND partition_key > $3 ORDER BY partition_key LIMIT ${STATE_PAGE}`, [assetKey, this.location, after]);
      if (rows.length > 0) yield rows;
      if (rows.length < STATE_PAGE) return;
      after = (rows[rows.length - 1] as StateRow).partition_key;
    }
  }

  /**
   * Persists a plan: the partitions' new statuses (with reasons when `reasonsFor` gives them), the
   * partitions started, and the cursor — atomically. A plan of at most {@link SAVE_CHUNK} partitions
   * (a reaction, a tick with nothing new) is one statement: one round trip, one commit.
   */
  async savePlan(result: PlanResult, graph: AssetGraph, ctx: PartitionContext, reasonsFor?: (assetKey: string, partitionKey: PartitionKey) => readonly Reason[]): Promise<void> {
    const chunks = planRows(result, graph, ctx, reasonsFor);
    if (chunks.length <= 1) {
      await this.db.query(SAVE_PLAN_SQL, planParams(chunks[0] ?? emptyRows(), result.cursor, true, this.location));
      return;
    }
    await this.db.transaction(async (tx) => {
      for (const [k, rows] of chunks.entries()) await tx.query(SAVE_PLAN_SQL, planParams(rows, result.cursor, k === chunks.length - 1, this.location));
    });
  }
}

/** Partitions per statement of a saved plan. */
const SAVE_CHUNK = 10_000;
/** A change of more partitions than this is saved without reasons (they are worked out one partition at a time). */
const REASONS_UP_TO = 1000;

/**
 * The rows of a plan, in three disjoint sets (no statement touches a row twice): partitions whose
 * status changed and that did not start, partitions started with a status change, and partitions
 * started without one.
 */
interface PlanRows {
  readonly changed: { asset: string[]; key: string[]; status: string[]; reasons: Array<string | null> };
  readonly started: { asset: string[]; key: string[]; reasons: Array<string | null>; token: string[]; batch: string[]; plannedSeq: number[]; changedToo: boolean[] };
}

function emptyRows(): PlanRows {
  return { changed: { asset: [], key: [], status: [], reasons: [] }, started: { asset: [], key: [], reasons: [], token: [], batch: [], plannedSeq: [], changedToo: [] } };
}

/** The plan's rows, in chunks of at most {@link SAVE_CHUNK} partitions. */
function planRows(result: PlanResult, graph: AssetGraph, ctx: PartitionContext, reasonsFor?: (assetKey: string, partitionKey: PartitionKey) => readonly Reason[]): PlanRows[] {
  const started = new Map<string, { assetKey: string; partitionKey: string; token: string; batch: string; plannedSeq: number }>();
  for (const batch of result.batches) {
    for (const p of batch.partitions) started.set(`${batch.assetKey}\u0000${p.partitionKey}`, { assetKey: batch.assetKey, partitionKey: p.partitionKey, token: p.token, batch: batch.id, plannedSeq: batch.inputsAsOf });
  }
  const chunks: PlanRows[] = [];
  let rows = emptyRows();
  let size = 0;
  const room = (): void => {
    if (size < SAVE_CHUNK) return;
    chunks.push(rows);
    rows = emptyRows();
    size = 0;
  };
  const changedReasons = new Map<string, string | null>();
  for (const change of result.changes) {
    const def = graph.node(change.assetKey).partitions;
    const count = change.ranges.reduce((n, [a, b]) => n + b - a, 0);
    const withReasons = reasonsFor !== undefined && count <= REASONS_UP_TO;
    for (const [a, b] of change.ranges) {
      for (let i = a; i < b; i++) {
        const key = def.keyAt(i, ctx);
        const reasons = withReasons ? JSON.stringify(reasonsFor(change.assetKey, key)) : null;
        const id = `${change.assetKey}\u0000${key}`;
        if (started.has(id)) {
          changedReasons.set(id, reasons);
          continue;
        }
        room();
        rows.changed.asset.push(change.assetKey);
        rows.changed.key.push(key);
        rows.changed.status.push(change.status);
        rows.changed.reasons.push(reasons);
        size++;
      }
    }
  }
  for (const [id, p] of started) {
    room();
    rows.started.asset.push(p.assetKey);
    rows.started.key.push(p.partitionKey);
    rows.started.reasons.push(changedReasons.get(id) ?? null);
    rows.started.token.push(p.token);
    rows.started.batch.push(p.batch);
    rows.started.plannedSeq.push(p.plannedSeq);
    rows.started.changedToo.push(changedReasons.has(id));
    size++;
  }
  if (size > 0 || chunks.length === 0) chunks.push(rows);
  return chunks;
}

function planParams(rows: PlanRows, cursor: number, saveCursor: boolean, location: string): unknown[] {
  const { changed, started } = rows;
  return [location, cursor, saveCursor, changed.asset, changed.key, changed.status, changed.reasons, started.asset, started.key, started.reasons, started.token, started.batch, started.plannedSeq, started.changedToo];
}

/**
 * One chunk of a plan (at cursor $2) and, when $3, the cursor, in one statement.
 * - A changed partition takes its new status and reasons, unless a recording after the plan's
 *   cursor wrote the row (it is newer than the plan: left alone).
 * - A started partition is marked running with the token, batch and plan that want it (a success
 *   planned before it no longer becomes current): saved before its batch starts (see PlannerHost).
 *   When its status changed too, its reasons follow the rule above.
 */
const SAVE_PLAN_SQL = `
  WITH changed AS (
    INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, reasons, updated_event_id)
    SELECT $1, given.asset_key, given.partition_key, given.status, given.reasons::jsonb, $2::bigint
    FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS given(asset_key, partition_key, status, reasons)
    ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = excluded.status, reasons = excluded.reasons, updated_event_id = excluded.updated_event_id, changed_xid = pg_current_xact_id()
    WHERE ps.updated_event_id <= excluded.updated_event_id
    RETURNING 1
  ), given_started AS (
    SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::boolean[]) AS given(asset_key, partition_key, reasons, token, batch, planned_seq, changed_too)
  ), started_changed AS (
    INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, reasons, running_token, running_since, running_batch, planned_seq, updated_event_id)
    SELECT $1, given_started.asset_key, given_started.partition_key, 'running', given_started.reasons::jsonb, given_started.token, now(), given_started.batch, given_started.planned_seq, $2::bigint
    FROM given_started WHERE given_started.changed_too
    ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'running', running_token = excluded.running_token, running_since = excluded.running_since,
      running_batch = excluded.running_batch, planned_seq = greatest(ps.planned_seq, excluded.planned_seq),
      reasons = CASE WHEN ps.updated_event_id <= excluded.updated_event_id THEN excluded.reasons ELSE ps.reasons END,
      updated_event_id = greatest(ps.updated_event_id, excluded.updated_event_id), changed_xid = pg_current_xact_id()
    RETURNING 1
  ), started_only AS (
    INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, running_token, running_since, running_batch, planned_seq, updated_event_id)
    SELECT $1, given_started.asset_key, given_started.partition_key, 'running', given_started.token, now(), given_started.batch, given_started.planned_seq, given_started.planned_seq
    FROM given_started WHERE NOT given_started.changed_too
    ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'running', running_token = excluded.running_token, running_since = excluded.running_since,
      running_batch = excluded.running_batch, planned_seq = greatest(ps.planned_seq, excluded.planned_seq), changed_xid = pg_current_xact_id()
    RETURNING 1
  ), cursor_saved AS (
    INSERT INTO weft_planner_cursors (location, cursor, updated_at) SELECT $1, $2::bigint, now() WHERE $3::boolean
    ON CONFLICT (location) DO UPDATE SET cursor = greatest(weft_planner_cursors.cursor, excluded.cursor), updated_at = now()
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM started_changed) + (SELECT count(*) FROM started_only) AS partitions, (SELECT count(*) FROM cursor_saved) AS cursors`;
