/**
 * Failure triage in Chromium against the real server and workers: flaky fails on 2024-01-02, the
 * page shows that group (fingerprint, count, partition, message, stack trace) as the API has it; once the code
 * is fixed, "Retry group" in the page recomputes the partition and the group leaves the page.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { apiPipeline } from '../../graphql/test/pipeline.js';
import { useUiStack, waitFor } from './harness.js';

const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const pipeline = apiPipeline();
const stack = useUiStack({ location: 'ui-triage', definitions: pipeline.definitions, now: () => Date.parse('2024-01-04T00:00:00Z') });
afterAll(() => pipeline.controls.openGate());

const counts = async (key: string) => (await ok(stack.url, `query($k: String!) { asset(key: $k) { ... on Asset { statusCounts { fresh failed missing running stale blocked checkFailed } } } }`, { k: key })).asset.statusCounts;

describe('failure triage', () => {
  it('shows the group of flaky 2024-01-02 as the API has it, and a retry from the page fixes it', async () => {
    for (const [i, d] of DAYS.entries()) pipeline.controls.raw.set(d, String(i + 1));
    await ok(stack.url, `mutation($p: [SourceChangeInput!]!) { reportSourceChange(sourceKey: "raw", partitions: $p) { __typename } }`, { p: DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: String(i + 1) } })) });
    const group = await waitFor('flaky 2024-01-02 failed', async () => {
      const { failures } = await ok(stack.url, `{ failures(onlyCurrent: true) { assetKey fingerprint failureClass occurrences partitionCount partitions sampleMessage firstSeen lastSeen } }`);
      const g = failures.find((f: { assetKey: string }) => f.assetKey === 'flaky');
      return g?.partitionCount === 1 && g;
    });
    expect(group).toMatchObject({ failureClass: 'ACTIONABLE', partitions: ['2024-01-02'] });
    await waitFor('flaky 01-01 and 01-03 fresh', async () => (await counts('flaky')).fresh === 2);

    const { page, context } = await stack.open('/failures');
    const row = page.locator(`[data-testid="failure-group"][data-fingerprint="${group.fingerprint}"]`);
    await row.waitFor();
    expect(await page.locator('[data-testid="failure-group"]').count()).toBe(1);
    expect(await row.getAttribute('data-asset')).toBe('flaky');
    expect(await row.getByTestId('fingerprint').textContent()).toBe(group.fingerprint);
    expect(await row.getByTestId('occurrences').textContent()).toBe(String(group.occurrences));
    expect(await row.getByTestId('partition-count').textContent()).toBe('1');
    expect(await row.textContent()).toContain('actionable');
    expect(await row.textContent()).toContain(group.sampleMessage);
    // Expanded: the partition (a link to its forensics) and the latest attempt's message and log.
    await row.getByRole('button', { name: /^Expand flaky/ }).click();
    const partitions = page.getByTestId('failure-partitions').getByRole('link');
    expect(await partitions.allTextContents()).toEqual(['2024-01-02']);
    expect(await partitions.first().getAttribute('href')).toBe('/assets/flaky/partitions/2024-01-02');
    const trace = page.getByTestId('failure-trace');
    await trace.waitFor();
    const partition = (await ok(stack.url, `{ partition(assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { failure { message fingerprint } } } }`)).partition;
    expect(partition.failure.fingerprint).toBe(group.fingerprint);
    expect(await trace.textContent()).toBe(partition.failure.message);
    expect(await trace.textContent()).toContain('bad row in 2024-01-02: value 2 cannot be parsed');
    expect(await page.getByTestId('failure-log').textContent()).toContain('row cannot be parsed');
    // The stack trace of what the compute threw, as the API keeps it: the message, then the asset module's frame.
    const attempts = (await ok(stack.url, `{ partition(assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { attempts { status stack } } } }`)).partition.attempts as Array<{ status: string; stack: string | null }>;
    const thrown = attempts.find((a) => a.status === 'failed')?.stack ?? '';
    expect(thrown).toMatch(/^Error: bad row in 2024-01-02: value 2 cannot be parsed\n\s+at .*pipeline\.ts:\d+:\d+/);
    expect(await page.getByTestId('failure-stack').textContent()).toBe(thrown);
    await stack.screenshot(page, 'triage-failures');

    // Fix the code, retry the group from the page.
    pipeline.controls.flakyBroken = false;
    await row.getByRole('button', { name: 'Retry group' }).click();
    // The click submitted a retry of exactly that partition (the server says so; nothing else retries an actionable failure).
    const retried = await waitFor('the retry request from the page', async () => {
      const reqs = (await ok(stack.url, `{ requests(assetKey: "flaky") { id action partitionKeys } }`)).requests as Array<{ id: string; action: string; partitionKeys: string[] }>;
      return reqs.find((r) => r.action === 'RETRY');
    });
    expect(retried.partitionKeys).toEqual(['2024-01-02']);
    // Its answer on the page (a live re-render of the list may replace the row that showed it).
    const result = page.getByTestId('retry-result');
    if (await result.isVisible()) expect(await result.textContent()).toMatch(/Retry submitted.*request req-[0-9a-f]+.*for 1 partition \(2024-01-02\)/);
    await waitFor('flaky all fresh after the retry', async () => (await counts('flaky')).fresh === 3);
    const after = (await ok(stack.url, `{ partition(assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { status failure { message } current { dataVersion } } } failures(onlyCurrent: true) { assetKey } }`));
    expect(after.partition).toMatchObject({ status: 'FRESH', failure: null });
    expect(after.failures).toEqual([]);
    // The live events take the group off the page without a reload.
    await page.getByTestId('no-failures').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="failure-group"]').count()).toBe(0);
    await stack.screenshot(page, 'triage-after-retry');
    // The audit log names the retry the page sent.
    const audit = (await ok(stack.url, `{ auditLog(first: 20) { action target details } }`)).auditLog as { action: string; target: string | null }[];
    expect(audit.some((a) => a.action === 'retry')).toBe(true);
    // With the history switch on, the group shows again (no partition fails with it now).
    const history = page.getByLabel('include groups no partition fails with any more');
    await history.click();
    await expect.poll(() => history.isChecked()).toBe(true);
    await row.waitFor();
    expect(await row.getByTestId('partition-count').textContent()).toBe('0');
    expect(await row.getByRole('button', { name: 'Retry group' }).count()).toBe(0);
    await context.close();
  }, 120_000);

  it('fetched nothing from outside the Weft server and logged no errors', () => {
    expect(stack.problems).toEqual([]);
  });
});
