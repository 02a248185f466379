import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { useServices } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const weft = new URL('../bin/weft.js', import.meta.url).pathname;
const example = new URL('../../examples/readings', import.meta.url).pathname;
const state = mkdtempSync(join(tmpdir(), 'weft-dev-test-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

/**
 * Reads what `weft dev` writes to stderr (kept for failure messages): a pipe nobody reads fills at
 * 64 KiB, and a process writing to a full pipe stops until it is read (its server with it).
 */
function drain(dev: ChildProcess): () => string {
  let text = '';
  dev.stderr?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000)));
  return () => text;
}

/** SIGINT, then its exit (at once when it has already exited). */
async function interrupt(dev: ChildProcess): Promise<void> {
  if (dev.exitCode !== null || dev.signalCode !== null) return;
  const exited = new Promise((r) => dev.once('exit', r));
  dev.kill('SIGINT');
  await exited;
}

describe('weft dev (the README main command) on the example project', () => {
  it('makes every asset of the example fresh on the embedded default, and keeps its state', async () => {
    const { stdout } = await exec(process.execPath, [weft, 'dev', '--dir', example, '--state', state, '--once'], { timeout: 150_000 });
    expect(stdout).toMatch(/Temporal dev server 127\.0\.0\.1:\d+/);
    expect(stdout).toContain('retention every 1h: events older than 30d, detail older than 90d, checks older than 30d');
    expect(stdout).toContain('readings         72 fresh');
    expect(stdout).toContain('daily_total      3 fresh');
    expect(stdout).toContain('monthly_total    1 fresh');
    expect(stdout).toContain('rolling_mean_7d  3 fresh');
    expect(existsSync(join(state, 'temporal.db'))).toBe(true);
    const db = await PGlite.create(join(state, 'pglite'));
    try {
      const { rows } = await db.query<{ asset_key: string; n: number }>("SELECT asset_key, count(*)::int AS n FROM weft_materializations GROUP BY 1 ORDER BY 1");
      expect(rows).toEqual([
        { asset_key: 'daily_total', n: 3 },
        { asset_key: 'monthly_total', n: 1 },
        { asset_key: 'rolling_mean_7d', n: 3 },
      ]);
    } finally {
      await db.close();
    }
    // A second run finds everything fresh and computes nothing again.
    const again = await exec(process.execPath, [weft, 'dev', '--dir', example, '--state', state, '--once'], { timeout: 150_000 });
    expect(again.stdout).toContain('daily_total      3 fresh');
    const db2 = await PGlite.create(join(state, 'pglite'));
    try {
      const { rows } = await db2.query<{ n: number }>('SELECT count(*)::int AS n FROM weft_materializations');
      expect(rows[0]?.n).toBe(7);
    } finally {
      await db2.close();
    }
  }, 320_000);

  it('weft status asks the running weft dev', async () => {
    const dev = spawn(process.execPath, [weft, 'dev', '--dir', example, '--state', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    dev.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    drain(dev);
    try {
      const deadline = Date.now() + 120_000;
      while (!existsSync(join(state, 'dev.json')) && Date.now() < deadline) await sleep(200);
      const { stdout } = await exec(process.execPath, [weft, 'status', '--state', state]);
      expect(stdout).toMatch(/^ASSET\s+KIND\s+PARTITIONS\s+FRESH/m);
      expect(stdout).toMatch(/^daily_total\s+asset\s+3 daily from 2024-01-01 until 2024-01-04 \(UTC\)\s+3\s+0\s+0\s+0\s+0\s+0\s+0$/m);
      // The same port serves the GraphQL API, auth off (and it says so).
      const info = JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { graphql: string };
      expect(printed).toContain(`GraphQL: ${info.graphql}`);
      expect(printed).toContain('API auth off');
      const res = await fetch(info.graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { authenticated } asset(key: "daily_total") { ... on Asset { statusCounts { fresh } } } }' }) });
      expect(await res.json()).toEqual({ data: { viewer: { authenticated: false }, asset: { statusCounts: { fresh: 3 } } } });
      const graphiql = await fetch(info.graphql, { headers: { accept: 'text/html' } });
      expect(await graphiql.text()).toMatch(/graphiql/i);
    } finally {
      await interrupt(dev);
    }
    const gone = (await exec(process.execPath, [weft, 'status', '--state', state]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no running `weft dev` found');
  }, 200_000);

  it('weft dev --auth makes a first admin token once, serves the UI, and refuses requests without a token', async () => {
    const start = async (): Promise<{ printed: () => string; stop: () => Promise<void>; info: { url: string; graphql: string } }> => {
      rmSync(join(state, 'dev.json'), { force: true });
      const dev = spawn(process.execPath, [weft, 'dev', '--dir', example, '--state', state, '--auth'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let printed = '';
      dev.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      const errors = drain(dev);
      const deadline = Date.now() + 120_000;
      while (!existsSync(join(state, 'dev.json')) && Date.now() < deadline) await sleep(200);
      while (!printed.includes('admin token') && dev.exitCode === null && Date.now() < deadline) await sleep(100);
      if (!existsSync(join(state, 'dev.json'))) throw new Error(`weft dev --auth did not start (exit code ${dev.exitCode}):\n${printed}\n${errors()}`);
      return {
        printed: () => `${printed}\n(stderr:)\n${errors()}`,
        info: JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { url: string; graphql: string },
        stop: () => interrupt(dev),
      };
    };
    const ask = async (graphql: string, token?: string) =>
      (await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query: '{ viewer { authenticated roles } }' }) })).json();
    const first = await start();
    try {
      const secret = /admin token dev-admin \(shown once[^\n]*\n\s+(\S+)/.exec(first.printed())?.[1];
      expect(secret, first.printed()).toBeTruthy();
      expect(await ask(first.info.graphql, secret)).toEqual({ data: { viewer: { authenticated: true, roles: { '*': 'admin' } } } });
      expect(await ask(first.info.graphql)).toEqual({ data: { viewer: { authenticated: false, roles: {} } } });
      // The UI is served on the same port, and its routes load on a pasted link.
      expect(first.printed()).toContain(`UI: ${first.info.url}/`);
      const page = await fetch(`${first.info.url}/assets/daily_total`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      expect(second.printed()).toContain('admin tokens exist (dev-admin)');
      expect(second.printed()).not.toMatch(/shown once/);
    } finally {
      await second.stop();
    }
  }, 300_000);

  it('rejects bad options with the usage and exit code 2', async () => {
    const error = (await exec(process.execPath, [weft, 'dev', '--port', 'abc']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain(`option '--port <port>' argument 'abc' is invalid. must be a TCP port number, got "abc"`);
    const unknown = (await exec(process.execPath, [weft, 'frobnicate']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("weft: unknown command 'frobnicate'");
    const noConfig = (await exec(process.execPath, [weft, 'dev', '--dir', state, '--once']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toContain('no weft.config.ts in');
  });

  it('uses a configured Temporal cluster (TEMPORAL_ADDRESS) instead of its own dev server', async () => {
    const other = mkdtempSync(join(tmpdir(), 'weft-dev-cluster-'));
    try {
      const { temporal } = useServices();
      const { stdout } = await exec(process.execPath, [weft, 'dev', '--dir', example, '--state', other, '--once'], {
        timeout: 150_000,
        env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace },
      });
      expect(stdout).toContain(`Temporal cluster ${temporal.address} (namespace ${temporal.namespace})`);
      expect(stdout).toContain('daily_total      3 fresh');
      expect(existsSync(join(other, 'temporal.db'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 200_000);

  it('weft migrate needs DATABASE_URL', async () => {
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const error = (await exec(process.execPath, [weft, 'migrate'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('set DATABASE_URL');
  });
});
