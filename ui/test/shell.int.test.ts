/**
 * The UI shell in Chromium against the real server (auth on): the login page, logging in with a
 * token, client-side routes served on a pasted link, nothing fetched from outside the server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { apiPipeline } from '../../graphql/test/pipeline.js';
import { useUiStack } from './harness.js';

const pipeline = apiPipeline();
const stack = useUiStack({ location: 'ui-shell', definitions: pipeline.definitions, auth: 'tokens', now: () => Date.parse('2024-01-04T00:00:00Z') });
// Registered after the stack's hooks, so it runs before them: the gated asset lets go before the worker stops.
afterAll(() => pipeline.controls.openGate());

describe('the UI shell', () => {
  it('asks for a token, refuses a wrong one, and logs in with a right one', async () => {
    const { secret } = await stack.store.createApiToken('ui-shell-viewer', { '*': 'viewer' });
    const { page, context } = await stack.open('/failures');
    await page.getByLabel('API token').fill('weft_not_a_token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByText('did not accept that token').count()).toBe(1);
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByTestId('viewer').textContent()).toBe('token:ui-shell-viewer');
    // The pasted link's route survived the login.
    expect(new URL(page.url()).pathname).toBe('/failures');
    await stack.screenshot(page, 'shell-logged-in');
    await context.close();
  });

  it('serves index.html on client routes, the API beside it, and 404 for a missing asset file', async () => {
    const route = await fetch(`${stack.url}/assets/clean/partitions/2024-01-01`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="root">');
    expect(route.headers.get('content-security-policy')).toContain("default-src 'self'");
    const health = await fetch(`${stack.url}/health`);
    expect(health.status).toBe(200);
    const gql = await fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { authenticated } }' }) });
    expect(await gql.json()).toEqual({ data: { viewer: { authenticated: false } } });
  });

  it('fetched nothing from outside the Weft server and logged no errors', () => {
    expect(stack.problems.filter((p) => !p.includes('401'))).toEqual([]);
  });
});
