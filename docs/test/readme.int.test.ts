/**
 * The README's main command, run as a user would from a fresh clone: `npm run dev` (pointed at a
 * fresh copy of the taxi example, with a fixed HTTP port) serves the UI on the address it prints,
 * settles the example with exactly the deliberately broken hour failed, runs the documentation's
 * `sh server` blocks against it, starts warm, and recovers when the broken file is landed whole.
 * How long `weft dev` took to become ready (cold and warm) is printed.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { copyTaxiExample, freePort, graphql, startNpm, waitForStatuses } from './dev-run.js';
import { REPO, allShellBlocks, commandsOf, expectedExit, shellBlocks } from './shell-blocks.js';

const exec = promisify(execFile);
const copy = copyTaxiExample();
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** After a cold start: everything fresh but the day of the cut-off hour and what reads it. */
const SETTLED = {
  trips: '504 fresh',
  trips_clean: '20 fresh, 1 failed',
  zone_daily: '120 fresh, 6 blocked',
  zone_monthly: '6 fresh, 6 blocked',
  zone_rolling_7d: '84 fresh, 42 blocked',
};
const RECOVERED = { trips: '504 fresh', trips_clean: '21 fresh', zone_daily: '126 fresh', zone_monthly: '12 fresh', zone_rolling_7d: '126 fresh' };

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('the README main command on the taxi example', () => {
  it('serves the UI where it says, settles all but the broken hour, starts warm, and recovers once the file is fixed', async () => {
    // The README's main block runs `npm run dev`, which runs weft dev on the taxi example.
    expect(commandsOf(shellBlocks('README.md')[0]?.code ?? '')).toContainEqual(['npm', 'run', 'dev']);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['dev']).toBe('node cli/bin/weft.js dev --dir examples/taxi');

    const port = await freePort();
    const args = ['run', 'dev', '--', '--dir', copy, '--http-port', String(port)];
    const timings: Record<string, string> = {};
    let started = Date.now();
    const cold = startNpm(args);
    let url: string;
    let before: Record<string, string | null>;
    try {
      url = (await cold.waitFor(/UI: (http:\/\/127\.0\.0\.1:\d+)\//, 300_000))[1] as string;
      timings['cold: ready (UI printed)'] = seconds(Date.now() - started);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(cold.output()).toMatch(/taxi example: landed 504 hourly trip files \([\d,]+ rows, \d+ of them invalid\) in .*; 2024-02-02T17:00 is cut off mid-row on purpose/);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<div id="root">');
      expect(await graphql(url, '{ viewer { authenticated } }')).toEqual({ viewer: { authenticated: false } });

      await waitForStatuses(url, SETTLED, 300_000);
      timings['cold: settled'] = seconds(Date.now() - started);

      // The failed day says why, and its failure is grouped on the failures page.
      const failed = await graphql<{ partition: { status: string; failure: { message: string; failureClass: string }; failureLogs: Array<{ message: string }> } }>(
        url,
        '{ partition(assetKey: "trips_clean", partitionKey: "2024-02-02") { ... on Partition { status failure { message failureClass } failureLogs { message } } } }',
      );
      expect(failed.partition.status).toBe('FAILED');
      expect(failed.partition.failure.failureClass).toBe('ACTIONABLE');
      expect(failed.partition.failure.message).toMatch(/trips 2024-02-02T17:00: the file does not end with a newline: it was cut off after \d+ complete rows/);
      // The hours read before the broken one were logged.
      const logged = failed.partition.failureLogs.map((l) => l.message);
      expect(logged.length, logged.join('\n')).toBe(17);
      expect(logged.at(-1), logged.join('\n')).toMatch(/^2024-02-02T16:00: \d+ rows, \d+ kept$/);
      const groups = await graphql<{ failures: Array<{ assetKey: string; partitions: string[] }> }>(url, '{ failures(onlyCurrent: true) { assetKey partitions } }');
      expect(groups.failures).toEqual([{ assetKey: 'trips_clean', partitions: ['2024-02-02'] }]);
      // (The planner does not store the reasons of blocked partitions yet: only their status is checked.)
      const blocked = await graphql<{ partition: { status: string } }>(url, '{ partition(assetKey: "zone_rolling_7d", partitionKey: "date=2024-02-05|zone=midtown") { ... on Partition { status } } }');
      expect(blocked.partition.status).toBe('BLOCKED');

      // A zone's month was made from that zone's days only (zone × day is numbered time first, so
      // one zone's days are not one run of its order): the lineage, the range read, `weft lineage`.
      const midtownDays = Array.from({ length: 10 }, (_, i) => `date=2024-01-${22 + i}|zone=midtown`);
      const monthLineage = await graphql<{ lineage: { nodes: Array<{ partitionKey: string; depth: number }>; unresolved: unknown[] } }>(
        url,
        '{ lineage(assetKey: "zone_monthly", partitionKey: "date=2024-01|zone=midtown", depth: 1) { ... on Lineage { nodes { partitionKey depth } unresolved { partitionKey } } } }',
      );
      expect(monthLineage.lineage.nodes.filter((n) => n.depth === 1).map((n) => n.partitionKey)).toEqual(midtownDays);
      expect(monthLineage.lineage.unresolved).toEqual([]);
      const monthRead = await graphql<{ partition: { current: { inputs: Array<{ range: unknown }> } } }>(
        url,
        '{ partition(assetKey: "zone_monthly", partitionKey: "date=2024-01|zone=midtown") { ... on Partition { current { inputs { range { count set partitionKeys } } } } } }',
      );
      expect(monthRead.partition.current.inputs).toEqual([{ range: { count: 10, set: { boxes: [{ date: [['2024-01-22', '2024-01-31']], zone: [['midtown', 'midtown']] }] }, partitionKeys: midtownDays } }]);
      const cliLineage = await exec('node', ['cli/bin/weft.js', 'lineage', 'zone_monthly', 'date=2024-01|zone=midtown', '--depth', '1', '--json', '--url', url], { cwd: REPO });
      const cliNodes = (JSON.parse(cliLineage.stdout) as { nodes: Array<{ assetKey: string; partitionKey: string }> }).nodes.filter((n) => n.assetKey === 'zone_daily');
      expect(cliNodes.map((n) => n.partitionKey).sort()).toEqual(midtownDays);
      const dayReaders = await graphql<{ lineage: { nodes: Array<{ assetKey: string; partitionKey: string; depth: number }> } }>(
        url,
        '{ lineage(assetKey: "zone_daily", partitionKey: "date=2024-01-25|zone=midtown", depth: 1, direction: DOWNSTREAM) { ... on Lineage { nodes { assetKey partitionKey depth } } } }',
      );
      expect(dayReaders.lineage.nodes.filter((n) => n.depth === 1 && n.assetKey === 'zone_monthly').map((n) => n.partitionKey)).toEqual(['date=2024-01|zone=midtown']);
      expect(dayReaders.lineage.nodes.filter((n) => n.depth === 1).every((n) => n.partitionKey.endsWith('|zone=midtown'))).toBe(true);

      // Every `sh server` block of the docs, against this weft dev.
      for (const block of allShellBlocks().filter((b) => b.annotations.includes('server'))) {
        const code = block.code.replaceAll('examples/taxi', copy);
        const result = await exec('bash', ['-euo', 'pipefail', '-c', code], { cwd: REPO, timeout: 120_000 }).then(
          (r) => ({ code: 0, ...r }),
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
        expect(result.code, `${block.file}:${block.line}\n${code}\n${result.stdout}\n${result.stderr}`).toBe(expectedExit(block));
      }
      before = await currentIds();
    } finally {
      expect(await cold.stop()).toContain('weft dev: stopped');
    }

    // Warm: the same state; nothing is computed again.
    started = Date.now();
    const warm = startNpm(args);
    try {
      await warm.waitFor(/UI: http:\/\/127\.0\.0\.1:\d+\//, 300_000);
      timings['warm: ready (UI printed)'] = seconds(Date.now() - started);
      await waitForStatuses(url, SETTLED, 120_000);
      timings['warm: settled'] = seconds(Date.now() - started);
      expect(warm.output()).not.toContain('taxi example: landed');
      expect(await currentIds()).toEqual(before);

      // Fix the broken file as the example's README says; the source is observed every 5 s.
      const repaired = Date.now();
      const { stdout } = await exec('npm', ['run', 'generate', '-w', '@weft/example-taxi', '--', '--repair', '--out', join(copy, '.weft', 'landing')], { cwd: REPO });
      expect(stdout).toContain(`landed the complete file ${join(copy, '.weft', 'landing', 'trips', '2024-02-02', '17.csv')}`);
      await waitForStatuses(url, RECOVERED, 180_000);
      timings['recovered after the repair'] = seconds(Date.now() - repaired);
      expect((await graphql<{ failures: unknown[] }>(url, '{ failures(onlyCurrent: true) { assetKey } }')).failures).toEqual([]);
      // Only the affected partitions were computed again.
      const after = await currentIds();
      const recomputed = Object.keys(after).filter((k) => after[k] !== before[k]);
      expect(recomputed).toEqual([]);
    } finally {
      expect(await warm.stop()).toContain('weft dev: stopped');
    }
    console.log(`weft dev on the taxi example (load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}):\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);

    /** Current materialization ids of some partitions that the repair must not touch. */
    async function currentIds(): Promise<Record<string, string | null>> {
      const keys: Array<[string, string]> = [
        ['trips_clean', '2024-02-01'],
        ['trips_clean', '2024-02-03'],
        ['zone_daily', 'date=2024-02-01|zone=midtown'],
        ['zone_rolling_7d', 'date=2024-02-01|zone=midtown'],
        ['zone_monthly', 'date=2024-01|zone=midtown'],
      ];
      const out: Record<string, string | null> = {};
      for (const [asset, partition] of keys) {
        const data = await graphql<{ partition: { current: { id: string } | null } }>(url, `{ partition(assetKey: "${asset}", partitionKey: "${partition}") { ... on Partition { current { id } } } }`);
        out[`${asset} ${partition}`] = data.partition.current?.id ?? null;
      }
      return out;
    }
  }, 900_000);
});
