/**
 * `weft dev` redeploys on save: the real binary runs a temporary copy of watch-fixture (orders →
 * parsed → revenue (× lib/factor.ts) → total; parsed → line_count) on the harness's Temporal
 * server, and the test edits it. An edit of revenue's compute, then of the helper module it
 * imports, announces a new deployment and recomputes exactly revenue and its downstream total with
 * the new code (parsed and line_count keep their materializations); a syntax error is reported and
 * the old definitions keep serving (a new order file is still computed with them) until a fix
 * redeploys; `--no-watch` keeps the definitions it started with.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { useServices } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, start, type Running } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'weft-dev-watch-'));
const project = join(root, 'project');
const data = join(root, 'data');
const state = join(root, 'state');
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'] as const;
let env: NodeJS.ProcessEnv;

/** Day d's order file: `<d>0` and 5, unless `amounts` says otherwise. */
const writeOrders = (day: string, amounts?: readonly number[]): void => {
  const d = Number(day.slice(-2));
  writeFileSync(join(data, 'orders', `${day}.csv`), `${(amounts ?? [d * 10, 5]).join('\n')}\n`);
};
const sumOf = (day: string): number => readFileSync(join(data, 'orders', `${day}.csv`), 'utf8').split('\n').filter((l) => l.trim() !== '').map(Number).reduce((a, b) => a + b, 0);
const edit = (file: string, from: string | RegExp, to: string): void => {
  const path = join(project, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file} holds no ${String(from)}`);
  writeFileSync(path, after);
};

interface Made {
  id: string;
  deploymentId: string;
  value: number | undefined;
}
/** The current materialization of every partition of the project's assets, through the GraphQL API. */
async function current(graphql: string): Promise<Record<string, Record<string, Made | null>>> {
  const part = (key: string) => `p${key.replaceAll('-', '_')}: partition(key: "${key}") { current { id deploymentId logs { message } } }`;
  const daily = DAYS.map(part).join(' ');
  const query = `{ ${['parsed', 'revenue', 'line_count'].map((a) => `${a}: asset(key: "${a}") { ... on Asset { ${daily} } }`).join(' ')} total: asset(key: "total") { ... on Asset { ${part('2024-01')} } } }`;
  const res = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: Record<string, Record<string, { current: { id: string; deploymentId: string; logs: Array<{ message: string }> } | null }>>; errors?: unknown };
  if (!body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  const out: Record<string, Record<string, Made | null>> = {};
  for (const [asset, partitions] of Object.entries(body.data)) {
    out[asset] = {};
    for (const [alias, p] of Object.entries(partitions)) {
      const logged = p.current?.logs.map((l) => /^value (-?\d+)$/.exec(l.message)?.[1]).find((v) => v !== undefined);
      out[asset][alias.slice(1).replaceAll('_', '-')] = p.current ? { id: p.current.id, deploymentId: p.current.deploymentId, value: logged === undefined ? undefined : Number(logged) } : null;
    }
  }
  return out;
}

/** Whether revenue and total hold `revenue(day)` and its sum, made by deployment `deployment`. */
function computedWith(now: Awaited<ReturnType<typeof current>>, revenue: (day: string) => number, deployment: string): boolean {
  const days = DAYS.map((d) => now['revenue']?.[d]);
  const total = now['total']?.['2024-01'];
  return days.every((m, i) => m?.value === revenue(DAYS[i]!) && m.deploymentId === deployment) && total?.value === DAYS.reduce((a, d) => a + revenue(d), 0) && total.deploymentId === deployment;
}

/** The id of the `n`th deployment weft dev announced after its first (1: the first redeploy), once printed. */
const redeployed = (dev: Running, n: number): Promise<string> =>
  eventually(`redeploy ${n} announced`, async () => [...dev.output().matchAll(/deployment ([0-9a-f]+) \(replaces [0-9a-f]+\): code changed: revenue, total\n/g)][n - 1]?.[1], 300_000);

const ids = (now: Awaited<ReturnType<typeof current>>, asset: string): Array<string | undefined> => DAYS.map((d) => now[asset]?.[d]?.id);

beforeAll(() => {
  const { temporal } = useServices();
  cpSync(new URL('./watch-fixture', import.meta.url).pathname, project, { recursive: true });
  // The copy lives outside the checkout: it needs its module type and the checkout's packages.
  writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
  symlinkSync(new URL('../../node_modules', import.meta.url).pathname, join(project, 'node_modules'));
  mkdirSync(join(data, 'orders'), { recursive: true });
  for (const day of DAYS) writeOrders(day);
  const { DATABASE_URL: _db, WEFT_URL: _u, WEFT_TOKEN: _t, ...rest } = process.env;
  env = { ...rest, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, WEFT_FIXTURE_DATA: data, WEFT_FIXTURE_LOCATION: `cli-watch-${randomBytes(3).toString('hex')}` };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('weft dev redeploys on save', () => {
  it('recomputes exactly the edited asset and its downstream, keeps serving through a syntax error, and redeploys the fix', async () => {
    const dev = start(['dev', '--dir', project, '--state', state], env);
    try {
      await dev.waitFor(/watching .* for changes/);
      const graphql = (await dev.waitFor(/GraphQL: (http:\/\/127\.0\.0\.1:\d+\/graphql)/))[1]!;
      const first = (await dev.waitFor(/deployment ([0-9a-f]+)\)/))[1]!;
      const settled = await eventually('the project settled (revenue = sum × 2)', async () => {
        const now = await current(graphql);
        return computedWith(now, (d) => sumOf(d) * 2, first) && DAYS.every((d) => now['line_count']?.[d]?.value === undefined && now['line_count']?.[d]?.id) ? now : undefined;
      });

      // 1. revenue's compute changes: a new deployment; revenue and total recompute with it.
      edit('assets/revenue.ts', '* factor;', '* factor + 1;');
      const second = await redeployed(dev, 1);
      expect(second).not.toBe(first);
      expect(dev.output()).toContain('reconciling revenue, total');
      const afterCompute = await eventually('revenue and total recomputed by the new deployment (sum × 2 + 1)', async () => {
        const now = await current(graphql);
        return computedWith(now, (d) => sumOf(d) * 2 + 1, second) ? now : undefined;
      });
      // Upstream and beside: untouched (the same materializations as before the edit).
      expect(ids(afterCompute, 'parsed')).toEqual(ids(settled, 'parsed'));
      expect(ids(afterCompute, 'line_count')).toEqual(ids(settled, 'line_count'));

      // 2. A helper module revenue imports changes: the new value is used.
      edit('lib/factor.ts', 'factor = 2', 'factor = 3');
      const third = await redeployed(dev, 2);
      const lines = dev.output().split('\n');
      expect(lines.filter((l) => / \(replaces /.test(l))).toHaveLength(2);
      expect(lines.some((l) => l.includes('lib/factor.ts changed: reloading'))).toBe(true);
      const afterHelper = await eventually('revenue and total recomputed with the new factor (sum × 3 + 1)', async () => {
        const now = await current(graphql);
        return computedWith(now, (d) => sumOf(d) * 3 + 1, third) ? now : undefined;
      });
      expect(ids(afterHelper, 'parsed')).toEqual(ids(settled, 'parsed'));
      expect(ids(afterHelper, 'line_count')).toEqual(ids(settled, 'line_count'));

      // 3. A syntax error: said clearly, nothing deployed; the running definitions keep serving
      //    (a changed order file is still computed with factor 3 + 1).
      edit('assets/revenue.ts', '* factor + 1;', '* factor + ;');
      await dev.waitFor(/not redeployed: syntax error: assets\/revenue\.ts:\d+:\d+: ERROR: .*\n.*the worker keeps running deployment [0-9a-f]+/);
      expect(dev.output()).toContain(`the worker keeps running deployment ${third} with the definitions it has`);
      writeOrders('2024-01-02', [100, 1]);
      await eventually('the new order file computed by the deployment still running', async () => {
        const now = await current(graphql);
        return computedWith(now, (d) => sumOf(d) * 3 + 1, third) && now['revenue']?.['2024-01-02']?.value === 304 ? now : undefined;
      });
      expect(dev.output().split('\n').filter((l) => / \(replaces /.test(l))).toHaveLength(2);

      // 4. The fix redeploys.
      edit('assets/revenue.ts', '* factor + ;', '* factor + 2;');
      const fourth = await redeployed(dev, 3);
      expect(dev.output()).toContain(`deployment ${fourth} (replaces ${third})`);
      const afterFix = await eventually('revenue and total recomputed by the fixed code (sum × 3 + 2)', async () => {
        const now = await current(graphql);
        return computedWith(now, (d) => sumOf(d) * 3 + 2, fourth) ? now : undefined;
      });
      // parsed recomputed only the day whose file changed; line_count likewise.
      expect(ids(afterFix, 'parsed').filter((id, i) => id !== ids(settled, 'parsed')[i])).toHaveLength(1);
      expect(ids(afterFix, 'line_count').filter((id, i) => id !== ids(settled, 'line_count')[i])).toHaveLength(1);
    } finally {
      expect(await dev.stop('SIGINT')).toBe(0);
    }
  }, 900_000);

  it('--no-watch keeps the definitions it started with', async () => {
    const dev = start(['dev', '--dir', project, '--state', state, '--no-watch'], env);
    try {
      const graphql = (await dev.waitFor(/GraphQL: (http:\/\/127\.0\.0\.1:\d+\/graphql)/))[1]!;
      const deployment = (await dev.waitFor(/deployment ([0-9a-f]+)\)/))[1]!;
      expect(dev.output()).not.toMatch(/watching .* for changes/);
      await eventually('settled on the code on disk (sum × 3 + 2)', async () => computedWith(await current(graphql), (d) => sumOf(d) * 3 + 2, deployment));
      edit('assets/revenue.ts', '* factor + 2;', '* factor + 5;');
      // A change of data after the edit is computed with the code weft dev started with.
      writeOrders('2024-01-03', [7]);
      await eventually('the new order file computed with the code loaded at start', async () => {
        const now = await current(graphql);
        return now['revenue']?.['2024-01-03']?.value === 7 * 3 + 2 && computedWith(now, (d) => sumOf(d) * 3 + 2, deployment);
      });
      expect(dev.output()).not.toContain('reloading');
    } finally {
      expect(await dev.stop('SIGINT')).toBe(0);
    }
  }, 600_000);
});
