import { checkRoles } from '@weft/graphql';
import { ProvenanceStore } from '@weft/store';
import { withDatabase, type Output } from '../database.js';
import { OptionError } from '../options.js';

/** Parses `--role group=role` options (`*=admin` for every group). */
export function parseRoles(values: readonly string[]): Record<string, string> {
  if (values.length === 0) throw new OptionError('give at least one --role <group>=<role> (role: viewer, operator or admin; group * for every group)');
  const roles: Record<string, string> = {};
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0) throw new OptionError(`--role ${JSON.stringify(v)}: write it as <group>=<role>, e.g. ingest=operator or '*=admin'`);
    roles[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const { problem } = checkRoles(roles);
  if (problem) throw new OptionError(`--role: ${problem}`);
  return roles;
}

/** `weft token create|list|revoke` on the database at DATABASE_URL. */
export async function runToken(action: string | undefined, options: { name?: string; roles: readonly string[]; id?: string }, out: Output): Promise<number> {
  if (action === 'create') {
    if (!options.name) throw new OptionError('weft token create needs --name <name>');
    const roles = parseRoles(options.roles);
    return withDatabase('token', out, async (db) => {
      const { id, secret } = await new ProvenanceStore(db).createApiToken(options.name!, roles);
      await new ProvenanceStore(db).audit('cli', 'create_token', id, { name: options.name, roles });
      out.log(`token ${id} (${options.name}): ${Object.entries(roles).map(([g, r]) => `${r} on ${g}`).join(', ')}`);
      out.log(`secret (shown once; send as "Authorization: Bearer <secret>"):\n${secret}`);
      return 0;
    });
  }
  if (action === 'list') {
    return withDatabase('token', out, async (db) => {
      const tokens = await new ProvenanceStore(db).explorer.apiTokens();
      if (tokens.length === 0) out.log('no API tokens');
      for (const t of tokens) out.log(`${t.id}  ${t.name.padEnd(20)} ${JSON.stringify(t.roles)}${t.revokedAt ? `  revoked ${new Date(t.revokedAt).toISOString()}` : ''}${t.lastUsedAt ? `  last used ${new Date(t.lastUsedAt).toISOString()}` : ''}`);
      return 0;
    });
  }
  if (action === 'revoke') {
    if (!options.id) throw new OptionError('weft token revoke needs --id <token id>');
    return withDatabase('token', out, async (db) => {
      const store = new ProvenanceStore(db);
      const revoked = await store.revokeApiToken(options.id!, Date.now());
      await store.audit('cli', 'revoke_token', options.id!, { revoked });
      out.log(revoked ? `token ${options.id} revoked` : `no live token ${options.id}`);
      return revoked ? 0 : 1;
    });
  }
  throw new OptionError(`weft token: say create, list or revoke (got ${JSON.stringify(action ?? '')})`);
}
