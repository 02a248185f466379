/**
 * The asset page in Chromium against the real server (auth on) and workers: the definition, code
 * version history and checks of `clean` as the API returns them; an operator of its group selects
 * two days on the heatmap and materializes them from the page, and the request it links to
 * completes; a viewer, and an operator of another group, see no controls.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { apiPipeline } from '../../graphql/test/pipeline.js';
import { useUiStack, waitFor } from './harness.js';

const pipeline = apiPipeline();
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const stack = useUiStack({ location: 'ui-asset', definitions: pipeline.definitions, auth: 'tokens', now: () => Date.parse('2024-01-04T00:00:00Z') });
afterAll(() => pipeline.controls.openGate());

const tokens: Record<string, string> = {};
const api = (query: string, variables: Record<string, unknown> = {}) => ok(stack.url, query, variables, tokens['admin']);
const readyCount = (page: Page) => page.evaluate(() => (window as unknown as { __weftHeatmap?: { ready: number } }).__weftHeatmap?.ready ?? 0);

async function cellCentre(page: Page, i: number): Promise<{ x: number; y: number }> {
  const canvas = page.getByTestId('heatmap-canvas');
  const box = (await canvas.boundingBox())!;
  const [cols, w, h, gap] = await Promise.all(['data-cols', 'data-cell-w', 'data-cell-h', 'data-gap'].map(async (a) => Number(await canvas.getAttribute(a))));
  return { x: box.x + (i % cols!) * (w! + gap!) + w! / 2, y: box.y + Math.floor(i / cols!) * (h! + gap!) + h! / 2 };
}

beforeAll(async () => {
  for (const [name, roles] of Object.entries<Record<string, string>>({ admin: { '*': 'admin' }, operator: { ingest: 'operator', finance: 'viewer' }, viewer: { '*': 'viewer' } })) tokens[name] = (await stack.store.createApiToken(`ui-asset-${name}`, roles)).secret;
  DAYS.forEach((d, i) => pipeline.controls.raw.set(d, String(i + 1)));
  await api(`mutation($p: [SourceChangeInput!]!) { reportSourceChange(sourceKey: "raw", partitions: $p) { __typename } }`, { p: DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: String(i + 1) } })) });
  await waitFor('clean fresh', async () => (await api(`{ asset(key: "clean") { ... on Asset { statusCounts { fresh } } } }`)).asset.statusCounts.fresh === 3);
});

describe('the asset page', () => {
  it('shows the definition, code version history and checks as the API returns them', async () => {
    const { asset } = await api(`{ asset(key: "clean") { ... on Asset { kind group description codeVersion computeProvider metadata partitionsDefinition { description count } inputs { name upstreamKey mapping { description } } codeVersionHistory { codeVersion deployedAt } checks { name description blocking } } } }`);
    const { page, context } = await stack.open('/assets/clean', { token: tokens['operator'] });
    await expect.poll(() => page.getByTestId('definition').isVisible()).toBe(true);
    const def = async (id: string) => (await page.getByTestId(`def-${id}`).locator('td').textContent()) ?? '';
    expect(await def('kind')).toContain(asset.kind === 'ASSET' ? 'computed by Weft' : 'observed');
    expect(await def('group')).toBe(asset.group);
    expect(await def('description')).toBe(asset.description);
    expect(await def('partitions')).toContain(asset.partitionsDefinition.description);
    expect(await def('partitions')).toContain(`${asset.partitionsDefinition.count} now`);
    expect(await page.getByTestId('def-code-version').locator('code').getAttribute('title')).toBe(asset.codeVersion);
    expect(await def('compute-provider')).toBe(asset.computeProvider ?? 'default');
    expect(await page.getByTestId('metadata').textContent()).toBe(`${asset.metadata.tags.join('')}owner=${asset.metadata.owner}`);
    // Inputs with their mappings in words.
    const inputs = page.getByTestId('input');
    expect(await inputs.count()).toBe(asset.inputs.length);
    expect(await inputs.first().getAttribute('data-upstream')).toBe(asset.inputs[0].upstreamKey);
    expect(await inputs.first().getByTestId('input-mapping').textContent()).toBe(asset.inputs[0].mapping.description);
    // Code version history, newest first.
    const history = await page.getByTestId('code-version-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-code-version')));
    expect(history).toEqual(asset.codeVersionHistory.map((s: { codeVersion: string }) => s.codeVersion).reverse());
    // Checks with their latest result, as the partitions' check results say.
    const results = await Promise.all(DAYS.map(async (d) => ({ partitionKey: d, ...(await api(`query($p: String!) { partition(assetKey: "clean", partitionKey: $p) { ... on Partition { checks { check passed message at } } } }`, { p: d })).partition.checks[0] })));
    // Latest first; results recorded together share their time, and the later partition wins a tie (as the page says).
    const latest = results.sort((a, b) => (a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.partitionKey < b.partitionKey ? 1 : -1))[0];
    const row = page.locator('[data-testid="check-row"][data-check="positive"]');
    // (The page follows live events: under load it may first show an earlier partition's result.)
    await expect.poll(() => row.getAttribute('data-passed'), { timeout: 30_000 }).toBe(String(latest.passed));
    await expect.poll(() => row.getByTestId('check-message').textContent(), { timeout: 30_000 }).toBe(latest.message);
    expect(await page.getByTestId('check-row').count()).toBe(asset.checks.length);
    expect(await row.textContent()).toContain(asset.checks[0].description);
    // Recent materializations: newest first as the API has them (every day among them), linking to forensics.
    const recent = (await api(`{ asset(key: "clean") { ... on Asset { recentMaterializations(first: 12) { id partitionKey finishedAt } } } }`)).asset.recentMaterializations as Array<{ id: string; partitionKey: string; finishedAt: string }>;
    expect(new Set(recent.map((m) => m.partitionKey))).toEqual(new Set(DAYS));
    expect(recent.map((m) => Number(m.id))).toEqual(recent.map((m) => Number(m.id)).sort((a, b) => b - a));
    await expect.poll(() => page.getByTestId('recent-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-materialization')))).toEqual(recent.map((m) => m.id));
    expect(await page.getByTestId('recent-row').first().getByRole('link').getAttribute('href')).toBe(`/assets/clean/partitions/${recent[0]?.partitionKey}`);
    await context.close();
  }, 60_000);

  it('materializes a range selected on the heatmap (operator), and the request completes', async () => {
    const { page, context } = await stack.open('/assets/clean', { token: tokens['operator'] });
    await expect.poll(() => readyCount(page)).toBeGreaterThan(0);
    // Three days: one cell each (a partition).
    expect(await page.getByTestId('heatmap-canvas').getAttribute('data-cells')).toBe('3');
    expect(await page.getByTestId('legend-fresh').getAttribute('data-count')).toBe('3');
    const a = await cellCentre(page, 1);
    const b = await cellCentre(page, 2);
    await page.keyboard.down('Shift');
    await page.mouse.click(a.x, a.y);
    await page.mouse.click(b.x, b.y);
    await page.keyboard.up('Shift');
    await expect.poll(() => page.getByTestId('range-first').inputValue()).toBe('2024-01-02');
    expect(await page.getByTestId('range-last').inputValue()).toBe('2024-01-03');
    await page.getByTestId('materialize').click();
    const result = page.getByTestId('mutation-result');
    await expect.poll(() => result.getAttribute('data-typename')).toBe('RequestsSubmitted');
    const link = page.getByTestId('request-link');
    expect(await link.count()).toBe(1);
    const id = (await link.getAttribute('data-request-id'))!;
    expect(await link.getAttribute('href')).toBe(`/requests/${id}`);
    await stack.screenshot(page, 'asset-clean');
    const request = await waitFor('the request done', async () => {
      const r = (await api(`query($id: ID!) { request(id: $id) { ... on Request { status action assetKey partitionCount partitionKeys requestedBy } } }`, { id })).request;
      return r.status === 'DONE' && r;
    });
    expect(request).toMatchObject({ action: 'MATERIALIZE', assetKey: 'clean', partitionCount: 2, partitionKeys: ['2024-01-02', '2024-01-03'], requestedBy: 'token:ui-asset-operator' });
    // The new request shows in the page's text as submitted; the link goes to the request page.
    await link.click();
    expect(new URL(page.url()).pathname).toBe(`/requests/${id}`);
    await context.close();
  }, 90_000);

  it('shows no controls to a viewer, nor to an operator of another group', async () => {
    for (const [token, key] of [
      ['viewer', 'clean'],
      ['operator', 'total'],
    ] as const) {
      const { page, context } = await stack.open(`/assets/${key}`, { token: tokens[token] });
      await expect.poll(() => page.getByTestId('no-controls').count()).toBe(1);
      expect(await page.getByTestId('materialize').count()).toBe(0);
      expect(await page.getByTestId('retry').count()).toBe(0);
      if (token === 'operator') {
        // total reads clean through a window, in words.
        await expect.poll(() => page.getByTestId('input-mapping').first().textContent()).toMatch(/window/);
        await stack.screenshot(page, 'asset-total-no-controls');
      }
      await context.close();
    }
  }, 60_000);

  it('logged no errors and fetched nothing from elsewhere', () => {
    expect(stack.problems).toEqual([]);
  });
});
