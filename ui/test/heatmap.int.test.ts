/**
 * The partition heatmap in Chromium against the real server and workers: an hourly asset of 2,280
 * partitions (2023-10-01 … 2024-01-03) materialized by the workers, failing at 13:00 on the 5th of
 * each month. At each level (years → months of 2023 → days of December → hours of the 5th) reached
 * by clicking, the legend and the cells' tooltips show the counts the API's statusSummary gives;
 * the breadcrumb goes back up; a leaf cell opens the partition's forensics. A three-dimensional
 * asset renders as a grid of two chosen dimensions with the third as a filter.
 */
import { asset, daily, hourly, multiPartitions, staticPartitions, type Codec } from '@weft/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { useUiStack, waitFor } from './harness.js';

const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(JSON.stringify(n)), decode: (b) => JSON.parse(new TextDecoder().decode(b)) as number };
const HOURS = 2280;
const readings = asset({
  key: 'readings',
  group: 'sensors',
  description: 'hourly readings',
  partitions: hourly({ start: '2023-10-01T00:00' }),
  codec: number,
  version: 'readings-v1',
  batchSize: 400,
  retry: { maximumAttempts: 1 },
  compute: (_i, ctx) => {
    if (/-05T13:/.test(ctx.partitionKey)) throw new Error(`sensor offline at ${ctx.partitionKey}`);
    return 1;
  },
});
const grid = asset({
  key: 'grid',
  group: 'sensors',
  partitions: multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu', 'us', 'apac']), tier: staticPartitions(['gold', 'silver']) }),
  codec: number,
  version: 'grid-v1',
  retry: { maximumAttempts: 1 },
  compute: (_i, ctx) => {
    if (ctx.partitionKey.includes('region=apac') && ctx.partitionKey.includes('date=2024-01-02')) throw new Error('no apac data');
    return 2;
  },
});
const stack = useUiStack({ location: 'ui-heatmap', definitions: [readings, grid], now: () => Date.parse('2024-01-04T00:00:00Z') });

type Counts = Record<'fresh' | 'stale' | 'failed' | 'checkFailed' | 'running' | 'blocked' | 'missing' | 'total', number>;
interface Bucket {
  label: string;
  firstKey: string;
  lastKey: string;
  count: number;
  counts: Counts;
}
const C = 'fresh stale failed checkFailed running blocked missing total';
async function summary(key: string, vars: { level?: string; from?: string; to?: string } = {}): Promise<{ total: Counts; buckets: Bucket[] }> {
  const d = await ok(stack.url, `query($k: String!, $l: SummaryLevel, $f: String, $t: String) { asset(key: $k) { ... on Asset { statusSummary(level: $l, from: $f, to: $t) { total { ${C} } dimensions { buckets { label firstKey lastKey count counts { ${C} } } } } } } }`, { k: key, l: vars.level, f: vars.from, t: vars.to });
  return { total: d.asset.statusSummary.total, buckets: d.asset.statusSummary.dimensions[0].buckets };
}

const STATUSES = ['fresh', 'stale', 'failed', 'checkFailed', 'running', 'blocked', 'missing'] as const;

/** What the legend shows. */
async function legend(page: Page): Promise<Counts> {
  const out = { total: Number(await page.getByTestId('legend-total').getAttribute('data-count')) } as Counts;
  for (const s of STATUSES) out[s] = Number(await page.getByTestId(`legend-${s}`).getAttribute('data-count'));
  return out;
}

/** The centre of cell `i` of the heatmap's canvas, in page coordinates. */
async function cellCentre(page: Page, i: number): Promise<{ x: number; y: number }> {
  const canvas = page.getByTestId('heatmap-canvas');
  const box = (await canvas.boundingBox())!;
  const [cols, w, h, gap] = await Promise.all(['data-cols', 'data-cell-w', 'data-cell-h', 'data-gap'].map(async (a) => Number(await canvas.getAttribute(a))));
  return { x: box.x + (i % cols!) * (w! + gap!) + w! / 2, y: box.y + Math.floor(i / cols!) * (h! + gap!) + h! / 2 };
}

/** Hovers cell `i` and reads the tooltip's counts by status. */
async function tooltip(page: Page, i: number): Promise<{ title: string; counts: Partial<Counts> }> {
  const c = await cellCentre(page, i);
  await page.mouse.move(c.x, c.y);
  const tip = page.getByTestId('heatmap-tooltip');
  await tip.waitFor();
  const rows = await tip.locator('tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-status'), (tr.querySelector('.num')?.textContent ?? '').replace(/,/g, '')] as const));
  return { title: (await tip.locator('.tt-title').textContent()) ?? '', counts: Object.fromEntries(rows.map(([s, n]) => [s, Number(n)])) };
}

