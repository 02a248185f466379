/**
 * The asset graph in Chromium against the real server and workers: every asset of the pipeline
 * with the colour of its worst status and its counts as the API has them, search, the group
 * filter, a focus on one asset's neighbourhood, a click to the asset page, and colours that change
 * live as partitions materialize. Then a real 10,000-asset deployment (a synthetic catalog recorded
 * in the store as workers record theirs): groups start collapsed, a group opens on click, and the
 * time to an interactive graph is measured.
 */
import { asset, catalogOf, loadDefinitions, type Definition } from '@weft/core';
import { ProvenanceStore } from '@weft/store';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { apiPipeline, number } from '../../graphql/test/pipeline.js';
import { useUiStack, waitFor } from './harness.js';

const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const pipeline = apiPipeline();
const stack = useUiStack({ location: 'ui-graph', definitions: pipeline.definitions, now: () => Date.parse('2024-01-04T00:00:00Z') });
afterAll(() => pipeline.controls.openGate());

const SEVERITY = ['failed', 'checkFailed', 'blocked', 'running', 'stale', 'missing', 'fresh'] as const;
type Counts = Record<(typeof SEVERITY)[number] | 'total', number>;
const worst = (c: Counts) => SEVERITY.find((s) => c[s] > 0) ?? 'missing';
const GRAPH = `query($l: String) { assetGraph(location: $l) { nodes { key group statusCounts { fresh stale failed checkFailed running blocked missing total } } edges { from to } } }`;

async function shownNodes(page: Page): Promise<Record<string, { status: string; text: string }>> {
  const rows = await page.getByTestId('graph-node').evaluateAll((els) => els.map((e) => [e.getAttribute('data-key'), e.getAttribute('data-status'), e.textContent] as const));
  return Object.fromEntries(rows.map(([k, s, t]) => [k!, { status: s!, text: t ?? '' }]));
}

const ready = (page: Page) => page.locator('[data-testid="graph"][data-ready="true"]').waitFor({ timeout: 60_000 });

