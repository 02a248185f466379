import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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

  /**
   * The token a secret belongs to, if it is valid now. The secret is looked up by its sha256 (an
   * index probe that reveals nothing of the secret), then the stored hash is compared in constant time.
   */
  async verifyApiToken(secret: string, now: number): Promise<{ id: string; name: string; roles: Record<string, string> } | undefined> {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) return undefined;
    const hash = sha256(secret);
    const rows = await this.db.query<{ id: string; name: string; roles: Record<string, string>; token_hash: string }>(
      `UPDATE weft_api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) RETURNING id, name, roles, token_hash`,
      [hash, new Date(now)],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return { id: row.id, name: row.name, roles: row.roles };
  }

  /** Revokes a token (it stops verifying at once); returns whether there was a live token with that id. */
  async revokeApiToken(id: string, now: number): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>('UPDATE weft_api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, new Date(now)]);
    return rows.length > 0;
  }

  async audit(actor: string, action: string, target: string | null, details: unknown = null): Promise<void> {
    await this.db.query('INSERT INTO weft_audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4::jsonb)', [actor, action, target, details === null ? null : JSON.stringify(details)]);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