const nonZero = (c: Counts): Partial<Counts> => Object.fromEntries(STATUSES.filter((s) => c[s] > 0).map((s) => [s, c[s]]));

/** Ready marks so far. */
const readyCount = (page: Page) => page.evaluate(() => (window as unknown as { __weftHeatmap?: { ready: number } }).__weftHeatmap?.ready ?? 0);

/** Checks the shown level against the API's answer: the legend, the cell count, and every cell's tooltip (at most `sample` of them). */
async function expectLevel(page: Page, api: { total: Counts; buckets: Bucket[] }, sample = 40) {
  await expect.poll(() => page.getByTestId('heatmap-canvas').getAttribute('data-cells')).toBe(String(api.buckets.length));
  expect(await legend(page)).toEqual(api.total);
  const step = Math.max(1, Math.floor(api.buckets.length / sample));
  for (let i = 0; i < api.buckets.length; i += step) {
    const b = api.buckets[i]!;
    const t = await tooltip(page, i);
    expect(t.counts, `cell ${b.label}`).toEqual(nonZero(b.counts));
    expect(t.title).toContain(b.count === 1 ? b.firstKey : b.label);
  }
}

async function drillInto(page: Page, label: string, buckets: Bucket[]) {
  const i = buckets.findIndex((b) => b.label === label);
  expect(i, `bucket ${label}`).toBeGreaterThanOrEqual(0);
  const before = await readyCount(page);
  const c = await cellCentre(page, i);
  await page.mouse.click(c.x, c.y);
  await expect.poll(() => readyCount(page)).toBeGreaterThan(before);
}

