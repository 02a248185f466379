import { createHash } from 'node:crypto';
import { lockEvents, StorePart } from './context.js';
import type { SqlClient } from './sql-client.js';
import type { NewEvent } from './types.js';

/** Deployments: definition snapshots with code versions, and which one of a location was announced last. */
export class Deployments extends StorePart {
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
      const [event] = await this.events.appendEvents([{ kind: 'definitions.deployed', deploymentId: id, codeVersions } as NewEvent], tx);
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
}
