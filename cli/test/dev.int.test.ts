import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { useServices } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { start, WEFT as weft } from './helpers.js';

const exec = promisify(execFile);
const example = new URL('../../examples/readings', import.meta.url).pathname;
const state = mkdtempSync(join(tmpdir(), 'weft-dev-test-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

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
    const dev = start(['dev', '--dir', example, '--state', state], process.env);
    try {
      const deadline = Date.now() + 120_000;
      while (!existsSync(join(state, 'dev.json')) && Date.now() < deadline) await sleep(200);
      const { stdout } = await exec(process.execPath, [weft, 'status', '--state', state]);
      expect(stdout).toMatch(/^ASSET\s+KIND\s+PARTITIONS\s+FRESH/m);
      expect(stdout).toMatch(/^daily_total\s+asset\s+3 daily from 2024-01-01 until 2024-01-04 \(UTC\)\s+3\s+0\s+0\s+0\s+0\s+0\s+0$/m);
      // The same port serves the GraphQL API, auth off (and it says so).
      const info = JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { graphql: string };
      expect(dev.output()).toContain(`GraphQL: ${info.graphql}`);
      expect(dev.output()).toContain('API auth off');
      const res = await fetch(info.graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { authenticated } asset(key: "daily_total") { ... on Asset { statusCounts { fresh } } } }' }) });
      expect(await res.json()).toEqual({ data: { viewer: { authenticated: false }, asset: { statusCounts: { fresh: 3 } } } });
      const graphiql = await fetch(info.graphql, { headers: { accept: 'text/html' } });
      expect(await graphiql.text()).toMatch(/graphiql/i);
    } finally {
      await dev.stop('SIGINT');
    }
    const gone = (await exec(process.execPath, [weft, 'status', '--state', state]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no running `weft dev` found');
  }, 200_000);

  it('stops on Ctrl-C during start-up too (Temporal\'s runtime catches SIGINT: weft dev must still end)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'weft-dev-sigint-'));
    const dev = start(['dev', '--dir', example, '--state', other], process.env);
    try {
      // The worker is up; the API, the observations and the file watch are still to come.
      await dev.waitFor(/worker on task queue/, 120_000);
      const exited = dev.stop('SIGINT');
      const ended = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
      expect(ended, dev.output()).toBe(true);
      expect(dev.output()).toContain('weft dev: stopped');
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
      rmSync(other, { recursive: true, force: true });
    }
  }, 200_000);

  it('weft dev --auth makes a first admin token once, serves the UI, and refuses requests without a token', async () => {
    const startDev = async (): Promise<{ printed: () => string; stop: () => Promise<unknown>; info: { url: string; graphql: string } }> => {
      rmSync(join(state, 'dev.json'), { force: true });
      const dev = start(['dev', '--dir', example, '--state', state, '--auth'], process.env);
      // (It prints its tokens' line once dev.json is written.)
      await dev.waitFor(/admin token/, 120_000);
      return {
        printed: () => dev.output(),
        info: JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { url: string; graphql: string },
        stop: () => dev.stop('SIGINT'),
      };
    };
    const ask = async (graphql: string, token?: string) =>
      (await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query: '{ viewer { authenticated roles } }' }) })).json();
    const first = await startDev();
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
    const second = await startDev();
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