describe('the asset graph', () => {
  it('shows every asset with its worst status and counts as the API has them, and changes colour live', async () => {
    const { page, context } = await stack.open('/');
    await ready(page);
    await expect.poll(() => page.getByTestId('graph-node').count()).toBe(6);
    const api = (await ok(stack.url, GRAPH)).assetGraph as { nodes: { key: string; group: string; statusCounts: Counts }[]; edges: { from: string; to: string }[] };
    const before = await shownNodes(page);
    expect(Object.keys(before).sort()).toEqual(api.nodes.map((n) => n.key).sort());
    for (const n of api.nodes) {
      expect(before[n.key]!.status).toBe(worst(n.statusCounts));
      expect(before[n.key]!.text).toContain(n.group);
    }
    // One arrow per input edge.
    expect(await page.locator('.react-flow__edge').count()).toBe(api.edges.length);
    expect(await page.getByTestId('graph-summary').textContent()).toContain(`${api.nodes.length} assets`);
    expect(before['clean']!.status).not.toBe('fresh');

    // Live: the source's partitions arrive, clean and flaky materialize (flaky fails on 2024-01-02).
    for (const [i, d] of DAYS.entries()) pipeline.controls.raw.set(d, String(i + 1));
    await ok(stack.url, `mutation($p: [SourceChangeInput!]!) { reportSourceChange(sourceKey: "raw", partitions: $p) { __typename } }`, { p: DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: String(i + 1) } })) });
    await expect.poll(async () => (await shownNodes(page))['clean']?.status, { timeout: 30_000 }).toBe('fresh');
    await expect.poll(async () => (await shownNodes(page))['flaky']?.status, { timeout: 30_000 }).toBe('failed');
    const flaky = await waitFor('flaky counted', async () => {
      const n = ((await ok(stack.url, GRAPH)).assetGraph.nodes as { key: string; statusCounts: Counts }[]).find((x) => x.key === 'flaky')!;
      return n.statusCounts.fresh === 2 && n.statusCounts.failed === 1 && n;
    });
    await expect.poll(async () => page.locator('[data-key="flaky"] [data-status="failed"]').textContent()).toBe(String(flaky.statusCounts.failed));
    await expect.poll(async () => page.locator('[data-key="flaky"] [data-status="fresh"]').textContent()).toBe(String(flaky.statusCounts.fresh));
    await expect.poll(async () => page.locator('[data-key="clean"] [data-status="fresh"]').textContent()).toBe('3');
    await stack.screenshot(page, 'graph-pipeline');

    // Search: matches are highlighted, the others dimmed.
    await page.getByLabel('Search assets').fill('tot');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => page.getByTestId('graph-matches').textContent()).toBe('1 match');
    expect(await page.locator('.gn-hit').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))).toEqual(['total']);
    expect(await page.locator('.gn-dim').count()).toBe(5);
    await page.getByLabel('Search assets').fill('');
    await page.getByRole('button', { name: 'Find' }).click();

    // Group filter: only finance.
    await page.getByLabel('Group').selectOption('finance');
    await expect.poll(async () => Object.keys(await shownNodes(page))).toEqual(['total']);
    await page.getByLabel('Group').selectOption('');
    await expect.poll(() => page.getByTestId('graph-node').count()).toBe(6);

    // Focus on clean, one step: raw upstream, total and flaky downstream; only upstream: raw.
    await page.getByRole('button', { name: 'Focus on clean' }).click();
    await expect.poll(async () => Object.keys(await shownNodes(page)).sort()).toEqual(['clean', 'flaky', 'raw', 'total']);
    await page.getByLabel('Depth').selectOption('1');
    await page.getByLabel('Direction').selectOption('upstream');
    await expect.poll(async () => Object.keys(await shownNodes(page)).sort()).toEqual(['clean', 'raw']);
    expect(new URL(page.url()).searchParams.get('focus')).toBe('clean');
    await stack.screenshot(page, 'graph-focus');
    await page.getByRole('button', { name: 'Clear focus' }).click();
    await expect.poll(() => page.getByTestId('graph-node').count()).toBe(6);

    // A click opens the asset page.
    await page.locator('[data-testid="graph-node"][data-key="total"] .gn-key').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/assets/total');
    await context.close();
  }, 120_000);

  it('stays usable at 10,000 assets: collapsed groups, a group opens on click, only visible boxes rendered', async () => {
    const GROUPS = 50;
    const PER = 200;
    const defs: Definition[] = [];
    const byGroup: Definition[][] = [];
    for (let g = 0; g < GROUPS; g++) {
      const group: Definition[] = [];
      for (let i = 0; i < PER; i++) {
        // Within a group a tree (each asset reads its parent and the parent's neighbour); across
        // groups a tree of groups (a group's root reads the last asset of its parent group).
        const inputs: Record<string, Definition> = {};
        const parent = Math.floor((i - 1) / 2);
        if (i > 0) inputs['parent'] = group[parent]!;
        if (i > 0 && parent > 0) inputs['uncle'] = group[parent - 1]!;
        if (i === 0 && g > 0) inputs['upstream'] = byGroup[Math.floor((g - 1) / 3)]![PER - 1]!;
        const key = `g${String(g).padStart(2, '0')}_a${String(i).padStart(3, '0')}`;
        group.push(asset({ key, group: `team${String(g).padStart(2, '0')}`, inputs: inputs as never, codec: number, version: 'v1', compute: () => 1 }));
      }
      byGroup.push(group);
      defs.push(...group);
    }
    const graph = loadDefinitions(defs);
    const big = new ProvenanceStore(stack.store.db, 'ui-graph-big');
    await big.recordDeployment({ assets: catalogOf(graph), code: {} }, Object.fromEntries(graph.order.map((k) => [k, 'v1'])));
    const api = (await ok(stack.url, GRAPH, { l: 'ui-graph-big' })).assetGraph;
    expect(api.nodes).toHaveLength(10_000);

    const { page, context } = await stack.open('/');
    await ready(page);
    const started = Date.now();
    await page.goto(`${stack.url}/?location=ui-graph-big`);
    await ready(page);
    await page.getByTestId('graph-group').first().waitFor();
    const interactiveMs = Date.now() - started;
    expect(await page.getByTestId('graph').getAttribute('data-assets')).toBe('10000');
    expect(await page.getByTestId('graph').getAttribute('data-boxes')).toBe(String(GROUPS));
    // Fitted at a readable zoom: the groups in view are in the DOM, the others are not.
    const groupsRendered = await page.getByTestId('graph-group').count();
    expect(groupsRendered).toBeGreaterThan(5);
    expect(groupsRendered).toBeLessThanOrEqual(GROUPS);
    expect(await page.getByTestId('graph-node').count()).toBe(0);
    expect(await page.getByTestId('graph-summary').textContent()).toContain('10,000 assets · 50 groups');
    const name = (await page.getByTestId('graph-group').first().getAttribute('data-group'))!;
    const team = page.locator(`[data-testid="graph-group"][data-group="${name}"]`);
    expect(await team.textContent()).toContain('200 assets');
    await stack.screenshot(page, 'graph-10k-collapsed');

    // Open one group: its 200 assets, the other groups still one box each.
    const t0 = Date.now();
    await team.click();
    await expect.poll(() => page.getByTestId('graph').getAttribute('data-boxes')).toBe(String(GROUPS - 1 + PER));
    await ready(page);
    const expandMs = Date.now() - t0;
    const expandLayoutMs = Number(await page.getByTestId('graph').getAttribute('data-layout-ms'));
    // Only what is in view is in the DOM.
    const rendered = await page.getByTestId('graph-node').count();
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(PER);
    await stack.screenshot(page, 'graph-10k-expanded');

    // Search finds an asset inside a collapsed group, opens that group and zooms to it.
    await page.getByRole('button', { name: 'Collapse groups' }).click();
    await expect.poll(() => page.getByTestId('graph').getAttribute('data-boxes')).toBe(String(GROUPS));
    const t1 = Date.now();
    await page.getByLabel('Search assets').fill('g31_a150');
    await page.getByRole('button', { name: 'Find' }).click();
    const hit = page.locator('[data-testid="graph-node"][data-key="g31_a150"]');
    await hit.waitFor();
    const searchMs = Date.now() - t1;
    expect(await hit.getAttribute('class')).toContain('gn-hit');
    await stack.screenshot(page, 'graph-10k-search');

    // A focus on one asset at 10,000: depth 2 both ways.
    const t2 = Date.now();
    await page.goto(`${stack.url}/?location=ui-graph-big&focus=g20_a000&depth=2`);
    await ready(page);
    // What the API's edges say is within two steps either way (walked here on its own).
    const near = new Set(['g20_a000']);
    for (const [from, to] of [['from', 'to'], ['to', 'from']] as const) {
      let frontier = ['g20_a000'];
      for (let d = 0; d < 2; d++) {
        frontier = (api.edges as { from: string; to: string }[]).filter((e) => frontier.includes(e[from])).map((e) => e[to]);
        for (const k of frontier) near.add(k);
      }
    }
    expect(near.size).toBeGreaterThan(10);
    await expect.poll(async () => Object.keys(await shownNodes(page)).sort()).toEqual([...near].sort());
    const focusMs = Date.now() - t2;
    const focusLayoutMs = Number(await page.getByTestId('graph').getAttribute('data-layout-ms'));
    console.log(JSON.stringify({ bench: 'ui-graph', assets: 10_000, groups: GROUPS, interactiveMs, groupsRendered, expandGroupMs: expandMs, expandLayoutMs, searchMs, focusMs, focusLayoutMs }));
    expect(interactiveMs).toBeLessThan(10_000);
    await context.close();
  }, 180_000);

  it('fetched nothing from outside the Weft server and logged no errors', () => {
    expect(stack.problems).toEqual([]);
  });
});
