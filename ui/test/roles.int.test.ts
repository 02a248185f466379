/**
 * Controls by role in Chromium, auth on: a viewer sees no mutation control on the graph, failures,
 * requests and asset pages, and a mutation forged from the page with the viewer's token is refused
 * (Forbidden) with nothing done (audit log, partition and request state unchanged). An operator of
 * `ingest` (viewer of `finance`) sees Retry for flaky and Cancel for an ingest request, not for a
 * finance one.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { apiPipeline } from '../../graphql/test/pipeline.js';
import { useUiStack, waitFor } from './harness.js';

const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const pipeline = apiPipeline();
const stack = useUiStack({ location: 'ui-roles', definitions: pipeline.definitions, auth: 'tokens', now: () => Date.parse('2024-01-06T00:00:00Z') });
afterAll(() => pipeline.controls.openGate());

const MUTATION_BUTTONS = /^(Materialize|Backfill|Retry|Cancel)/i;
let admin = '';
let fingerprint = '';
let gatedRequest = '';
let totalRequest = '';

async function mutationButtons(page: Page): Promise<string[]> {
  return (await page.getByRole('button').allTextContents()).map((t) => t.trim()).filter((t) => MUTATION_BUTTONS.test(t));
}

beforeAll(async () => {
  admin = (await stack.store.createApiToken('ui-roles-admin', { '*': 'admin' })).secret;
  for (const [i, d] of DAYS.entries()) pipeline.controls.raw.set(d, String(i + 1));
  await ok(stack.url, `mutation($p: [SourceChangeInput!]!) { reportSourceChange(sourceKey: "raw", partitions: $p) { __typename } }`, { p: DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: String(i + 1) } })) }, admin);
  const group = await waitFor('flaky 2024-01-02 failed', async () => {
    const { failures } = await ok(stack.url, `{ failures(onlyCurrent: true) { assetKey fingerprint partitionCount } }`, {}, admin);
    return failures.find((f: { assetKey: string; partitionCount: number }) => f.assetKey === 'flaky' && f.partitionCount === 1);
  });
  fingerprint = group.fingerprint;
  // Two open requests: gated (ingest, its compute waits) and total (finance, its upstream is missing on those days).
  const b = await ok(stack.url, `mutation { g: backfill(assetKey: "gated", partitions: { range: { first: "2024-01-01", last: "2024-01-03" } }) { ... on RequestsSubmitted { requests { id } } } t: backfill(assetKey: "total", partitions: { range: { first: "2024-01-04", last: "2024-01-05" } }) { ... on RequestsSubmitted { requests { id } } } }`, {}, admin);
  gatedRequest = b.g.requests[0].id;
  totalRequest = b.t.requests[0].id;
}, 120_000);

const state = async () =>
  ok(
    stack.url,
    `query($g: ID!, $t: ID!) { flaky: partition(assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { status failure { fingerprint } attempts { attempt } } } g: request(id: $g) { ... on Request { status } } t: request(id: $t) { ... on Request { status } } auditLog(first: 100) { id action actor } }`,
    { g: gatedRequest, t: totalRequest },
    admin,
  );

describe('controls by role', () => {
  it('shows a viewer no mutation control, and refuses a mutation forged from the page', async () => {
    const { secret } = await stack.store.createApiToken('ui-roles-viewer', { '*': 'viewer' });
    const { page, context } = await stack.open('/', { token: secret });
    await expect.poll(() => page.getByTestId('viewer').textContent()).toBe('token:ui-roles-viewer');
    await page.locator('[data-testid="graph"][data-ready="true"]').waitFor();
    await expect.poll(() => page.getByTestId('graph-node').count()).toBe(6);
    expect(await mutationButtons(page)).toEqual([]);

    await page.goto(`${stack.url}/failures`);
    const row = page.locator(`[data-testid="failure-group"][data-fingerprint="${fingerprint}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: /^Expand/ }).click();
    await page.getByTestId('failure-trace').waitFor();
    expect(await mutationButtons(page)).toEqual([]);
    await stack.screenshot(page, 'roles-viewer-failures');

    await page.goto(`${stack.url}/requests`);
    await page.locator(`[data-testid="request-row"][data-id="${gatedRequest}"]`).waitFor();
    expect(await page.getByTestId('request-row').count()).toBe(2);
    expect(await mutationButtons(page)).toEqual([]);
    for (const id of [gatedRequest, totalRequest]) {
      await page.goto(`${stack.url}/requests/${id}`);
      await page.locator('[data-testid="request"][data-status="OPEN"]').waitFor();
      await expect.poll(() => page.getByTestId('outcome').count()).toBeGreaterThan(0);
      expect(await mutationButtons(page)).toEqual([]);
    }
    await stack.screenshot(page, 'roles-viewer-request');

    // The asset page (its own helper's), once rendered: no Materialize / Backfill / Retry either.
    await page.goto(`${stack.url}/assets/flaky`);
    await page.getByText('flaky').first().waitFor();
    // (Its live connection never lets the network idle: wait until nothing says it is loading.)
    await expect.poll(() => page.locator('.loading').count(), { timeout: 20_000 }).toBe(0);
    await page.waitForTimeout(500);
    expect(await mutationButtons(page)).toEqual([]);

    // Forged from the page's own context with the viewer's token: refused, nothing done.
    const before = await state();
    const forged = await page.evaluate(
      async ({ token, fingerprint, gated }) => {
        const post = async (query: string, variables: Record<string, unknown>) =>
          (await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json();
        return {
          retry: await post(`mutation($f: String!) { retry(assetKey: "flaky", fingerprint: $f) { __typename ... on Forbidden { message } } }`, { f: fingerprint }),
          cancel: await post(`mutation($id: ID!) { cancelRequest(id: $id) { __typename ... on Forbidden { message } } }`, { id: gated }),
          backfill: await post(`mutation { backfill(assetKey: "clean", partitions: { all: true }) { __typename } }`, {}),
        };
      },
      { token: secret, fingerprint, gated: gatedRequest },
    );
    expect(forged.retry.data.retry.__typename).toBe('Forbidden');
    expect(forged.cancel.data.cancelRequest.__typename).toBe('Forbidden');
    expect(forged.backfill.data.backfill.__typename).toBe('Forbidden');
    const after = await state();
    expect(after.flaky).toEqual(before.flaky);
    expect(after.flaky.status).toBe('FAILED');
    expect(after.g.status).toBe('OPEN');
    expect(after.auditLog).toEqual(before.auditLog);
    expect(after.auditLog.filter((a: { actor: string }) => a.actor === 'token:ui-roles-viewer')).toEqual([]);
    const requests = (await ok(stack.url, `{ requests { id } }`, {}, admin)).requests;
    expect(requests).toHaveLength(2);
    await context.close();
  }, 120_000);

  it('shows an operator of ingest Retry for flaky and Cancel for an ingest request, not for a finance one', async () => {
    const { secret } = await stack.store.createApiToken('ui-roles-operator', { ingest: 'operator', finance: 'viewer' });
    const { page, context } = await stack.open('/failures', { token: secret });
    const row = page.locator(`[data-testid="failure-group"][data-fingerprint="${fingerprint}"]`);
    await row.waitFor();
    expect(await row.getByRole('button', { name: 'Retry group' }).count()).toBe(1);
    await stack.screenshot(page, 'roles-operator-failures');

    await page.goto(`${stack.url}/requests/${gatedRequest}`);
    await page.locator('[data-testid="request"][data-status="OPEN"]').waitFor();
    expect(await mutationButtons(page)).toEqual(['Cancel request']);
    await page.goto(`${stack.url}/requests/${totalRequest}`);
    await page.locator('[data-testid="request"][data-status="OPEN"]').waitFor();
    await expect.poll(() => page.getByTestId('outcome').count()).toBe(2);
    expect(await mutationButtons(page)).toEqual([]);
    await stack.screenshot(page, 'roles-operator-finance-request');
    // The server agrees: cancelling the finance request is Forbidden for this token.
    const r = await ok(stack.url, `mutation($id: ID!) { cancelRequest(id: $id) { __typename } }`, { id: totalRequest }, secret);
    expect(r.cancelRequest.__typename).toBe('Forbidden');
    await context.close();
  }, 120_000);

  it('fetched nothing from outside the Weft server and logged no errors', () => {
    expect(stack.problems).toEqual([]);
  });
});
