import { createHash, randomBytes } from 'node:crypto';
import { StorePart, ts } from './context.js';

/** API tokens (only a sha256 of the secret is stored) and the audit log. */
export class Auth extends StorePart {
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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
