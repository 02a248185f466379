import type { WeftEvent } from '@weft/core';
import { lockEvents, partitionId, ts, type StoreContext } from './context.js';
import type { SqlClient } from './sql-client.js';
import type { FailureInput, NewEvent } from './types.js';
import { checkInteger, checkStoredText, jsonSafe, MAX_INT4, MAX_TIMESTAMP_MS, messageBytes, stackBytes } from './validate.js';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Refuses failures the store cannot keep exactly, naming the asset, partition and field. */
export function checkFailures(failures: readonly FailureInput[]): void {
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

/**
 * Writes failed attempts inside `tx`: attempt rows, failure groups by fingerprint (one statement per
 * batch), events, and the partition state (a failure of another token than the one running is
 * history only).
 */
export async function writeFailures(ctx: StoreContext, tx: SqlClient, failures: readonly FailureInput[]): Promise<WeftEvent[]> {
  if (failures.length === 0) return [];
  // The event lock first, as every writer of events takes it: never wait for it while holding rows.
  await lockEvents(tx);
  await tx.query(
    `INSERT INTO weft_attempts (token, asset_key, partition_key, attempt, status, started_at, finished_at, worker, workflow_id, run_id, failure_class, fingerprint, error_message, error_stack)
     SELECT t, a, p, n, 'failed', s, f, w, wf, r, c, fp, m, st FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bytea[], $13::bytea[]) AS given(t, a, p, n, s, f, w, wf, r, c, fp, m, st)`,
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
      failures.map((f) => stackBytes(f.stack)),
    ],
  );
  // One row per (asset, fingerprint) group, in one order for every writer (no deadlock between
  // concurrent batches): its count, earliest and latest time, the last class, the first message and
  // the latest stack trace.
  const groups = new Map<string, { assetKey: string; fingerprint: string; failureClass: string; first: number; last: number; count: number; sample: string; stack: string | null }>();
  for (const f of [...failures].sort((x, y) => (x.assetKey === y.assetKey ? cmp(x.fingerprint, y.fingerprint) : cmp(x.assetKey, y.assetKey)))) {
    const key = `${f.assetKey}\u0000${f.fingerprint}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { assetKey: f.assetKey, fingerprint: f.fingerprint, failureClass: f.failureClass, first: f.finishedAt, last: f.finishedAt, count: 1, sample: f.message, stack: f.stack ?? null });
    else Object.assign(g, { failureClass: f.failureClass, first: Math.min(g.first, f.finishedAt), last: Math.max(g.last, f.finishedAt), count: g.count + 1, stack: f.finishedAt >= g.last && f.stack ? f.stack : g.stack });
  }
  const rows = [...groups.values()];
  await tx.query(
    `INSERT INTO weft_failure_groups AS grp (fingerprint, asset_key, failure_class, first_seen, last_seen, occurrences, sample_message, last_stack, location)
     SELECT *, $9 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::bytea[], $8::bytea[])
     ON CONFLICT (location, asset_key, fingerprint) DO UPDATE SET occurrences = grp.occurrences + excluded.occurrences,
       first_seen = least(grp.first_seen, excluded.first_seen), last_seen = greatest(grp.last_seen, excluded.last_seen), failure_class = excluded.failure_class,
       last_stack = CASE WHEN excluded.last_stack IS NOT NULL AND excluded.last_seen >= grp.last_seen THEN excluded.last_stack ELSE grp.last_stack END`,
    [
      rows.map((g) => g.fingerprint),
      rows.map((g) => g.assetKey),
      rows.map((g) => g.failureClass),
      rows.map((g) => ts(g.first)),
      rows.map((g) => ts(g.last)),
      rows.map((g) => g.count),
      rows.map((g) => messageBytes(g.sample)),
      rows.map((g) => stackBytes(g.stack)),
      ctx.location,
    ],
  );
  const events = await ctx.events.appendEvents(
    failures.map((f) => ({ kind: 'materialization.failed', assetKey: f.assetKey, partitionKey: f.partitionKey, token: f.token, failureClass: f.failureClass, fingerprint: f.fingerprint, message: jsonSafe(f.message), retryAt: f.retryAt, at: f.finishedAt }) as NewEvent),
    tx,
  );
  // One state row per partition: the last failure of a partition that failed more than once here.
  const last = [...new Map(failures.map((f, i) => [partitionId(f.assetKey, f.partitionKey), i])).values()];
  await tx.query(
    `INSERT INTO weft_partition_state AS ps (location, asset_key, partition_key, status, failure, failure_fingerprint, updated_event_id)
     SELECT $6, a, p, 'failed', f::jsonb, fp, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS given(a, p, f, fp, e)
     ORDER BY a, p
     ON CONFLICT (location, asset_key, partition_key) DO UPDATE SET status = 'failed', failure = excluded.failure, failure_fingerprint = excluded.failure_fingerprint,
       running_token = NULL, running_since = NULL, running_batch = NULL, updated_event_id = excluded.updated_event_id, changed_xid = pg_current_xact_id()
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
      ctx.location,
    ],
  );
  return events;
}
