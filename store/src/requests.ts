import type { PlannerRequest, WeftEvent } from '@weft/core';
import { StorePart } from './context.js';
import type { NewEvent } from './types.js';
import { checkStoredText } from './validate.js';

/** User requests (materialize, backfill, retry) and their progress. */
export class Requests extends StorePart {
  /** Submits a user request (materialize, backfill, retry). */
  async submitRequest(request: PlannerRequest, requestedBy: string | null = null): Promise<WeftEvent[]> {
    return this.submitRequests([request], requestedBy);
  }

  /** Submits several requests at once: all of them, or (on any bad field) none. */
  async submitRequests(requests: readonly PlannerRequest[], requestedBy: string | null = null): Promise<WeftEvent[]> {
    if (requests.length === 0) return [];
    for (const request of requests) {
      checkStoredText(request.id, 'request id');
      checkStoredText(request.assetKey, 'asset key');
      for (const k of request.partitionKeys ?? []) checkStoredText(k, 'request partition key', { assetKey: request.assetKey });
    }
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO weft_requests (id, action, asset_key, partition_keys, priority, requested_by, location)
         SELECT given.id, given.action, given.asset, given.keys::jsonb, given.priority, $6, $7
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS given(id, action, asset, keys, priority, n) ORDER BY given.n`,
        [
          requests.map((r) => r.id),
          requests.map((r) => r.action),
          requests.map((r) => r.assetKey),
          requests.map((r) => (r.partitionKeys === null ? null : JSON.stringify(r.partitionKeys))),
          requests.map((r) => r.priority),
          requestedBy,
          this.location,
        ],
      );
      return this.events.appendEvents(requests.map((request) => ({ kind: 'request.submitted', request }) as NewEvent), tx);
    });
  }

  /** Records requests' progress (partitions by status); a request whose partitions are all settled is done. */
  async saveRequestProgress(progress: ReadonlyArray<{ id: string; total: number; byStatus: Readonly<Record<string, number>> }>): Promise<void> {
    if (progress.length === 0) return;
    await this.db.query(
      `UPDATE weft_requests req SET total = given.total, progress = given.progress::jsonb,
         status = CASE WHEN given.done THEN 'done' ELSE req.status END, finished_at = CASE WHEN given.done AND req.finished_at IS NULL THEN now() ELSE req.finished_at END
       FROM unnest($1::text[], $2::int[], $3::text[], $4::boolean[]) AS given(id, total, progress, done) WHERE req.id = given.id AND req.location = $5`,
      [
        progress.map((p) => p.id),
        progress.map((p) => p.total),
        progress.map((p) => JSON.stringify(p.byStatus)),
        progress.map((p) => (p.byStatus['running'] ?? 0) + (p.byStatus['stale'] ?? 0) + (p.byStatus['missing'] ?? 0) === 0),
        this.location,
      ],
    );
  }

  /**
   * Cancels an open request: it is marked cancelled and a `request.cancelled` event tells the
   * planner to drop its priority (running partitions finish; nothing more is started for it).
   * Returns the request's status after the call, or undefined when there is no such request here.
   */
  async cancelRequest(id: string): Promise<{ status: string; cancelled: boolean } | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ status: string }>("UPDATE weft_requests SET status = 'cancelled', finished_at = now() WHERE id = $1 AND location = $2 AND status = 'open' RETURNING status", [id, this.location]);
      if (rows.length === 0) {
        const existing = await tx.query<{ status: string }>('SELECT status FROM weft_requests WHERE id = $1 AND location = $2', [id, this.location]);
        return existing[0] && { status: existing[0].status, cancelled: false };
      }
      await this.events.appendEvents([{ kind: 'request.cancelled', requestId: id } as NewEvent], tx);
      return { status: 'cancelled', cancelled: true };
    });
  }

  /** A request and its recorded progress. */
  async request(id: string): Promise<{ id: string; status: string; total: number | null; progress: Record<string, number> | null } | undefined> {
    const rows = await this.db.query<{ id: string; status: string; total: number | null; progress: Record<string, number> | null }>('SELECT id, status, total, progress FROM weft_requests WHERE id = $1 AND location = $2', [id, this.location]);
    return rows[0];
  }
}
