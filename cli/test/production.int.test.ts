/**
 * Production: `weft worker` and `weft server` as real processes on the harness's PostgreSQL and
 * Temporal, the API commands against the server with tokens (`--url`, WEFT_URL, WEFT_TOKEN), the
 * health endpoints, and graceful stops on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServices, useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FIXTURE, freePort, orderFiles, start, weft, weftJson, type Running } from './helpers.js';

const database = useTestDatabase();
const root = mkdtempSync(join(tmpdir(), 'weft-cli-production-'));
const data = join(root, 'data');
const location = `cli-prod-${randomBytes(3).toString('hex')}`;
let env: NodeJS.ProcessEnv;
let worker: Running;
let server: Running;
let workerHealth: string;
let url: string;

const health = async (base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const { temporal } = useServices();
  orderFiles(data, []);
  const { WEFT_URL: _u, WEFT_TOKEN: _t, ...rest } = process.env;
  env = { ...rest, DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, WEFT_FIXTURE_DATA: data, WEFT_FIXTURE_LOCATION: location };
  worker = start(['worker', '--dir', FIXTURE, '--objects', join(root, 'objects'), '--health-host', '127.0.0.1', '--health-port', '0'], env);
  server = start(['server', '--host', '127.0.0.1', '--port', String(await freePort())], env);
  workerHealth = (await worker.waitFor(/health (http:\/\/127\.0\.0\.1:\d+)\/healthz/))[1]!;
  url = (await server.waitFor(/GraphQL: (http:\/\/\S+)\/graphql/))[1]!;
  await worker.waitFor(/polling task queue weft-\S+ \(deployment \S+\); ready/);
}, 240_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await server?.stop('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('weft worker and weft server in production', () => {
  it('answer /healthz and /readyz once connected to PostgreSQL and Temporal', async () => {
    expect(await health(workerHealth, '/healthz')).toEqual({ status: 200, body: { status: 'alive' } });
    const ready = await eventually('the worker ready', async () => {
      const r = await health(workerHealth, '/readyz');
      return r.status === 200 && r;
    });
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok', worker: 'ok' } });
    expect(await health(url, '/healthz')).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await health(url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } } });
    expect(server.output()).toContain(`weft server: health ${url}/healthz (live), ${url}/readyz (ready)`);
  });

  it('the API commands work against the server with tokens; a viewer is refused a materialization in words', async () => {
    // The first admin token straight on the database, then the rest through the API.
    const admin = await weftJson<{ secret: string }>(['token', 'create', '--name', 'admin', '--role', '*=admin'], env);
    expect(admin.code).toBe(0);
    const { DATABASE_URL: _d, ...remote } = env;
    const asAdmin = { ...remote, WEFT_URL: url, WEFT_TOKEN: admin.json.secret };
    const viewer = await weftJson<{ secret: string; name: string; roles: unknown }>(['token', 'create', '--name', 'reader', '--role', '*=viewer'], asAdmin);
    expect(viewer.json).toMatchObject({ name: 'reader', roles: { '*': 'viewer' } });
    const listed = await weftJson<{ tokens: Array<{ name: string }> }>(['token', 'list'], asAdmin);
    expect(listed.json.tokens.map((t) => t.name).sort()).toEqual(['admin', 'reader']);

    await eventually('the worker made everything fresh', async () => {
      const { json } = await weftJson<{ assets: Array<{ key: string; counts: { fresh: number } }> }>(['status'], asAdmin);
      return json.assets.find((a) => a.key === 'monthly_revenue')?.counts.fresh === 1 && json.assets.find((a) => a.key === 'daily_revenue')?.counts.fresh === 10;
    });
    const ran = await weft(['materialize', 'daily_revenue', '--partitions', '2024-01-01..2024-01-02', '--url', url, '--token', admin.json.secret], remote);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/daily_revenue: 2 of 2 partitions fresh, 0 failed or blocked/);

    const refused = await weft(['materialize', 'daily_revenue', '--partitions', '2024-01-01'], { ...asAdmin, WEFT_TOKEN: viewer.json.secret });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^weft materialize: \S/);
    expect(refused.stderr).toContain("your token lacks the role this needs on the asset's group");
    const anonymous = await weft(['failures'], { ...asAdmin, WEFT_TOKEN: '' });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('send an API token: --token <secret> or WEFT_TOKEN');
  }, 200_000);

  it('SIGTERM stops an idle worker and the server gracefully, exit code 0', async () => {
    const started = Date.now();
    const code = await worker.stop('SIGTERM');
    // A bound, not a speed target: an idle worker has nothing to wait for (its grace time is 30 s).
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(code, worker.output()).toBe(0);
    expect(worker.output()).toContain('weft worker: SIGTERM: stopping: no new work is taken');
    expect(worker.output().trim().split('\n').at(-1)).toBe('weft worker: stopped');
    await expect(fetch(`${workerHealth}/healthz`)).rejects.toThrow();

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output()).toContain('weft server: SIGTERM: stopping: no new connections');
    expect(server.output().trim().split('\n').at(-1)).toBe('weft server: stopped');
  }, 120_000);

  it('refuses to start without DATABASE_URL or a Temporal cluster, saying what to set', async () => {
    const { DATABASE_URL: _d, ...noDb } = env;
    const a = await weft(['worker', '--dir', FIXTURE], noDb);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('weft worker: set DATABASE_URL');
    const { TEMPORAL_ADDRESS: _t, ...noTemporal } = env;
    const b = await weft(['worker', '--dir', FIXTURE, '--health-port', '0'], noTemporal);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('weft worker: no Temporal cluster: set TEMPORAL_ADDRESS');
    const c = await weft(['worker', '--dir', FIXTURE, '--health-port', '0'], env);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('names no object storage: configure one');
  });
});
