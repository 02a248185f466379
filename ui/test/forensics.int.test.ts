/**
 * Partition forensics in Chromium against the real server and workers: after a source change of
 * raw 2024-01-02, the page of total 2024-01-03 shows the provenance tree with clean 2024-01-02's
 * new data version, and the diff against the previous materialization says: code unchanged, input
 * `last3` changed partition 2024-01-02 (old → new data versions as the API says), output changed.
 */
import { dataVersionOf } from '@weft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ok } from '../../graphql/test/http.js';
import { apiPipeline } from '../../graphql/test/pipeline.js';
import { useUiStack, waitFor } from './harness.js';

const pipeline = apiPipeline();
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const stack = useUiStack({ location: 'ui-forensics', definitions: pipeline.definitions, now: () => Date.parse('2024-01-04T00:00:00Z') });
afterAll(() => pipeline.controls.openGate());

const PARTITION = `query($a: String!, $p: String!) { partition(assetKey: $a, partitionKey: $p) { ... on Partition { status current { id dataVersion codeVersion } materializations { id } } } }`;
const partition = async (a: string, p: string) => (await ok(stack.url, PARTITION, { a, p })).partition;

describe('partition forensics', () => {
  it('shows the provenance and the diff of total 2024-01-03 after raw 2024-01-02 changed', async () => {
    DAYS.forEach((d, i) => pipeline.controls.raw.set(d, String(i + 1)));
    await ok(stack.url, `mutation($p: [SourceChangeInput!]!) { reportSourceChange(sourceKey: "raw", partitions: $p) { __typename } }`, { p: DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: String(i + 1) } })) });
    const before = await waitFor('total 2024-01-03 fresh', async () => {
      const p = await partition('total', '2024-01-03');
      return p.status === 'FRESH' && p.current;
    });
    const cleanBefore = (await partition('clean', '2024-01-02')).current;

    pipeline.controls.raw.set('2024-01-02', '20');
    const change = await ok(stack.url, `mutation { reportSourceChange(sourceKey: "raw", partitions: [{ partitionKey: "2024-01-02", version: { checksum: "20" } }]) { __typename ... on SourceChangesRecorded { changed } } }`);
    expect(change.reportSourceChange).toEqual({ __typename: 'SourceChangesRecorded', changed: ['2024-01-02'] });
    const after = await waitFor('total 2024-01-03 materialized again', async () => {
      const p = await partition('total', '2024-01-03');
      return p.status === 'FRESH' && p.current.id !== before.id && p.current;
    });
    const cleanAfter = (await partition('clean', '2024-01-02')).current;
    expect(cleanAfter.dataVersion).not.toBe(cleanBefore.dataVersion);
    const { diff } = await ok(stack.url, `query($f: ID!, $t: ID!) { diff(from: $f, to: $t) { ... on MaterializationDiff { codeChanged outputChanged changedInputs inputs { name change rangeFrom rangeTo addedPartitions removedPartitions changedPartitions { partitionKey fromDataVersion toDataVersion } } } } }`, { f: before.id, t: after.id });
    expect(diff).toMatchObject({ codeChanged: false, outputChanged: true, changedInputs: ['last3'] });
    expect(diff.inputs).toHaveLength(1);
    expect(diff.inputs[0]).toMatchObject({ name: 'last3', change: 'CHANGED', addedPartitions: [], removedPartitions: [] });
    // A window is read as one range (a combined hash): which partition changed is in the two materializations' reads.
    const reads = async (id: string) => {
      const { lineage } = await ok(stack.url, `query($m: ID!) { lineage(assetKey: "total", partitionKey: "2024-01-03", depth: 1, materializationId: $m) { ... on Lineage { nodes { depth partitionKey dataVersion } } } }`, { m: id });
      return new Map<string, string>(lineage.nodes.filter((n: { depth: number }) => n.depth === 1).map((n: { partitionKey: string; dataVersion: string }) => [n.partitionKey, n.dataVersion]));
    };
    const [readBefore, readAfter] = [await reads(before.id), await reads(after.id)];
    expect([...readAfter.keys()].sort()).toEqual(DAYS);
    const apiChange = DAYS.filter((d) => readBefore.get(d) !== readAfter.get(d)).map((d) => ({ partitionKey: d, fromDataVersion: readBefore.get(d), toDataVersion: readAfter.get(d) }));
    expect(apiChange).toEqual([{ partitionKey: '2024-01-02', fromDataVersion: cleanBefore.dataVersion, toDataVersion: cleanAfter.dataVersion }]);

    const { page, context } = await stack.open('/assets/total/partitions/2024-01-03');
    // The state.
    await expect.poll(() => page.getByTestId('state').getAttribute('data-status')).toBe('FRESH');
    expect(await page.getByTestId('data-version').getAttribute('title')).toBe(after.dataVersion);
    // The provenance tree: the root, clean's three partitions, clean 2024-01-02 at its new data version, and raw below it.
    const root = page.locator('[data-testid="prov-node"][data-depth="0"]');
    await expect.poll(() => root.getAttribute('data-data-version')).toBe(after.dataVersion);
    expect(await root.getAttribute('data-asset')).toBe('total');
    const clean = page.locator('[data-testid="prov-node"][data-asset="clean"]');
    await expect.poll(() => clean.count()).toBe(3);
    expect((await clean.evaluateAll((els) => els.map((e) => e.getAttribute('data-partition')))).sort()).toEqual(DAYS);
    const clean2 = page.locator('[data-testid="prov-node"][data-asset="clean"][data-partition="2024-01-02"]');
    expect(await clean2.getAttribute('data-data-version')).toBe(cleanAfter.dataVersion);
    expect(await clean2.getAttribute('data-code-version')).toBe(cleanAfter.codeVersion);
    expect(await clean2.locator('[data-testid="prov-source"][data-asset="raw"]').getAttribute('data-partition')).toBe('2024-01-02');
    // The history lists both materializations, newest first; the diff is against the previous one.
    const history = (await partition('total', '2024-01-03')).materializations.map((m: { id: string }) => m.id);
    await expect.poll(() => page.getByTestId('history-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-materialization')))).toEqual(history);
    expect(history.slice(0, 2)).toEqual([after.id, before.id]);
    await expect.poll(() => page.getByTestId('diff-code').getAttribute('data-changed')).toBe('false');
    expect(await page.getByTestId('diff-code').textContent()).toContain('unchanged');
    expect(await page.getByTestId('diff-output').getAttribute('data-changed')).toBe('true');
    expect(await page.getByTestId('diff-inputs').getAttribute('data-changed')).toBe('last3');
    const last3 = page.locator('[data-testid="diff-input"][data-name="last3"]');
    expect(await last3.getAttribute('data-change')).toBe('CHANGED');
    const changed = last3.getByTestId('diff-changed-partition');
    expect(await changed.count()).toBe(1);
    expect({ partitionKey: await changed.getAttribute('data-partition'), fromDataVersion: await changed.getAttribute('data-from'), toDataVersion: await changed.getAttribute('data-to') }).toEqual(apiChange[0]);
    // The stored value and the checks/logs panel of the shown materialization.
    // (A small value is kept inline, the worker's default: the page shows the value itself.)
    const stored = (await ok(stack.url, `query($id: ID!) { materialization(id: $id) { ... on Materialization { storageUri dataVersion inlineValue { text base64 } } } }`, { id: after.id })).materialization;
    expect(stored.storageUri).toBeNull();
    // The bytes shown are the value's: their hash is its data version.
    expect(dataVersionOf(Buffer.from(stored.inlineValue.base64, 'base64'))).toBe(stored.dataVersion);
    await expect.poll(() => page.getByTestId('inline-value').textContent()).toBe(stored.inlineValue.text);
    await stack.screenshot(page, 'forensics-total');

    // clean 2024-01-02: its check and its log line, and a link up the tree works.
    await clean2.getByTestId('prov-partition-link').first().click();
    await expect.poll(() => page.getByTestId('partition-key').textContent()).toBe('2024-01-02');
    expect(new URL(page.url()).pathname).toBe('/assets/clean/partitions/2024-01-02');
    await expect.poll(() => page.locator('[data-testid="detail-check"][data-check="positive"]').getAttribute('data-passed')).toBe('true');
    await expect.poll(() => page.getByTestId('log-line').first().textContent()).toContain('parsed reading of 2024-01-02');
    expect(await page.locator('[data-testid="diff-input"][data-name="raw"]').getAttribute('data-change')).toBe('CHANGED');
    await stack.screenshot(page, 'forensics-clean');

    // A failed partition: flaky 2024-01-02 shows its failure, reasons and the failed attempt's logs.
    await waitFor('flaky 2024-01-02 failed', async () => (await partition('flaky', '2024-01-02')).status === 'FAILED');
    await page.goto(`${stack.url}/assets/flaky/partitions/2024-01-02`);
    await expect.poll(() => page.getByTestId('failure').textContent()).toContain('bad row in 2024-01-02');
    const reasons = (await ok(stack.url, `{ partition(assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { reasons { kind description } } } }`)).partition.reasons;
    expect(await page.getByTestId('reason').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(reasons.map((r: { kind: string }) => r.kind));
    await expect.poll(() => page.getByTestId('failure-logs').textContent()).toContain('row cannot be parsed');
    // The stack trace of the failed attempt (the one the failure names), frame in the asset's module included.
    await expect.poll(() => page.getByTestId('failure-stack').textContent()).toMatch(/^Error: bad row in 2024-01-02: value \d+ cannot be parsed\n\s+at .*pipeline\.ts:\d+:\d+/);
    await stack.screenshot(page, 'forensics-failed');
    await context.close();
  }, 180_000);

  it('logged no errors and fetched nothing from elsewhere', () => {
    expect(stack.problems).toEqual([]);
  });
});
