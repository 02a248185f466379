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
             SELECT $6, $1, k, $3, r::jsonb, $5 FROM unnest($2::text[], $4::text[]) AS given(k, r)
             ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = excluded.status, reasons = excluded.reasons, updated_event_id = excluded.updated_event_id, changed_xid = pg_current_xact_id()
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
           SELECT $6, $1, k, 'running', t, now(), $4, $5, $5 FROM unnest($2::text[], $3::text[]) AS given(k, t)
           ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'running', running_token = excluded.running_token, running_since = excluded.running_since,
             running_batch = excluded.running_batch, planned_seq = greatest(ps.planned_seq, excluded.planned_seq), changed_xid = pg_current_xact_id()`,
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
}
