/**
 * The UI's partition heatmap in Chromium: from navigation to an interactive heatmap of an hourly
 * asset of N partitions (default 1,000,000), and one drill-down level.
 *
 * Setup, on PostgreSQL 15 with default settings: one hourly asset from 1910-01-01, its
 * partition-state rows COPYed with the same status mix as `api-summary` (92% of partitions have a
 * row: fresh 70%, stale 10%, failed 4%, missing 2%, running, blocked and check_failed 2% each; 8%
 * none, i.e. missing); the UI built fresh from ui/src with Vite and served by the real API server
 * (`startApiServer` with `uiDir`, auth off), Debian's Chromium driven by playwright-core.
 * (api-summary's seeding lives inside its `run`, not exported: the few lines it takes are here,
 * reusing its helpers: `CopyWriter`, `prng`, `deployGraph`, `graphql`.)
 *
 * Timed, in the page (performance marks the heatmap sets): `renderMs`, navigation start →
 * `weft-heatmap-ready` (the first paint of real data: the canvas drawn after the API's
 * statusSummary answered), each run on a fresh browser context right after a batch of the asset's
 * partitions failed (500 at 1,000,000 partitions, recorded through the store like a worker's
 * failures), so the location's state version moved and the server's status codes of the asset
 * are out of date (the page a user opens while events flow: the server reads the rows changed
 * since its last read, not every row); `renderWarmMs`, the same with nothing changed;
 * `drillMs`, the click on a year → the months' paint (`weft-heatmap-drill` → the next
 * `weft-heatmap-ready`). Medians over the runs. `apiColdMs` is the API's first summary (every
 * state row read), `apiStaleMs` one after such a batch. Checked on every run: the legend's total
 * equals the partitions inserted and its failed count the failures recorded so far, the year cells
 * are the API's year buckets, and after the drill the legend shows the year bucket's count. `ok`
 * when the checks pass and the medians meet the targets (renderMs ≤ 1,500, drillMs ≤ 200) at
 * 1,000,000 partitions (at smoke scale only the checks).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asset, hourly, loadDefinitions, PARTITION_STATUSES, type PartitionContext, type PartitionStatus } from '@weft/core';
import { startApiServer } from '@weft/graphql';
import { CHROMIUM_FLAGS, findChromium, startPostgres } from '@weft/services';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import { deployGraph, graphql, member } from '../api/server.js';
import { checked, type Benchmark } from '../benchmark.js';
import { CopyWriter, prng, round } from '../lineage/copy.js';
import { intCodec } from '../support.js';

const HOUR = 3_600_000;
const START = '1910-01-01T00:00';
const START_MS = Date.UTC(1910, 0, 1);
const ASSET = 'readings_hourly';
const DATABASE = 'weft_bench_ui_heatmap';
const TARGET_RENDER_MS = 1500;
const TARGET_DRILL_MS = 200;
const MIX: ReadonlyArray<readonly [PartitionStatus | 'none', number]> = [
  ['none', 80],
  ['missing', 20],
  ['fresh', 700],
  ['stale', 100],
  ['failed', 40],
  ['running', 20],
  ['blocked', 20],
  ['check_failed', 20],
];
/** The heatmap's levels, coarsest first (its marker names the level shown). */
const LEVELS = ['YEAR', 'MONTH', 'DAY', 'HOUR'];
const UI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'ui');

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Marker {
  ready: number;
  total: number;
  cells: number;
  level: string;
}

/** Waits for the heatmap's `ready`-th paint; returns its marker. */
async function readyAt(page: Page, ready: number): Promise<Marker> {
  await page.waitForFunction((n) => ((globalThis as { __weftHeatmap?: Marker }).__weftHeatmap?.ready ?? 0) >= n, ready, { timeout: 60_000, polling: 'raf' });
  return page.evaluate(() => (globalThis as unknown as { __weftHeatmap: Marker }).__weftHeatmap);
}

