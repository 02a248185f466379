/**
 * The API commands (status, why, failures, lineage, materialize, backfill, retry, token) run as the
 * real binary against one `weft dev` of the fixture project (on the harness's Temporal server),
 * shared by every test of the file. 2024-01-05's order file holds a bad row: clean_orders fails
 * there, daily_revenue and monthly_revenue are blocked by it, until the tests fix it and retry.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { useServices } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FIXTURE, orderFiles, start, weft, WEFT, weftJson, type Running } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'weft-cli-remote-'));
const data = join(root, 'data');
const state = join(root, 'state');
const location = `cli-remote-${randomBytes(3).toString('hex')}`;
let env: NodeJS.ProcessEnv;
let dev: Running;
const S = ['--state', state];

interface AssetRow {
  key: string;
  kind: string;
  partitions: { description: string; count: number };
  counts: Record<string, number>;
}
const counts = async (): Promise<Record<string, Record<string, number>>> => {
  const { json } = await weftJson<{ assets: AssetRow[] }>(['status', ...S], env);
  return Object.fromEntries(json.assets.map((a) => [a.key, a.counts]));
};

beforeAll(async () => {
  const { temporal } = useServices();
  orderFiles(data, ['2024-01-05']);
  const { DATABASE_URL: _db, WEFT_URL: _u, WEFT_TOKEN: _t, ...rest } = process.env;
  env = { ...rest, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, WEFT_FIXTURE_DATA: data, WEFT_FIXTURE_LOCATION: location, WEFT_FIXTURE_SLOW_MS: '300' };
  dev = start(['dev', '--dir', FIXTURE, '--state', state], env);
  await dev.waitFor(/GraphQL: http:\/\/127\.0\.0\.1:\d+\/graphql/);
  await eventually('the fixture settled (clean_orders 9 fresh 1 failed, daily_revenue 9 fresh 1 blocked)', async () => {
    const c = await counts();
    return c['clean_orders']?.['failed'] === 1 && c['clean_orders']['fresh'] === 9 && c['daily_revenue']?.['fresh'] === 9 && c['daily_revenue']['blocked'] === 1 && c['monthly_revenue']?.['blocked'] === 1;
  });
}, 240_000);

afterAll(async () => {
  expect(await dev?.stop('SIGINT')).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

describe('weft status', () => {
  it('prints a table of assets with their partitions by state, and the same as JSON', async () => {
    const text = await weft(['status', ...S], env);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ASSET\s+KIND\s+PARTITIONS\s+FRESH\s+STALE\s+MISSING\s+RUNNING\s+FAILED\s+BLOCKED\s+CHECK FAILED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['clean_orders', 'daily_revenue', 'monthly_revenue', 'orders']);
    expect(text.stdout).toMatch(/^clean_orders\s+asset\s+10 daily from 2024-01-01 until 2024-01-11 \(UTC\)\s+9\s+0\s+0\s+0\s+1\s+0\s+0$/m);
    expect(text.stdout).toMatch(/^monthly_revenue\s+asset\s+1 monthly from 2024-01 until 2024-02 \(UTC\)\s+0\s+0\s+0\s+0\s+0\s+1\s+0$/m);
    expect(text.stdout).toMatch(/^orders\s+source\s+10 daily .*\s+10\s+0\s+0\s+0\s+0\s+0\s+0$/m);

    const { code, json } = await weftJson<{ assets: Array<AssetRow & { location: string; group: string }> }>(['status', ...S], env);
    expect(code).toBe(0);
    expect(json.assets.find((a) => a.key === 'daily_revenue')).toEqual({
      location,
      key: 'daily_revenue',
      kind: 'asset',
      group: 'default',
      partitions: { description: 'daily from 2024-01-01 until 2024-01-11 (UTC)', count: 10 },
      counts: { fresh: 9, stale: 0, missing: 0, running: 0, failed: 0, blocked: 1, checkFailed: 0, total: 10 },
    });
  });
});

describe('weft why, weft failures, weft lineage', () => {
  it('why says a failed partition failed, with the message and what to do; a fresh one is fresh', async () => {
    const failed = await weft(['why', 'clean_orders', '2024-01-05', ...S], env);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toContain('clean_orders 2024-01-05 is failed, because:');
    expect(failed.stdout).toContain('bad row in 2024-01-05: line 2 is not an amount: "bad"');
    expect(failed.stdout).toContain('what to do: fix the cause (its code or its data), then `weft retry --asset clean_orders --partition 2024-01-05`');
    const { json } = await weftJson<{ status: string; fresh: boolean; reasons: Array<{ kind: string; fingerprint: string; failureClass: string }>; failure: { fingerprint: string; message: string } }>(['why', 'clean_orders', '2024-01-05', ...S], env);
    expect(json).toMatchObject({ status: 'FAILED', fresh: false, failure: { message: expect.stringContaining('bad row in 2024-01-05') } });
    expect(json.reasons).toEqual([expect.objectContaining({ kind: 'FAILED', failureClass: 'ACTIONABLE', fingerprint: json.failure.fingerprint })]);

    const blocked = await weft(['why', 'daily_revenue', '2024-01-05', ...S], env);
    expect(blocked.stdout).toMatch(/^daily_revenue 2024-01-05 is blocked/);
    expect(blocked.stdout).toContain('it has no value yet');

    const fresh = await weft(['why', 'daily_revenue', '2024-01-02', ...S], env);
    expect(fresh.stdout).toMatch(/^daily_revenue 2024-01-02 is fresh: made from its inputs as they are now, with the current code\n {2}data [0-9a-f]{12}, code [0-9a-f]{12}, made \d{4}-\d\d-\d\d /);
    const freshJson = await weftJson<{ status: string; fresh: boolean; reasons: unknown[] }>(['why', 'daily_revenue', '2024-01-02', ...S], env);
    expect(freshJson.json).toMatchObject({ status: 'FRESH', fresh: true, reasons: [] });

    const unknown = await weft(['why', 'nope', '2024-01-02', ...S], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`weft why: asset "nope" does not exist in code location "${location}"`);
    expect(unknown.stderr).toContain('`weft status` lists the assets');
  });

  it('failures groups them by fingerprint with counts, times, the message and partitions', async () => {
    const { code, json } = await weftJson<{ failures: Array<Record<string, unknown>> }>(['failures', ...S], env);
    expect(code).toBe(0);
    expect(json.failures).toEqual([
      {
        assetKey: 'clean_orders',
        fingerprint: expect.stringMatching(/^[0-9a-f]{8,}$/),
        failureClass: 'ACTIONABLE',
        occurrences: 1,
        partitionCount: 1,
        firstSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        sampleMessage: expect.stringContaining('bad row in 2024-01-05'),
        lastStack: expect.stringMatching(/^Error: bad row in 2024-01-05.*\n\s+at .*shop\.ts:\d+:\d+/),
        partitions: ['2024-01-05'],
      },
    ]);
    const fp = json.failures[0]!['fingerprint'] as string;
    const text = await weft(['failures', '--asset', 'clean_orders', ...S], env);
    expect(text.stdout).toContain('1 failure group of clean_orders with partitions failing now');
    expect(text.stdout).toContain(`clean_orders  fingerprint ${fp}  actionable`);
    expect(text.stdout).toMatch(/1 partition failing now, 1 failed attempt in all; first seen \d{4}-.*, last seen \d{4}-/);
    expect(text.stdout).toContain('partitions: 2024-01-05');
    // The top frames of the latest stack trace (the fixture's asset module first), all of them with --stack.
    expect(text.stdout).toMatch(/ {2}stack \(latest, top frames; --stack for all\):\n {4}Error: bad row in 2024-01-05.*\n {4}at .*shop\.ts:\d+:\d+/);
    const frames = (out: string) => out.split('\n').filter((l) => /^ {4}at /.test(l)).length;
    expect(frames(text.stdout)).toBe(4);
    const full = await weft(['failures', '--asset', 'clean_orders', '--stack', ...S], env);
    expect(frames(full.stdout)).toBe((json.failures[0]!['lastStack'] as string).split('\n').filter((l) => /^\s+at /.test(l)).length);
    expect(text.stdout).toContain(`once fixed: weft retry --fingerprint ${fp} --asset clean_orders`);
    const none = await weft(['failures', '--asset', 'daily_revenue', ...S], env);
    expect(none.stdout.trim()).toBe('no partition of daily_revenue is failed now (--all shows past failures too)');
  });

  it('lineage prints the provenance tree, up and down, and as JSON', async () => {
    const up = await weft(['lineage', 'daily_revenue', '2024-01-02', ...S], env);
    expect(up.code).toBe(0);
    const lines = up.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^daily_revenue 2024-01-02 {2}data [0-9a-f]{12} {2}code [0-9a-f]{12} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(\d+\w+ ago\)$/);
    expect(lines[1]).toMatch(/^└─ orders: clean_orders 2024-01-02 {2}data [0-9a-f]{12} {2}code [0-9a-f]{12} {2}\d{4}-/);
    expect(lines[2]).toMatch(/^ {3}└─ orders: orders 2024-01-02 {2}data [0-9a-f]{12} {2}\(a source observation, or removed by retention\)$/);

    const { json } = await weftJson<{ direction: string; depth: number; root: { assetKey: string; dataVersion: string }; nodes: Array<{ assetKey: string; partitionKey: string; depth: number }>; edges: Array<{ inputName: string }>; unresolved: Array<{ assetKey: string; partitionKey: string }> }>(['lineage', 'daily_revenue', '2024-01-02', '--depth', '2', ...S], env);
    expect(json).toMatchObject({ direction: 'upstream', depth: 2, root: { assetKey: 'daily_revenue' } });
    expect(lines[0]).toContain(`data ${json.root.dataVersion.slice(0, 12)}`);
    expect(json.nodes.map((n) => [n.assetKey, n.partitionKey, n.depth])).toEqual(expect.arrayContaining([['clean_orders', '2024-01-02', 1]]));
    expect(json.edges).toEqual([expect.objectContaining({ inputName: 'orders' })]);
    expect(json.unresolved).toEqual([expect.objectContaining({ assetKey: 'orders', partitionKey: '2024-01-02' })]);

    const down = await weft(['lineage', 'clean_orders', '2024-01-02', '--down', ...S], env);
    expect(down.stdout.trim().split('\n')[1]).toMatch(/^└─ read by orders: daily_revenue 2024-01-02 {2}data /);
    const never = await weft(['lineage', 'monthly_revenue', '2024-01', ...S], env);
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('monthly_revenue 2024-01 was never materialized');
    const bad = await weft(['lineage', 'daily_revenue', '2024-01-02', '--depth', '99', ...S], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be a whole number from 1 to 50, got "99"');
  });
});

describe('weft materialize and weft backfill', () => {
  it('materialize follows a request with plain progress lines when stdout is not a terminal, exit code 0', async () => {
    const ran = await weft(['materialize', 'daily_revenue', '--partitions', '2024-01-01..2024-01-03', ...S], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^weft materialize: request req-[0-9a-f]+ for daily_revenue \(3 partitions; /m);
    // The last progress line: every partition settled, with what they need upstream (3 orders, 3 clean_orders).
    expect(ran.stdout).toMatch(/^\[\s*\d+s\] daily_revenue {2}9\/9 settled: 9 done, 0 running, 0 failed, 0 pending {2}\(done\)$/m);
    expect(ran.stdout).toMatch(/^weft materialize: daily_revenue: 3 of 3 partitions fresh, 0 failed or blocked \(request req-[0-9a-f]+\)$/m);
    expect(ran.stdout.includes(String.fromCharCode(27))).toBe(false); // no terminal control codes

    const { code, json } = await weftJson<{ outcome: string; requests: Array<{ action: string; status: string; partitionCount: number; partitions: unknown }> }>(['materialize', 'daily_revenue', 'clean_orders', '--partitions', '2024-01-06,2024-01-07', ...S], env);
    expect(code).toBe(0);
    expect(json.outcome).toBe('ok');
    expect(json.requests.map((r) => [r.action, r.status, r.partitionCount, r.partitions])).toEqual([
      ['MATERIALIZE', 'DONE', 2, { total: 2, fresh: 2, failed: 0 }],
      ['MATERIALIZE', 'DONE', 2, { total: 2, fresh: 2, failed: 0 }],
    ]);
    const noWait = await weftJson<{ outcome: string; requests: Array<{ id: string }> }>(['materialize', 'daily_revenue', '--partitions', '2024-01-08', '--no-wait', ...S], env);
    expect(noWait.json.outcome).toBe('submitted');
    expect(noWait.json.requests[0]!.id).toMatch(/^req-/);
  });

  it('materialize draws live progress bars on a terminal (a real pseudo-terminal through script(1))', async () => {
    const command = [process.execPath, WEFT, 'materialize', 'daily_revenue', '--partitions', '2024-01-02..2024-01-04', ...S].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const ran = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      // script(1) runs the command with its stdout on a pty, and copies what it drew to ours.
      execFile('script', ['-qefc', command, '/dev/null'], { env: { ...env, COLUMNS: '160', LINES: '40', TERM: 'xterm' }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, out: stdout });
      });
    });
    expect(ran.code, ran.out).toBe(0);
    // cli-progress's bar (block characters), redrawn in place with cursor control codes, hidden cursor restored.
    expect(ran.out).toContain(String.fromCharCode(27));
    expect(ran.out).toMatch(/daily_revenue [\u2588\u2591]{24} 9\/9 {2}9 done, 0 running, 0 failed {2}\S+ {2}ETA/);
    expect(ran.out).toMatch(/weft materialize: daily_revenue: 3 of 3 partitions fresh, 0 failed or blocked/);
    expect(ran.out).not.toMatch(/^\[\s*\d+s\] daily_revenue/m); // no plain progress lines on a terminal
  });

  it('materialize refuses bad input with the reason and an exit code', async () => {
    const partitioned = await weft(['materialize', 'daily_revenue', ...S], env);
    expect(partitioned.code).toBe(2);
    expect(partitioned.stderr).toContain('daily_revenue is partitioned: say which partitions with --partitions');
    const notFound = await weft(['materialize', 'nope', '--partitions', 'all', ...S], env);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toContain('asset "nope" does not exist');
    const invalid = await weft(['materialize', 'daily_revenue', '--partitions', '2030-01-01', ...S], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('asset daily_revenue has no partition "2030-01-01"');
    expect(invalid.stderr).toContain("use a key of daily_revenue's partitions");
    const range = await weft(['materialize', 'daily_revenue', '--partitions', '2024-01-01..', ...S], env);
    expect(range.code).toBe(2);
    expect(range.stderr).toContain('a range needs both ends');
  });

  it('backfill over the failed day ends partly failed (exit code 3), naming the failure', async () => {
    const ran = await weft(['backfill', 'daily_revenue', '--from', '2024-01-01', '--to', '2024-01-10', ...S], env);
    expect(ran.code, ran.stdout + ran.stderr).toBe(3);
    expect(ran.stdout).toMatch(/^\[\s*\d+s\] daily_revenue {2}30\/30 settled: 28 done, 0 running, 2 failed, 0 pending {2}\(done\)$/m);
    expect(ran.stdout).toContain('daily_revenue: 9 of 10 partitions fresh, 1 failed or blocked');
    expect(ran.stderr).toMatch(/failed: clean_orders 2024-01-05: compute .*bad row in 2024-01-05.* \(actionable, fingerprint [0-9a-f]+\)/);

    const { code, json } = await weftJson<{ outcome: string; requests: Array<{ action: string; partitions: unknown }>; failures: Array<{ assetKey: string; partitions: string[] }> }>(['backfill', 'daily_revenue', '--from', '2024-01-04', '--to', '2024-01-06', ...S], env);
    expect(code).toBe(3);
    expect(json).toMatchObject({ outcome: 'partial', requests: [{ action: 'BACKFILL', partitions: { total: 3, fresh: 2, failed: 1 } }], failures: [{ assetKey: 'clean_orders', partitions: ['2024-01-05'] }] });
    const usage = await weft(['backfill', 'daily_revenue', '--from', '2024-01-01', ...S], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('weft backfill needs --from <first partition> and --to <last partition>');
  });
});

describe('weft requests', () => {
  it('lists the requests with their progress, follows a finished one again, and refuses to cancel what is done', async () => {
    const { code, json } = await weftJson<{ requests: Array<{ id: string; action: string; assetKey: string; status: string; done: boolean; progress: { fresh: number } | null }> }>(['requests', 'list', '--asset', 'daily_revenue', ...S], env);
    expect(code).toBe(0);
    const backfills = json.requests.filter((r) => r.action === 'BACKFILL');
    expect(backfills.length).toBeGreaterThanOrEqual(2);
    expect(backfills.every((r) => r.assetKey === 'daily_revenue' && r.status === 'DONE' && r.done)).toBe(true);
    const latest = backfills[0]!;
    const text = await weft(['requests', 'list', '--status', 'done', ...S], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${latest.id}\\s+backfill\\s+daily_revenue\\s+done\\s+\\d+/\\d+`, 'm'));
    expect((await weft(['requests', 'list', '--status', 'nope', ...S], env)).code).toBe(2);
    // Following the 2024-01-04…06 backfill again: it is done, partly failed (2024-01-05), exit code 3.
    const followed = await weft(['requests', 'follow', latest.id, ...S], env);
    expect(followed.code, followed.stdout + followed.stderr).toBe(3);
    expect(followed.stdout).toContain(`daily_revenue: 2 of 3 partitions fresh, 1 failed or blocked (request ${latest.id})`);
    const done = await weft(['requests', 'cancel', latest.id, ...S], env);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain(`request ${latest.id} (backfill of daily_revenue) was already done: nothing to cancel`);
    const unknown = await weft(['requests', 'cancel', 'req-000000000000', ...S], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/request "req-000000000000" does not exist|no request/i);
  });
});

describe('weft retry', () => {
  it('a retry that fails again exits 1; once fixed, a retry by fingerprint makes everything fresh', async () => {
    const again = await weftJson<{ outcome: string; requests: Array<{ action: string; partitions: unknown }> }>(['retry', '--asset', 'clean_orders', '--partition', '2024-01-05', ...S], env);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ outcome: 'failed', requests: [{ action: 'RETRY', partitions: { total: 1, fresh: 0, failed: 1 } }] });
    const { json: before } = await weftJson<{ failures: Array<{ fingerprint: string; occurrences: number }> }>(['failures', ...S], env);
    expect(before.failures[0]!.occurrences).toBe(2);
    const fp = before.failures[0]!.fingerprint;

    writeFileSync(join(data, 'fixed'), '');
    const fixed = await weft(['retry', '--fingerprint', fp.slice(0, 8), ...S], env);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/^weft retry: request req-[0-9a-f]+ for clean_orders \(1 partition; /m);
    expect(fixed.stdout).toMatch(/^weft retry: clean_orders: 1 of 1 partition fresh, 0 failed or blocked/m);
    await eventually('everything downstream fresh', async () => {
      const c = await counts();
      return c['daily_revenue']?.['fresh'] === 10 && c['monthly_revenue']?.['fresh'] === 1;
    });
    expect((await weft(['failures', ...S], env)).stdout.trim()).toBe('no partition is failed now (--all shows past failures too)');
    const { json: history } = await weftJson<{ failures: Array<{ fingerprint: string; partitionCount: number }> }>(['failures', '--all', ...S], env);
    expect(history.failures).toEqual([expect.objectContaining({ fingerprint: fp, partitionCount: 0 })]);

    const nothing = await weft(['retry', '--all-failed', ...S], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('no partition is failed now: nothing to retry');
    const usage = await weft(['retry', '--partition', '2024-01-05', ...S], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--partition needs --asset <key>');
  }, 200_000);
});

describe('weft token through the API of weft dev', () => {
  it('creates, lists and revokes tokens, as text and JSON', async () => {
    const created = await weft(['token', 'create', '--name', 'ci', '--role', '*=viewer', '--role', 'default=operator', ...S], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^token \S+ \(ci\): viewer on \*, operator on default$/m);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^weft_/);
    const { json: made } = await weftJson<{ id: string; name: string; roles: unknown; secret: string; expiresAt: string }>(['token', 'create', '--name', 'short', '--role', '*=viewer', '--expires-in', '1h', ...S], env);
    expect(made).toMatchObject({ name: 'short', roles: { '*': 'viewer' }, secret: expect.stringMatching(/^weft_/) });
    expect(Date.parse(made.expiresAt) - Date.now()).toBeGreaterThan(50 * 60_000);

    const { json: listed } = await weftJson<{ tokens: Array<{ id: string; name: string; revokedAt: string | null }> }>(['token', 'list', ...S], env);
    expect(listed.tokens.map((t) => t.name).sort()).toEqual(['ci', 'short']);
    const text = await weft(['token', 'list', ...S], env);
    expect(text.stdout).toMatch(/^\S+\s+short\s+\*=viewer\s+live\s+-$/m);
    expect(text.stdout).not.toContain(made.secret);

    const revoked = await weftJson<{ id: string; revoked: boolean }>(['token', 'revoke', '--id', made.id, ...S], env);
    expect(revoked).toMatchObject({ code: 0, json: { id: made.id, revoked: true } });
    const twice = await weft(['token', 'revoke', '--id', made.id, ...S], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`no live token ${made.id}`);
    const missing = await weft(['token', 'create', '--role', '*=viewer', ...S], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
  });
});
