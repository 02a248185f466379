/**
 * Requests and backfills in Chromium against the real server and workers: a backfill of `gated`
 * over five days is listed with its progress as the API counts it, its page shows each partition's
 * outcome and follows it live, and "Cancel request" in the page cancels it (the API agrees). A
 * backfill of `stepped`, released one partition at a time by the test, moves on the page live.
 */
import { asset, daily } from '@weft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { apiPipeline, number } from '../../graphql/test/pipeline.js';
import { useUiStack, waitFor } from './harness.js';

const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'];
const pipeline = apiPipeline();
const releases = new Map<string, () => void>();
const released = new Map(DAYS.map((d) => [d, new Promise<void>((resolve) => releases.set(d, resolve))]));
const stepped = asset({ key: 'stepped', group: 'ingest', partitions: daily({ start: '2024-01-01' }), codec: number, version: 'stepped-v1', concurrency: 1, compute: async (_i, ctx) => (await released.get(ctx.partitionKey), 1) });
const stack = useUiStack({ location: 'ui-requests', definitions: [...pipeline.definitions, stepped], now: () => Date.parse('2024-01-06T00:00:00Z') });
afterAll(() => {
  pipeline.controls.openGate();
  for (const release of releases.values()) release();
});

const REQUEST = `query($id: ID!) { request(id: $id) { ... on Request { id action status done requestedBy fractionDone total partitionCount progress { fresh stale failed checkFailed running blocked missing total } } } }`;
const settled = (p: Record<string, number>) => p['total']! - p['running']! - p['stale']! - p['missing']!;

describe('requests and backfills', () => {
  it('lists a backfill of gated with its progress, shows its partitions, and cancels it from its page', async () => {
    const b = await ok(stack.url, `mutation { backfill(assetKey: "gated", partitions: { range: { first: "2024-01-01", last: "2024-01-05" } }) { __typename ... on RequestsSubmitted { requests { id } } } }`);
    const id: string = b.backfill.requests[0].id;
    const counted = await waitFor('the planner counted the backfill', async () => {
      const r = (await ok(stack.url, REQUEST, { id })).request;
      return r.progress?.total === 5 && r.progress.running === 1 && r;
    });
    expect(counted).toMatchObject({ action: 'BACKFILL', status: 'OPEN', partitionCount: 5 });

    const { page, context } = await stack.open('/requests');
    const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 7)).toEqual([`#${id}`, 'backfill', 'gated', '5', counted.requestedBy, expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/), 'open']);
    expect(await row.getByTestId('progress-text').textContent()).toBe(`${settled(counted.progress)}/5`);
    expect(await row.locator('[data-status="running"]').count()).toBe(1);
    await stack.screenshot(page, 'requests-list');

    await row.getByRole('link', { name: `#${id}` }).click();
    await page.getByTestId('request').waitFor();
    expect(await page.getByTestId('request').getAttribute('data-status')).toBe('OPEN');
    expect(await page.getByTestId('progress-text').textContent()).toBe(`${settled(counted.progress)}/5`);
    await page.getByTestId('request-live').waitFor();
    // Each partition it names, with where it stands now (as the API says).
    await expect.poll(() => page.getByTestId('outcome').count()).toBe(5);
    const shown = await page.getByTestId('outcome').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-partition'), r.getAttribute('data-status')]));
    const states = (await ok(stack.url, `{ asset(key: "gated") { ... on Asset { partitions(first: 10) { nodes { key status } } } } }`)).asset.partitions.nodes as { key: string; status: string }[];
    const camel = (s: string) => s.toLowerCase().replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
    expect(shown).toEqual(DAYS.map((d) => [d, camel(states.find((s) => s.key === d)!.status)]));
    expect(shown.filter(([, s]) => s === 'running')).toHaveLength(1);
    await stack.screenshot(page, 'request-open');

    await page.getByRole('button', { name: 'Cancel request' }).click();
    await page.getByTestId('cancel-result').waitFor();
    expect(await page.getByTestId('cancel-result').textContent()).toContain('Cancelled');
    await expect.poll(() => page.getByTestId('request').getAttribute('data-status')).toBe('CANCELLED');
    expect(await page.getByTestId('request-status').first().textContent()).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel request' }).count()).toBe(0);
    const after = (await ok(stack.url, REQUEST, { id })).request;
    expect(after).toMatchObject({ status: 'CANCELLED', done: true });
    const audit = (await ok(stack.url, `{ auditLog(first: 20) { action target } }`)).auditLog as { action: string; target: string | null }[];
    expect(audit.find((a) => a.action === 'cancel')?.target).toContain(id);
    await stack.screenshot(page, 'request-cancelled');
    // The list says so too.
    await page.getByRole('link', { name: '← Requests' }).click();
    await row.waitFor();
    expect(await row.getByTestId('request-status').textContent()).toBe('cancelled');
    await context.close();
  }, 120_000);

  it('follows a backfill live as its partitions finish one by one', async () => {
    const b = await ok(stack.url, `mutation { backfill(assetKey: "stepped", partitions: { range: { first: "2024-01-01", last: "2024-01-05" } }) { __typename ... on RequestsSubmitted { requests { id } } } }`);
    const id: string = b.backfill.requests[0].id;
    await waitFor('stepped running', async () => (await ok(stack.url, REQUEST, { id })).request.progress?.running === 1);
    const { page, context } = await stack.open(`/requests/${id}`);
    await page.getByTestId('request-live').waitFor();
    expect(await page.getByTestId('progress-text').textContent()).toBe('0/5');
    for (const i of DAYS.keys()) {
      // (Automatic work may have started any of them first: let go of the one running.)
      const running = await waitFor('a stepped partition running', async () => {
        const nodes = (await ok(stack.url, `{ asset(key: "stepped") { ... on Asset { partitions(first: 10, status: RUNNING) { nodes { key } } } } }`)).asset.partitions.nodes as { key: string }[];
        return nodes[0]?.key;
      });
      releases.get(running)!();
      // No reload: the subscription moves the bar.
      await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 20_000 }).toBe(`${i + 1}/5`);
      if (i === 2) await stack.screenshot(page, 'request-live-progress');
    }
    await expect.poll(() => page.getByTestId('request').getAttribute('data-status'), { timeout: 20_000 }).toBe('DONE');
    await expect.poll(() => page.locator('[data-testid="outcome"][data-status="fresh"]').count()).toBe(5);
    const r = (await ok(stack.url, REQUEST, { id })).request;
    expect(r).toMatchObject({ status: 'DONE', done: true, fractionDone: 1, progress: { fresh: 5, total: 5 } });
    expect(await page.getByTestId('fraction-done').textContent()).toBe('100 %');
    await context.close();
  }, 120_000);

  it('fetched nothing from outside the Weft server and logged no errors', () => {
    expect(stack.problems).toEqual([]);
  });
});