export const uiHeatmapBench: Benchmark = {
  name: 'ui-heatmap',
  description: 'Chromium: navigation → interactive partition heatmap of an hourly asset of N partitions (the built UI on the real API server), and one drill-down level',
  defaultScale: 1_000_000,
  smokeScale: 3_000,
  async run({ scale, log }) {
    const partitions = Math.round(scale);
    const runs = partitions >= 100_000 ? 5 : 2;
    const def = hourly({ start: START });
    const now = START_MS + partitions * HOUR + 60_000;
    const ctx: PartitionContext = { now, dynamicKeys: () => [] };
    if (def.count(ctx) !== partitions) throw new Error(`hourly from ${START} has ${def.count(ctx)} partitions, expected ${partitions}`);
    const graph = loadDefinitions([asset({ key: ASSET, partitions: def, codec: intCodec, compute: () => 0 })]);
    const rand = prng(19_100_101);
    const weights = MIX.reduce((s, [, w]) => s + w, 0);
    const statusAt = (): PartitionStatus | 'none' => {
      let r = rand() * weights;
      for (const [s, w] of MIX) {
        if (r < w) return s;
        r -= w;
      }
      return 'none';
    };

    const t0 = performance.now();
    const dist = mkdtempSync(join(tmpdir(), 'weft-bench-ui-'));
    execFileSync(process.execPath, [join(UI_ROOT, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { cwd: UI_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    log(`UI built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const server = await startPostgres({ durability: 'default', databaseUrl: '' });
    log(`PostgreSQL: ${server.version}`);
    const problems: string[] = [];
    try {
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${DATABASE}`);
      await admin.end();
      const pool = new pg.Pool({ connectionString: server.urlFor(DATABASE), max: 4 });
      pool.on('error', () => {});
      const db = pgDatabase(pool);
      try {
        await migrate(db);
        const t1 = performance.now();
        const expected = Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as Record<PartitionStatus, number>;
        /** Each partition's status as seeded (then as failed by the runs). */
        const seeded = new Array<PartitionStatus>(partitions);
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const copy = new CopyWriter(client, 'weft_partition_state', ['location', 'asset_key', 'partition_key', 'status']);
          let chunk = '';
          let inChunk = 0;
          for (let i = 0; i < partitions; i++) {
            const status = statusAt();
            seeded[i] = status === 'none' ? 'missing' : status;
            expected[status === 'none' ? 'missing' : status]++;
            if (status === 'none') continue;
            chunk += `default\t${ASSET}\t${def.keyAt(i, ctx)}\t${status}\n`;
            if (++inChunk === 20_000) {
              await copy.write(chunk, inChunk);
              chunk = '';
              inChunk = 0;
            }
          }
          await copy.write(chunk, inChunk);
          await copy.end();
          await client.query('COMMIT');
          await client.query('VACUUM (ANALYZE) weft_partition_state');
        } finally {
          client.release();
        }
        log(`${partitions.toLocaleString('en')} partitions seeded in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${JSON.stringify(expected)}`);
        await deployGraph(db, graph);
        const api = await startApiServer({ db, auth: 'off', now: () => now, log: () => {}, uiDir: dist, production: true });
        // A batch of the asset's partitions fails (recorded as a worker records failures): the
        // location's state version moves, and the server's status codes of the asset are out of date.
        const here = new ProvenanceStore(db, 'default');
        const perBatch = Math.max(5, Math.round(partitions / 2000));
        let bumps = 0;
        const staleTheCache = async (): Promise<void> => {
          bumps++;
          const failures = [];
          while (failures.length < perBatch) {
            const i = Math.floor(rand() * partitions);
            if (seeded[i] === 'failed') continue;
            expected[seeded[i] as PartitionStatus]--;
            expected.failed++;
            seeded[i] = 'failed';
            const partitionKey = def.keyAt(i, ctx);
            failures.push({ token: createHash('sha256').update(`bench ${bumps} ${partitionKey}`).digest('hex'), assetKey: ASSET, partitionKey, attempt: 1, failureClass: 'actionable' as const, fingerprint: 'bench', message: 'failed while the page loads', retryAt: null, finishedAt: Date.now() });
          }
          await here.recordFailures(failures);
        };
        const browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_FLAGS], headless: true });
        try {
          // The catalog is read once by the server's first request: not part of any page's time.
          await graphql(api.url, `{ asset(key: "${ASSET}") { __typename } }`);
          // The top-level buckets as the API gives them (the cold summary: every state row read).
          const tCold = performance.now();
          const years = member(
            (await graphql<{ asset: { __typename: 'Asset'; statusSummary: { total: { total: number }; dimensions: Array<{ buckets: Array<{ label: string; count: number }> }> } } }>(api.url, `{ asset(key: "${ASSET}") { __typename ... on Asset { statusSummary { total { total } dimensions { buckets { label count } } } } } }`)).asset,
            'Asset',
          ).statusSummary;
          const apiColdMs = performance.now() - tCold;
          const yearBuckets = years.dimensions[0]?.buckets ?? [];
          // The same after a batch of its partitions failed (what each "stale" page load meets).
          await staleTheCache();
          const tStale = performance.now();
          await graphql(api.url, `{ asset(key: "${ASSET}") { __typename ... on Asset { statusSummary { total { total } } } } }`);
          const apiStaleMs = performance.now() - tStale;
          log(`the API's summary alone: ${apiColdMs.toFixed(0)} ms cold, ${apiStaleMs.toFixed(0)} ms after ${perBatch} of its partitions failed`);
          if (years.total.total !== partitions) problems.push(`the API's total is ${years.total.total}, inserted ${partitions}`);
          // The bucket drilled into: the middle one (a full year at 1,000,000 partitions).
          const drillIndex = Math.floor(yearBuckets.length / 2);
          const load = loadavg()[0] ?? 0;
          log(`load average before measuring: ${load.toFixed(2)} (2 cores)`);

          const cold: number[] = [];
          const warm: number[] = [];
          const drills: number[] = [];
          const drillWall: number[] = [];
          const measure = async (what: string, stale: boolean): Promise<void> => {
            if (stale) await staleTheCache();
            const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
            const page = await context.newPage();
            const errors: string[] = [];
            page.on('pageerror', (e) => errors.push(e.message));
            page.on('console', (m) => {
              if (m.type() === 'error') errors.push(m.text());
            });
            let summaries = 0;
            page.on('request', (r) => {
              // (urql sends queries as GET within the URL limit.)
              if (r.url().includes('/graphql') && (r.url() + (r.postData() ?? '')).includes('HeatmapSummary')) summaries++;
            });
            try {
              await page.goto(`${api.url}/assets/${ASSET}`);
              const first = await readyAt(page, 1);
              if (summaries !== 1) problems.push(`${what}: ${summaries} summary requests before the first paint, expected 1`);
              const renderMs = await page.evaluate(() => performance.getEntriesByName('weft-heatmap-ready')[0]?.startTime ?? Number.NaN);
              (stale ? cold : warm).push(renderMs);
              const shownTotal = Number(await page.getByTestId('legend-total').getAttribute('data-count'));
              if (first.total !== partitions || shownTotal !== partitions) problems.push(`${what}: the heatmap shows ${shownTotal} partitions (marker ${first.total}), inserted ${partitions}`);
              const shownFailed = Number(await page.getByTestId('legend-failed').getAttribute('data-count'));
              if (shownFailed !== expected.failed) problems.push(`${what}: the heatmap shows ${shownFailed} failed partitions, ${expected.failed} are`);
              if (first.cells !== yearBuckets.length) problems.push(`${what}: ${first.cells} cells, the API has ${yearBuckets.length} top-level buckets`);
              if (!stale) {
                // One level down: click the year's cell.
                const canvas = page.getByTestId('heatmap-canvas');
                const box = await canvas.boundingBox();
                const [cols, w, h, gap] = await Promise.all(['data-cols', 'data-cell-w', 'data-cell-h', 'data-gap'].map(async (a) => Number(await canvas.getAttribute(a))));
                if (!box || !cols || !w || !h || gap === undefined) throw new Error('no heatmap canvas');
                const x = box.x + (drillIndex % cols) * (w + gap) + w / 2;
                const y = box.y + Math.floor(drillIndex / cols) * (h + gap) + h / 2;
                const started = performance.now();
                await page.mouse.click(x, y);
                const second = await readyAt(page, 2);
                drillWall.push(performance.now() - started);
                const drillMs = await page.evaluate(() => {
                  const start = performance.getEntriesByName('weft-heatmap-drill').at(-1)?.startTime ?? Number.NaN;
                  return (performance.getEntriesByName('weft-heatmap-ready')[1]?.startTime ?? Number.NaN) - start;
                });
                drills.push(drillMs);
                const bucket = yearBuckets[drillIndex];
                const drilledTotal = Number(await page.getByTestId('legend-total').getAttribute('data-count'));
                const below = LEVELS[LEVELS.indexOf(first.level) + 1];
                if (second.level !== below || drilledTotal !== bucket?.count) problems.push(`${what}: after the drill into ${bucket?.label}: level ${second.level} (expected ${below}), ${drilledTotal} partitions shown, the API's bucket has ${bucket?.count}`);
              }
              if (errors.length) problems.push(`${what}: page errors: ${errors.slice(0, 3).join('; ')}`);
            } finally {
              await context.close();
            }
          };
          for (let r = 0; r < runs; r++) {
            await measure(`cold run ${r + 1}`, true);
            await measure(`warm run ${r + 1}`, false);
            log(`run ${r + 1}: render ${cold.at(-1)?.toFixed(0)} ms (stale cache), ${warm.at(-1)?.toFixed(0)} ms (warm); drill ${drills.at(-1)?.toFixed(0)} ms in the page (${drillWall.at(-1)?.toFixed(0)} ms from the click as the driver saw it)`);
          }
          const renderMs = median(cold);
          const drillMs = median(drills);
          const result = {
            partitions,
            renderMs: round(renderMs, 0),
            drillMs: round(drillMs, 0),
            renderWarmMs: round(median(warm), 0),
            drillWallMs: round(median(drillWall), 0),
            renderRunsMs: cold.map((x) => round(x, 0)),
            drillRunsMs: drills.map((x) => round(x, 0)),
            apiColdMs: round(apiColdMs, 0),
            apiStaleMs: round(apiStaleMs, 0),
            failuresPerStaleRun: perBatch,
            runs,
            topCells: yearBuckets.length,
            loadAvg1m: round(load),
          };
          const out = checked(result, problems);
          const fast = partitions < 1_000_000 || (renderMs <= TARGET_RENDER_MS && drillMs <= TARGET_DRILL_MS);
          if (!fast) log(`over target: renderMs ${renderMs.toFixed(0)} (≤ ${TARGET_RENDER_MS}), drillMs ${drillMs.toFixed(0)} (≤ ${TARGET_DRILL_MS})`);
          return { ...out, ok: fast };
        } finally {
          await browser.close();
          await api.close();
        }
      } finally {
        await db.close();
      }
    } finally {
      await server.stop();
      rmSync(dist, { recursive: true, force: true });
    }
  },
};
