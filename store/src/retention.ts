import { WeftError, type RetentionPolicy } from '@weft/core';
import { StorePart, ts } from './context.js';
import { CURSORS_SQL, READ_BY_ALL_SQL } from './cursors.js';
import { sweepMaterializations } from './retention-sweep.js';
import type { PlannerCursor, PruneOptions, PruneResult } from './types.js';
import { checkStoredText } from './validate.js';

/** Retention: pruning old events and superseded detail, and the planner cursors that hold it back. */
export class Retention extends StorePart {
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
      let logs = 0;
      let materializations = 0;
      let checks = 0;
      if (policy.eventsOlderThanMs !== undefined) {
        const r = await tx.query<{ n: string }>(
          `WITH gone AS (DELETE FROM weft_events WHERE at < $1 AND id <= ${READ_BY_ALL_SQL} RETURNING 1) SELECT count(*) AS n FROM gone`,
          [new Date(now - policy.eventsOlderThanMs)],
        );
        events = Number(r[0]?.n ?? 0);
      }
      if (policy.detailOlderThanMs !== undefined) {
        const cutoff = new Date(now - policy.detailOlderThanMs);
        const a = await tx.query<{ n: string }>(
          `WITH gone AS (DELETE FROM weft_attempts att WHERE att.finished_at < $1 AND NOT EXISTS (
             SELECT 1 FROM weft_partition_state ps WHERE ps.asset_key = att.asset_key AND ps.partition_key = att.partition_key AND (ps.token = att.token OR ps.failure->>'token' = att.token)) RETURNING 1)
           SELECT count(*) AS n FROM gone`,
          [cutoff],
        );
        attempts = Number(a[0]?.n ?? 0);
        // Log lines go with their attempt's detail: kept while their token is a partition's current one.
        const l = await tx.query<{ n: string }>(
          `WITH gone AS (DELETE FROM weft_logs lg WHERE lg.at < $1 AND NOT EXISTS (
             SELECT 1 FROM weft_partition_state ps WHERE ps.location = lg.location AND ps.asset_key = lg.asset_key AND ps.partition_key = lg.partition_key AND (ps.token = lg.token OR ps.failure->>'token' = lg.token)) RETURNING 1)
           SELECT count(*) AS n FROM gone`,
          [cutoff],
        );
        logs = Number(l[0]?.n ?? 0);
        materializations = await sweepMaterializations(tx, cutoff, options.orderedAssets ?? []);
      }
      if (policy.checksOlderThanMs !== undefined) {
        const c = await tx.query<{ n: string }>(
          `WITH gone AS (DELETE FROM weft_check_results chk WHERE chk.at < $1 AND NOT EXISTS (
             SELECT 1 FROM weft_partition_state ps WHERE ps.asset_key = chk.asset_key AND ps.partition_key = chk.partition_key AND ps.data_version = chk.data_version) RETURNING 1)
           SELECT count(*) AS n FROM gone`,
          [new Date(now - policy.checksOlderThanMs)],
        );
        checks = Number(c[0]?.n ?? 0);
      }
      if (options.dryRun) {
        // Counted inside the transaction, then rolled back: nothing is removed.
        dryRunResult = { events, attempts, logs, materializations, checks };
        throw new DryRunRollback();
      }
      return { events, attempts, logs, materializations, checks };
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
