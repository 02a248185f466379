/**
 * `weft token create|list|revoke`: API tokens, through the API (`--url`/`WEFT_URL`, or a running
 * `weft dev`) or straight on the database at DATABASE_URL (how the first admin token is made).
 */
import { AgeError, parseAge } from '@weft/core';
import { checkRoles } from '@weft/graphql';
import { ProvenanceStore } from '@weft/store';
import { withDatabase, type Output } from '../database.js';
import { EXIT } from '../exit-codes.js';
import { table, when } from '../format/text.js';
import { OptionError } from '../options.js';
import { ApiError, ERROR_FIELDS, unwrap, type UnionResult } from '../remote/api-error.js';
import { connect, readDevInfo, stateDirOf, type RemoteOptions } from '../remote/target.js';

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

/** Options of `weft token`. */
export interface TokenOptions extends RemoteOptions {
  readonly name?: string | undefined;
  readonly roles: readonly string[];
  readonly id?: string | undefined;
  /** `create`: the token expires after this age (`90d`). */
  readonly expiresIn?: string | undefined;
  readonly json: boolean;
}

/** A token as printed (`--json` keeps these names; times are ISO-8601). */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly roles: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** What the three actions need, on the API or on the database. */
interface TokenBackend {
  create(name: string, roles: Record<string, string>, expiresAt: number | null): Promise<{ token: TokenInfo; secret: string }>;
  list(): Promise<TokenInfo[]>;
  /** The revoked token, or undefined when no live token has the id. */
  revoke(id: string): Promise<TokenInfo | undefined>;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const TOKEN_FIELDS = 'id name roles createdAt expiresAt lastUsedAt revokedAt';

function apiBackend(options: TokenOptions): TokenBackend {
  const client = connect(options);
  return {
    async create(name, roles, expiresAt) {
      const data = await client.request<{ createApiToken: UnionResult }>(
        `mutation Create($name: String!, $roles: JSON!, $expiresAt: DateTime) { createApiToken(name: $name, roles: $roles, expiresAt: $expiresAt) { ${ERROR_FIELDS} ... on ApiTokenCreated { secret token { ${TOKEN_FIELDS} } } } }`,
        { name, roles, expiresAt: iso(expiresAt) },
      );
      return unwrap<UnionResult & { token: TokenInfo; secret: string }>(data.createApiToken, 'ApiTokenCreated');
    },
    async list() {
      return (await client.request<{ apiTokens: TokenInfo[] }>(`{ apiTokens { ${TOKEN_FIELDS} } }`)).apiTokens;
    },
    async revoke(id) {
      // The API answers a revoked token again as it is: only a live one counts as revoked now.
      const before = (await client.request<{ apiTokens: TokenInfo[] }>(`{ apiTokens { ${TOKEN_FIELDS} } }`)).apiTokens.find((t) => t.id === id);
      if (before?.revokedAt) return undefined;
      const data = await client.request<{ revokeApiToken: UnionResult }>(`mutation Revoke($id: ID!) { revokeApiToken(id: $id) { ${ERROR_FIELDS} ... on ApiToken { ${TOKEN_FIELDS} } } }`, { id });
      if (data.revokeApiToken.__typename === 'NotFound') return undefined;
      return unwrap<UnionResult & TokenInfo>(data.revokeApiToken, 'ApiToken');
    },
  };
}

function databaseBackend(store: ProvenanceStore): TokenBackend {
  const info = (t: Awaited<ReturnType<ProvenanceStore['explorer']['apiTokens']>>[number]): TokenInfo => ({
    id: t.id,
    name: t.name,
    roles: t.roles,
    createdAt: iso(t.createdAt)!,
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  });
  return {
    async create(name, roles, expiresAt) {
      const { id, secret } = await store.createApiToken(name, roles, expiresAt);
      await store.audit('cli', 'create_token', id, { name, roles });
      const token = (await store.explorer.apiTokens()).find((t) => t.id === id)!;
      return { token: info(token), secret };
    },
    async list() {
      return (await store.explorer.apiTokens()).map(info);
    },
    async revoke(id) {
      const revoked = await store.revokeApiToken(id, Date.now());
      await store.audit('cli', 'revoke_token', id, { revoked });
      const token = (await store.explorer.apiTokens()).find((t) => t.id === id);
      return revoked && token ? info(token) : undefined;
    },
  };
}

async function act(action: string, backend: TokenBackend, options: TokenOptions, out: Output): Promise<number> {
  if (action === 'create') {
    const roles = parseRoles(options.roles);
    let expiresAt: number | null = null;
    try {
      if (options.expiresIn !== undefined) expiresAt = Date.now() + parseAge(options.expiresIn, '--expires-in');
    } catch (error) {
      throw error instanceof AgeError ? new OptionError(error.message) : error;
    }
    const { token, secret } = await backend.create(options.name!, roles, expiresAt);
    if (options.json) out.log(JSON.stringify({ ...token, secret }));
    else {
      out.log(`token ${token.id} (${token.name}): ${Object.entries(token.roles).map(([g, r]) => `${r} on ${g}`).join(', ')}${token.expiresAt ? `, expires ${token.expiresAt}` : ''}`);
      out.log(`secret (shown once; send as "Authorization: Bearer <secret>", or WEFT_TOKEN for the CLI):\n${secret}`);
    }
    return EXIT.ok;
  }
  if (action === 'list') {
    const tokens = await backend.list();
    if (options.json) out.log(JSON.stringify({ tokens }));
    else if (tokens.length === 0) out.log('no API tokens');
    else {
      const rows = tokens.map((t) => [t.id, t.name, Object.entries(t.roles).map(([g, r]) => `${g}=${r}`).join(','), t.revokedAt ? `revoked ${when(t.revokedAt)}` : t.expiresAt && Date.parse(t.expiresAt) < Date.now() ? `expired ${when(t.expiresAt)}` : 'live', when(t.lastUsedAt)]);
      out.log(table([['ID', 'NAME', 'ROLES', 'STATE', 'LAST USED'], ...rows]));
    }
    return EXIT.ok;
  }
  const revoked = await backend.revoke(options.id!);
  if (options.json) out.log(JSON.stringify({ id: options.id, revoked: revoked !== undefined, token: revoked ?? null }));
  else if (revoked) out.log(`token ${options.id} (${revoked.name}) revoked`);
  else out.error(`weft token revoke: no live token ${options.id} (\`weft token list\` shows them)`);
  return revoked ? EXIT.ok : EXIT.failed;
}

/**
 * `weft token <action>`: through the API when `--url`/`WEFT_URL` names a server; else on the
 * database at DATABASE_URL; else through the running `weft dev` of `--dir`.
 */
export async function runToken(action: string, options: TokenOptions, out: Output): Promise<number> {
  if (!['create', 'list', 'revoke'].includes(action)) throw new OptionError(`weft token: say create, list or revoke (got ${JSON.stringify(action)})`);
  if (action === 'create' && !options.name) throw new OptionError('weft token create needs --name <name>');
  if (action === 'create') parseRoles(options.roles);
  if (action === 'revoke' && !options.id) throw new OptionError('weft token revoke needs --id <token id>');
  if (options.url) return act(action, apiBackend(options), options, out);
  if (process.env['DATABASE_URL']) return withDatabase('token', out, (db) => act(action, databaseBackend(new ProvenanceStore(db)), options, out));
  if (readDevInfo(stateDirOf(options))) return act(action, apiBackend(options), options, out);
  throw new ApiError('no server and no database named', 'pass --url <server> (or WEFT_URL) with an admin token, set DATABASE_URL to the PostgreSQL database, or run it beside a running `weft dev` (--dir)', 'NoServer');
}