describe('the partition heatmap', () => {
  it('drills down year → month → day → hour by clicking, with the API’s counts at each level', async () => {
    await waitFor(
      'readings settled',
      async () => {
        const s = await summary('readings');
        return s.total.fresh + s.total.failed === HOURS && s.total.total === HOURS;
      },
      150_000,
    );
    const { page, context } = await stack.open('/assets/readings');
    await expect.poll(() => readyCount(page), { timeout: 20_000 }).toBeGreaterThan(0);
    const years = await summary('readings');
    expect(years.buckets.map((b) => b.label)).toEqual(['2023', '2024']);
    expect(years.total).toMatchObject({ total: HOURS, failed: 3, fresh: HOURS - 3 });
    await expectLevel(page, years);
    await stack.screenshot(page, 'heatmap-years');

    await drillInto(page, '2023', years.buckets);
    const y2023 = years.buckets[0]!;
    const months = await summary('readings', { level: 'MONTH', from: y2023.firstKey, to: y2023.lastKey });
    expect(months.buckets.map((b) => b.label)).toEqual(['2023-10', '2023-11', '2023-12']);
    await expectLevel(page, months);
    expect(await page.getByTestId('heatmap-crumb').allTextContents()).toEqual(['2023']);

    await drillInto(page, '2023-12', months.buckets);
    const dec = months.buckets[2]!;
    const days = await summary('readings', { level: 'DAY', from: dec.firstKey, to: dec.lastKey });
    expect(days.buckets).toHaveLength(31);
    await expectLevel(page, days);
    expect(days.buckets.find((b) => b.label === '2023-12-05')!.counts.failed).toBe(1);
    await stack.screenshot(page, 'heatmap-days');

    await drillInto(page, '2023-12-05', days.buckets);
    const d5 = days.buckets[4]!;
    const hours = await summary('readings', { level: 'HOUR', from: d5.firstKey, to: d5.lastKey });
    expect(hours.buckets).toHaveLength(24);
    await expectLevel(page, hours, 24);
    expect(await page.getByTestId('heatmap-crumb').allTextContents()).toEqual(['2023', '2023-12', '2023-12-05']);
    expect(await page.getByTestId('heatmap').getAttribute('data-level')).toBe('HOUR');
    const failedHour = hours.buckets.findIndex((b) => b.counts.failed === 1);
    expect(hours.buckets[failedHour]!.label).toBe('2023-12-05T13');
    const t = await tooltip(page, failedHour);
    expect(t.counts).toEqual({ failed: 1 });
    await stack.screenshot(page, 'heatmap-hours');

    // Shift-click two cells: the range goes to the controls.
    const a = await cellCentre(page, 2);
    const b = await cellCentre(page, 5);
    await page.keyboard.down('Shift');
    await page.mouse.click(a.x, a.y);
    await page.mouse.click(b.x, b.y);
    await page.keyboard.up('Shift');
    await expect.poll(() => page.getByTestId('range-first').inputValue()).toBe(hours.buckets[2]!.firstKey);
    expect(await page.getByTestId('range-last').inputValue()).toBe(hours.buckets[5]!.lastKey);

    // The breadcrumb goes back up a level, then to the top.
    let before = await readyCount(page);
    await page.getByTestId('heatmap-crumb').nth(1).click();
    await expect.poll(() => readyCount(page)).toBeGreaterThan(before);
    await expectLevel(page, days, 8);
    before = await readyCount(page);
    await page.getByRole('button', { name: 'all' }).click();
    await expect.poll(() => readyCount(page)).toBeGreaterThan(before);
    await expectLevel(page, years);

    // A leaf cell opens the partition's forensics.
    await drillInto(page, '2023', years.buckets);
    await drillInto(page, '2023-12', months.buckets);
    await drillInto(page, '2023-12-05', days.buckets);
    const c = await cellCentre(page, failedHour);
    await page.mouse.click(c.x, c.y);
    await expect.poll(() => decodeURIComponent(new URL(page.url()).pathname)).toBe(`/assets/readings/partitions/${hours.buckets[failedHour]!.firstKey}`);
    await expect.poll(() => page.getByTestId('failure').textContent()).toContain('sensor offline');
    await context.close();
  }, 240_000);

  it('renders a multi-dimensional asset as a grid of two chosen dimensions, the third a filter', async () => {
    await waitFor('grid settled', async () => {
      const s = await summary('grid');
      return s.total.fresh + s.total.failed === 18 && s.total;
    });
    const { page, context } = await stack.open('/assets/grid');
    await expect.poll(() => readyCount(page), { timeout: 20_000 }).toBeGreaterThan(0);
    const total = (await summary('grid')).total;
    expect(total).toMatchObject({ total: 18, failed: 2, fresh: 16 });
    expect(await legend(page)).toEqual(total);
    const dims = (await ok(stack.url, `{ asset(key: "grid") { ... on Asset { partitionsDefinition { dimensions } } } }`)).asset.partitionsDefinition.dimensions as string[];
    expect(await page.getByTestId('grid-rows').inputValue()).toBe(dims[0]);
    expect(await page.getByTestId('grid-cols').inputValue()).toBe(dims[1]);
    // Rows date (3 days), columns region (3), tier a filter: 9 cells, apac on 2024-01-02 failed.
    await page.getByTestId('grid-rows').selectOption('date');
    await page.getByTestId('grid-cols').selectOption('region');
    await expect.poll(() => page.getByTestId('grid-row-label').allTextContents()).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
    expect(await page.getByTestId('grid-col-label').allTextContents()).toEqual(['eu', 'us', 'apac']);
    expect(await page.getByTestId('heatmap-canvas').getAttribute('data-cells')).toBe('9');
    for (const tier of ['gold', 'silver']) {
      await page.getByTestId('grid-filter-tier').selectOption(tier);
      for (let i = 0; i < 9; i++) {
        const t = await tooltip(page, i);
        const failed = i === 5; // row 2024-01-02, column apac
        expect(t.counts, `cell ${i} (${tier})`).toEqual(failed ? { failed: 1 } : { fresh: 1 });
        expect(t.title).toContain(`tier=${tier}`);
      }
    }
    await stack.screenshot(page, 'heatmap-grid');
    // Rows and columns swap to region × tier with the date a filter.
    await page.getByTestId('grid-rows').selectOption('region');
    await page.getByTestId('grid-cols').selectOption('tier');
    await page.getByTestId('grid-filter-date').selectOption('2024-01-02');
    await expect.poll(() => page.getByTestId('grid-row-label').allTextContents()).toEqual(['eu', 'us', 'apac']);
    expect(await page.getByTestId('grid-col-label').allTextContents()).toEqual(['gold', 'silver']);
    expect((await tooltip(page, 4)).counts).toEqual({ failed: 1 });
    expect((await tooltip(page, 0)).counts).toEqual({ fresh: 1 });
    await context.close();
  }, 120_000);

  it('logged no errors and fetched nothing from elsewhere', () => {
    expect(stack.problems).toEqual([]);
  });
});
