/** `weft server` and `weft token` on real PostgreSQL (DATABASE_URL) and the Temporal dev server. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { useServices, useTestDatabase } from '@weft/services/harness';
import { describe, expect, it } from 'vitest';
import { freePort, start, WEFT as weft, type Running } from './helpers.js';

const exec = promisify(execFile);
const database = useTestDatabase();

/** Starts `weft server` and resolves once it prints its GraphQL address. */
async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Running & { url: string }> {
  const server = start(['server', ...args], env);
  const [, url] = await server.waitFor(/GraphQL: (http:\/\/\S+)\/graphql/, 60_000);
  return { ...server, url: url as string };
}

const query = async (url: string, q: string, token?: string): Promise<Record<string, unknown>> =>
  (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query: q }) })).json() as Promise<Record<string, unknown>>;

describe('weft server', () => {
  it('requires an API token; weft token creates, lists and revokes them', async () => {
    const { temporal } = useServices();
    const env = { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace };
    const port = await freePort();
    const server = await serve(['--host', '127.0.0.1', '--port', String(port)], env);
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}`);
      expect(server.output()).toContain('API tokens required');
      const anonymous = await query(server.url, '{ viewer { authenticated } locations { name } }');
      expect(anonymous).toMatchObject({ data: null, errors: [expect.objectContaining({ message: expect.stringMatching(/not authorized|Unauthorized/i) })] });
      const created = await exec(process.execPath, [weft, 'token', 'create', '--name', 'ops', '--role', '*=admin'], { env });
      const secret = created.stdout.trim().split('\n').at(-1)!;
      expect(secret).toMatch(/^weft_/);
      expect(await query(server.url, '{ viewer { actor authenticated roles } }', secret)).toEqual({ data: { viewer: { actor: 'token:ops', authenticated: true, roles: { '*': 'admin' } } } });
      const listed = await exec(process.execPath, [weft, 'token', 'list'], { env });
      expect(listed.stdout).toMatch(/^ID\s+NAME\s+ROLES\s+STATE\s+LAST USED$/m);
      expect(listed.stdout).toMatch(/^\S+\s+ops\s+\*=admin\s+live\b/m);
      expect(listed.stdout).not.toContain(secret);
      const id = listed.stdout.trim().split('\n')[1]!.split(/\s+/)[0]!;
      await exec(process.execPath, [weft, 'token', 'revoke', '--id', id], { env });
      expect(await query(server.url, '{ viewer { authenticated } }', secret)).toEqual({ data: { viewer: { authenticated: false } } });
      const bad = (await exec(process.execPath, [weft, 'token', 'create', '--name', 'x', '--role', 'ingest=owner'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('must be one of viewer, operator, admin');
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
  }, 120_000);

  it('serves without tokens only when told --insecure-no-auth, and says so', async () => {
    const env = { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: '' };
    const server = await serve(['--host', '127.0.0.1', '--port', String(await freePort()), '--insecure-no-auth'], env);
    try {
      expect(server.output()).toContain('AUTH IS OFF');
      expect(server.output()).toContain('serving without Temporal');
      expect(await query(server.url, '{ viewer { authenticated roles } }')).toEqual({ data: { viewer: { authenticated: false, roles: { '*': 'admin' } } } });
    } finally {
      await server.stop('SIGINT');
    }
  }, 120_000);

  it('needs DATABASE_URL', async () => {
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const error = (await exec(process.execPath, [weft, 'server'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('set DATABASE_URL');
  });
});
