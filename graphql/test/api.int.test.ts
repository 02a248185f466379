/**
 * The GraphQL API over real HTTP, against a server wired to the real PostgreSQL store and the
 * Temporal dev server, on a pipeline run by the real workers: every query and mutation, the auth
 * matrix, hostile queries, and a subscription that reconnects and misses nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { startWeftWorker, type WeftWorker } from '@weft/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpLocation } from '../../workers/test/e2e/loop-probe.js';
import { gql, ok, subscribe } from './http.js';
import { apiPipeline, type PipelineControls } from './pipeline.js';

const db = useTestDatabase();
const temporal = useTemporal();
const objects = mkdtempSync(join(tmpdir(), 'weft-api-'));
const LOCATION = 'api';
const NOW = Date.parse('2024-01-04T00:00:00Z');
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];

let pool: ReturnType<typeof db.pool>;
let store: ProvenanceStore;
let worker: WeftWorker;
let server: ApiServer;
let controls: PipelineControls;
let url: string;
/** Secrets of tokens by name. */
const tokens: Record<string, string> = {};

async function waitFor<T>(what: string, probe: () => Promise<T | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false && value !== undefined) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await sleep(250);
  }
}

const counts = async (key: string): Promise<Record<string, number>> => (await ok(url, `query($k: String!) { asset(location: "${LOCATION}", key: $k) { ... on Asset { statusCounts { fresh missing stale running failed blocked checkFailed } } } }`, { k: key }, tokens['admin'])).asset.statusCounts;

beforeAll(async () => {
  pool = db.pool({ max: 10 });
  const sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
  store = new ProvenanceStore(sql, LOCATION);
  const pipeline = apiPipeline();
  controls = pipeline.controls;
  const taskQueue = `${temporal.taskQueue}-${LOCATION}`;
  worker = await startWeftWorker({
    location: LOCATION,
    store,
    definitions: pipeline.definitions,
    storage: fsStorage({ root: objects }),
    // (Every value goes to the folder here: the tests read its storage URI.)
    inlineValueBytes: 0,
    connection: await temporal.nativeConnection(),
    client: temporal.client,
    taskQueue,
    workflowBundle: temporal.workflowBundle,
    scheduleSources: false,
    heartbeatTimeoutMs: 3000,
    now: () => NOW,
  });
  server = await startApiServer({ db: sql, auth: 'tokens', temporal: { client: temporal.client, taskQueue: () => taskQueue }, now: () => NOW, log: () => {} });
  url = server.url;
  const roles: Record<string, Record<string, string>> = {
    admin: { '*': 'admin' },
    viewerIngest: { ingest: 'viewer' },
    operatorIngest: { ingest: 'operator' },
    adminIngest: { ingest: 'admin' },
    operatorFinance: { finance: 'operator' },
    operatorDefault: { default: 'operator' },
  };
  for (const [name, r] of Object.entries(roles)) tokens[name] = (await store.createApiToken(name, r)).secret;
}, 180_000);

afterAll(async () => {
  controls?.openGate();
  const step = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    const t = Date.now();
    await work();
    if (Date.now() - t > 5000) console.warn(`afterAll: ${what} took ${Date.now() - t} ms`);
  };
  await step('server.close', async () => server?.close());
  await step('worker.shutdown', async () => worker?.shutdown());
  await cleanUpLocation({ store, client: temporal.client, location: LOCATION, taskQueue: `${temporal.taskQueue}-${LOCATION}`, assets: [] }).catch(() => {});
  await pool?.end();
  rmSync(objects, { recursive: true, force: true });
}, 120_000);

describe('the GraphQL API on a pipeline run by the real workers', () => {
  it('takes source changes pushed through reportSourceChange, and the workers materialize downstream', async () => {
    DAYS.forEach((d, i) => controls.raw.set(d, String(i + 1)));
    const r = await ok(
      url,
      `mutation($p: [SourceChangeInput!]!) { reportSourceChange(location: "${LOCATION}", sourceKey: "raw", partitions: $p) { __typename ... on SourceChangesRecorded { changed unchanged woken } } }`,
      { p: DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: String(i + 1) } })) },
      tokens['admin'],
    );
    expect(r.reportSourceChange).toEqual({ __typename: 'SourceChangesRecorded', changed: DAYS, unchanged: 0, woken: true });
    await waitFor('clean and total fresh', async () => (await counts('clean')).fresh === 3 && (await counts('total')).fresh === 3);
    await waitFor('flaky: two fresh, one failed', async () => {
      const c = await counts('flaky');
      return c.fresh === 2 && c.failed === 1;
    });
    // The same versions again change nothing.
    const again = await ok(url, `mutation { reportSourceChange(location: "${LOCATION}", sourceKey: "raw", partitions: [{ partitionKey: "2024-01-01", version: { checksum: "1" } }]) { ... on SourceChangesRecorded { changed unchanged } } }`, {}, tokens['admin']);
    expect(again.reportSourceChange).toEqual({ changed: [], unchanged: 1 });
  }, 120_000);

  it('lists assets with filters and paging, and the asset graph with its mappings', async () => {
    const all = await ok(url, `{ assets(location: "${LOCATION}") { totalCount nodes { key kind group } } }`, {}, tokens['admin']);
    expect(all.assets.nodes.map((a: { key: string }) => a.key)).toEqual(['clean', 'flaky', 'gated', 'per_customer', 'raw', 'total']);
    expect(all.assets.nodes.find((a: { key: string }) => a.key === 'raw')).toEqual({ key: 'raw', kind: 'SOURCE', group: 'default' });
    const ingest = await ok(url, `{ assets(location: "${LOCATION}", group: "ingest") { nodes { key } } }`, {}, tokens['admin']);
    expect(ingest.assets.nodes.map((a: { key: string }) => a.key)).toEqual(['clean', 'flaky', 'gated', 'per_customer']);
    const tagged = await ok(url, `{ a: assets(tag: "core") { nodes { key } } b: assets(tag: "owner=data-eng") { nodes { key } } c: assets(keyPrefix: "fl") { nodes { key } } d: assets(kind: SOURCE) { nodes { key } } }`, {}, tokens['admin']);
    expect([tagged.a, tagged.b, tagged.c, tagged.d].map((x) => x.assets?.nodes ?? x.nodes).map((n: Array<{ key: string }>) => n.map((a) => a.key))).toEqual([['clean'], ['clean'], ['flaky'], ['raw']]);
    const page1 = await ok(url, `{ assets(location: "${LOCATION}", first: 4) { endCursor hasNextPage nodes { key } } }`, {}, tokens['admin']);
    expect(page1.assets.hasNextPage).toBe(true);
    const page2 = await ok(url, `query($after: String) { assets(location: "${LOCATION}", first: 4, after: $after) { hasNextPage nodes { key } } }`, { after: page1.assets.endCursor }, tokens['admin']);
    expect([...page1.assets.nodes, ...page2.assets.nodes].map((a: { key: string }) => a.key)).toEqual(['clean', 'flaky', 'gated', 'per_customer', 'raw', 'total']);
    expect(page2.assets.hasNextPage).toBe(false);
    const graph = await ok(url, `{ assetGraph(location: "${LOCATION}") { nodes { key } edges { from to inputName mapping { kind description cardinality } } } }`, {}, tokens['admin']);
    expect(graph.assetGraph.nodes.map((n: { key: string }) => n.key).indexOf('raw')).toBeLessThan(graph.assetGraph.nodes.map((n: { key: string }) => n.key).indexOf('clean'));
    expect(graph.assetGraph.edges).toContainEqual({ from: 'clean', to: 'total', inputName: 'last3', mapping: { kind: 'window', description: 'a rolling window of 3', cardinality: 'many' } });
    expect(graph.assetGraph.edges).toContainEqual({ from: 'raw', to: 'clean', inputName: 'raw', mapping: { kind: 'identity', description: 'the partition with the same key', cardinality: 'one' } });
  });

  it('shows one asset’s definition: partitions, inputs, dependents, checks, compute provider, code versions', async () => {
    const { asset } = await ok(
      url,
      `{ asset(location: "${LOCATION}", key: "clean") { __typename ... on Asset { key group description metadata computeProvider partitionsDefinition { kind description count } inputs { name upstream { key } mapping { kind } } downstream { assetKey inputName mapping { description } } checks { name blocking description } codeVersion codeVersionHistory { codeVersion deploymentId } deploymentId } } }`,
      {},
      tokens['admin'],
    );
    expect(asset).toMatchObject({
      __typename: 'Asset',
      key: 'clean',
      group: 'ingest',
      description: 'readings as numbers',
      metadata: { tags: ['core'], owner: 'data-eng' },
      computeProvider: 'default',
      partitionsDefinition: { kind: 'TIME', description: 'daily from 2024-01-01 (UTC)', count: 3 },
      inputs: [{ name: 'raw', upstream: { key: 'raw' }, mapping: { kind: 'identity' } }],
      checks: [{ name: 'positive', blocking: true, description: 'a reading is above zero' }],
      deploymentId: worker.deploymentId,
    });
    expect(asset.downstream.map((d: { assetKey: string }) => d.assetKey).sort()).toEqual(['flaky', 'total']);
    expect(asset.codeVersionHistory).toEqual([{ codeVersion: asset.codeVersion, deploymentId: worker.deploymentId }]);
    expect(asset.codeVersion).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pages partitions, filters them by status, and summarizes status by calendar bucket and in runs', async () => {
    const { asset } = await ok(
      url,
      `{ asset(location: "${LOCATION}", key: "flaky") { ... on Asset { statusCounts { fresh failed total } partitions(first: 2) { totalCount hasNextPage endCursor nodes { key status } } failed: partitions(status: FAILED) { totalCount nodes { key } } statusSummary { total { fresh failed } dimensions { dimension buckets { label firstKey lastKey count counts { fresh failed } } } } byMonth: statusSummary(level: MONTH) { dimensions { buckets { label count counts { failed } } } } statusRuns { truncated runs { firstKey lastKey count status } } } } }`,
      {},
      tokens['admin'],
    );
    expect(asset.statusCounts).toEqual({ fresh: 2, failed: 1, total: 3 });
    expect(asset.partitions).toMatchObject({ totalCount: 3, hasNextPage: true, nodes: [{ key: '2024-01-01', status: 'FRESH' }, { key: '2024-01-02', status: 'FAILED' }] });
    const rest = await ok(url, `query($a: String) { asset(location: "${LOCATION}", key: "flaky") { ... on Asset { partitions(first: 2, after: $a) { hasNextPage nodes { key } } } } }`, { a: asset.partitions.endCursor }, tokens['admin']);
    expect(rest.asset.partitions).toEqual({ hasNextPage: false, nodes: [{ key: '2024-01-03' }] });
    expect(asset.failed).toEqual({ totalCount: 1, nodes: [{ key: '2024-01-02' }] });
    expect(asset.statusSummary.total).toEqual({ fresh: 2, failed: 1 });
    expect(asset.statusSummary.dimensions[0].buckets.map((b: { label: string; counts: { failed: number } }) => [b.label, b.counts.failed])).toEqual([
      ['2024-01-01', 0],
      ['2024-01-02', 1],
      ['2024-01-03', 0],
    ]);
    expect(asset.byMonth.dimensions[0].buckets).toEqual([{ label: '2024-01', count: 3, counts: { failed: 1 } }]);
    expect(asset.statusRuns).toEqual({
      truncated: false,
      runs: [
        { firstKey: '2024-01-01', lastKey: '2024-01-01', count: 1, status: 'FRESH' },
        { firstKey: '2024-01-02', lastKey: '2024-01-02', count: 1, status: 'FAILED' },
        { firstKey: '2024-01-03', lastKey: '2024-01-03', count: 1, status: 'FRESH' },
      ],
    });
  });

  it('answers why a partition is the way it is: state, machine-readable reasons, attempts', async () => {
    const { partition } = await ok(
      url,
      `{ partition(location: "${LOCATION}", assetKey: "flaky", partitionKey: "2024-01-02") { __typename ... on Partition { key status failure { failureClass fingerprint message } reasons { kind description fingerprint message } attempts { status fingerprint message stack } current { id } failureLogs { attempt line level message fields cursor } } } }`,
      {},
      tokens['admin'],
    );
    expect(partition).toMatchObject({ __typename: 'Partition', key: '2024-01-02', status: 'FAILED', failure: { failureClass: 'ACTIONABLE', message: expect.stringContaining('bad row in 2024-01-02') }, current: null });
    const reason = partition.reasons.find((r: { kind: string }) => r.kind === 'FAILED');
    expect(reason.fingerprint).toBe(partition.failure.fingerprint);
    expect(reason.description).toMatch(new RegExp(`^failed: actionable failure, fingerprint ${partition.failure.fingerprint}: .*bad row in 2024-01-02`));
    expect(partition.attempts[0]).toMatchObject({ status: 'failed', fingerprint: partition.failure.fingerprint });
    // The stack trace of what the compute threw: its own message first, then the frame in the asset's module.
    expect(partition.attempts[0].stack).toMatch(/^Error: bad row in 2024-01-02: value \d+ cannot be parsed\n\s+at .*pipeline\.ts:\d+:\d+/);
    // What the failed compute logged, in order, with levels and fields.
    expect(partition.failureLogs).toEqual([
      { attempt: 1, line: 0, level: 'DEBUG', message: 'doubling', fields: { input: 2 }, cursor: '1:0' },
      { attempt: 1, line: 1, level: 'ERROR', message: 'row cannot be parsed', fields: { row: 7 }, cursor: '1:1' },
    ]);
    const paged = await ok(url, `{ partition(location: "${LOCATION}", assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { failureLogs(after: "1:0", first: 5) { message } } } }`, {}, tokens['admin']);
    expect(paged.partition.failureLogs).toEqual([{ message: 'row cannot be parsed' }]);
    const bad = await gql(url, `{ partition(location: "${LOCATION}", assetKey: "flaky", partitionKey: "2024-01-02") { ... on Partition { failureLogs(after: "x;DROP") { message } } } }`, {}, tokens['admin']);
    expect(bad.errors?.[0]?.message).toMatch(/after must be a log line's cursor \(attempt:line\)/);
  });

  it('shows materializations with full provenance, lineage up and down, and a diff after an input changes', async () => {
    const q = `query($k: String!) { partition(location: "${LOCATION}", assetKey: "clean", partitionKey: $k) { ... on Partition { status current { id token codeVersion dataVersion storageUri bytes startedAt finishedAt durationMs attempt worker computeProvider workflowId runId inputsAsOf seq becameCurrent deploymentId deployment { id } inputs { name upstreamAsset partitions { partitionKey dataVersion materialization { id } } } checks { check passed blocking message } logs { level message fields } } } } }`;
    const before = (await ok(url, q, { k: '2024-01-02' }, tokens['admin'])).partition.current;
    expect(before).toMatchObject({ codeVersion: expect.stringMatching(/^[0-9a-f]{64}$/), storageUri: expect.stringMatching(/^file:\/\//), attempt: 1, computeProvider: 'default', becameCurrent: true, deploymentId: worker.deploymentId, deployment: { id: worker.deploymentId } });
    expect(before.worker).toBeTruthy();
    expect(before.durationMs).toBeGreaterThanOrEqual(0);
    expect(before.inputs).toEqual([{ name: 'raw', upstreamAsset: 'raw', partitions: [{ partitionKey: '2024-01-02', dataVersion: expect.any(String), materialization: null }] }]);
    expect(before.checks).toEqual([{ check: 'positive', passed: true, blocking: true, message: 'value 2' }]);
    expect(before.logs).toEqual([{ level: 'INFO', message: 'parsed reading of 2024-01-02', fields: { value: 2 } }]);

    const up = await ok(url, `{ lineage(location: "${LOCATION}", assetKey: "total", partitionKey: "2024-01-03", direction: UPSTREAM, depth: 5) { ... on Lineage { root { assetKey partitionKey } nodes { assetKey partitionKey depth materialization { id } } edges { inputName } unresolved { assetKey partitionKey inputName } } } }`, {}, tokens['admin']);
    expect(up.lineage.root).toEqual({ assetKey: 'total', partitionKey: '2024-01-03' });
    expect(up.lineage.nodes.filter((n: { assetKey: string }) => n.assetKey === 'clean').map((n: { partitionKey: string }) => n.partitionKey).sort()).toEqual(DAYS);
    expect(up.lineage.unresolved.map((u: { assetKey: string }) => u.assetKey)).toEqual(['raw', 'raw', 'raw']);
    const down = await ok(url, `{ partition(location: "${LOCATION}", assetKey: "clean", partitionKey: "2024-01-01") { ... on Partition { lineage(direction: DOWNSTREAM, depth: 2) { nodes { assetKey partitionKey depth } } } } }`, {}, tokens['admin']);
    expect(down.partition.lineage.nodes.filter((n: { depth: number }) => n.depth === 1).map((n: { assetKey: string; partitionKey: string }) => `${n.assetKey} ${n.partitionKey}`).sort()).toEqual([
      'flaky 2024-01-01',
      'total 2024-01-01',
      'total 2024-01-02',
      'total 2024-01-03',
    ]);

    // The source partition changes: clean 2024-01-02 is materialized again from it.
    controls.raw.set('2024-01-02', '20');
    await ok(url, `mutation { reportSourceChange(location: "${LOCATION}", sourceKey: "raw", partitions: [{ partitionKey: "2024-01-02", version: { checksum: "20" } }]) { __typename } }`, {}, tokens['admin']);
    const after = await waitFor('clean 2024-01-02 materialized again', async () => {
      const p = (await ok(url, q, { k: '2024-01-02' }, tokens['admin'])).partition;
      return p.status === 'FRESH' && p.current.id !== before.id && p.current;
    });
    const { diff } = await ok(
      url,
      `query($f: ID!, $t: ID!) { diff(location: "${LOCATION}", from: $f, to: $t) { __typename ... on MaterializationDiff { codeChanged outputChanged changedInputs inputs { name change changedPartitions { partitionKey fromDataVersion toDataVersion } } } } }`,
      { f: before.id, t: after.id },
      tokens['admin'],
    );
    expect(diff).toMatchObject({ __typename: 'MaterializationDiff', codeChanged: false, outputChanged: true, changedInputs: ['raw'] });
    expect(diff.inputs[0].change).toBe('CHANGED');
    expect(diff.inputs[0].changedPartitions).toEqual([{ partitionKey: '2024-01-02', fromDataVersion: before.inputs[0].partitions[0].dataVersion, toDataVersion: after.inputs[0].partitions[0].dataVersion }]);
    const viaField = await ok(url, `query($id: ID!) { materialization(location: "${LOCATION}", id: $id) { ... on Materialization { previous { id } diff { outputChanged from { id } } } } }`, { id: after.id }, tokens['admin']);
    expect(viaField.materialization).toEqual({ previous: { id: before.id }, diff: { outputChanged: true, from: { id: before.id } } });
    const history = await ok(url, `{ partition(location: "${LOCATION}", assetKey: "clean", partitionKey: "2024-01-02") { ... on Partition { materializations { id } } } }`, {}, tokens['admin']);
    expect(history.partition.materializations.map((m: { id: string }) => m.id)).toEqual([after.id, before.id]);
  }, 90_000);

  it('groups failures by fingerprint and retries a fingerprint group once the code is fixed', async () => {
    // (clean 2024-01-02 changed in the test before: flaky 2024-01-02 runs again, and fails again.)
    const group = await waitFor('flaky 2024-01-02 failed again', async () => {
      const { failures } = await ok(url, `{ failures(location: "${LOCATION}") { assetKey fingerprint failureClass occurrences firstSeen lastSeen sampleMessage lastStack partitionCount partitions } }`, {}, tokens['admin']);
      const g = failures.find((f: { assetKey: string }) => f.assetKey === 'flaky');
      return g?.partitionCount === 1 && g;
    });
    expect(group.lastStack).toMatch(/^Error: bad row in 2024-01-02.*\n\s+at .*pipeline\.ts:\d+:\d+/);
    expect(group).toMatchObject({ failureClass: 'ACTIONABLE', partitionCount: 1, partitions: ['2024-01-02'], sampleMessage: expect.stringContaining('bad row') });
    expect(group.occurrences).toBeGreaterThanOrEqual(1);
    controls.flakyBroken = false;
    const retried = await ok(url, `mutation($f: String!) { retry(location: "${LOCATION}", assetKey: "flaky", fingerprint: $f) { __typename ... on RequestsSubmitted { woken requests { id action partitionKeys status requestedBy } } } }`, { f: group.fingerprint }, tokens['admin']);
    expect(retried.retry).toMatchObject({ __typename: 'RequestsSubmitted', woken: true, requests: [{ action: 'RETRY', partitionKeys: ['2024-01-02'], status: 'OPEN', requestedBy: 'token:admin' }] });
    const id = retried.retry.requests[0].id;
    await waitFor('flaky all fresh after the retry', async () => (await counts('flaky')).fresh === 3);
    const done = await waitFor('the retry request done', async () => {
      const r = (await ok(url, `query($id: ID!) { request(location: "${LOCATION}", id: $id) { ... on Request { status done total progress { fresh } fractionDone } } }`, { id }, tokens['admin'])).request;
      return r.done && r;
    });
    // (A request covers what its partitions need: flaky 2024-01-02, and clean and raw of that day.)
    expect(done).toMatchObject({ status: 'DONE', total: 3, progress: { fresh: 3 }, fractionDone: 1 });
    const none = await gql(url, `mutation { retry(location: "${LOCATION}", assetKey: "flaky", fingerprint: "nope") { __typename ... on NotFound { message } } }`, {}, tokens['admin']);
    expect(none.data?.retry).toMatchObject({ __typename: 'NotFound' });
  }, 90_000);

  it('materializes and backfills through requests, cancels an open one, and lists requests', async () => {
    const m = await ok(url, `mutation { materialize(location: "${LOCATION}", assetKeys: ["gated"], partitions: { all: true }, priority: 5) { __typename ... on RequestsSubmitted { requests { id action allPartitions priority status } } } }`, {}, tokens['admin']);
    expect(m.materialize.requests[0]).toMatchObject({ action: 'MATERIALIZE', allPartitions: true, priority: 5, status: 'OPEN' });
    const id = m.materialize.requests[0].id;
    const cancelled = await ok(url, `mutation($id: ID!) { cancelRequest(location: "${LOCATION}", id: $id) { __typename ... on Request { id status done finishedAt } } }`, { id }, tokens['admin']);
    expect(cancelled.cancelRequest).toMatchObject({ __typename: 'Request', id, status: 'CANCELLED', done: true });
    const b = await ok(url, `mutation { backfill(location: "${LOCATION}", assetKey: "clean", partitions: { range: { first: "2024-01-01", last: "2024-01-03" } }) { __typename ... on RequestsSubmitted { requests { id action partitionKeys } } } }`, {}, tokens['admin']);
    expect(b.backfill.requests[0]).toMatchObject({ action: 'BACKFILL', partitionKeys: DAYS });
    const list = await ok(url, `{ requests(location: "${LOCATION}") { id action status } }`, {}, tokens['admin']);
    expect(list.requests.map((r: { id: string }) => r.id).slice(0, 2)).toEqual([b.backfill.requests[0].id, id]);
    const open = await ok(url, `{ requests(location: "${LOCATION}", status: CANCELLED) { id } }`, {}, tokens['admin']);
    expect(open.requests).toEqual([{ id }]);
    // Bad input is a typed error that names what is wrong, and writes nothing.
    const bad = await ok(
      url,
      `mutation { a: materialize(location: "${LOCATION}", assetKeys: ["clean"], partitions: { keys: ["2024-13-01"] }) { __typename ... on InvalidPartition { assetKey partitionKey message } } b: materialize(location: "${LOCATION}", assetKeys: ["raw"], partitions: { all: true }) { __typename ... on InvalidInput { field message } } c: backfill(location: "${LOCATION}", assetKey: "clean", partitions: { range: { first: "2024-01-03", last: "2024-01-01" } }) { __typename ... on InvalidPartition { message } } d: materialize(location: "${LOCATION}", assetKeys: ["nope"], partitions: { all: true }) { __typename ... on NotFound { kind key } } e: materialize(location: "${LOCATION}", assetKeys: ["clean"], partitions: { all: true, keys: ["2024-01-01"] }) { __typename ... on InvalidInput { field } } }`,
      {},
      tokens['admin'],
    );
    expect(bad.a).toMatchObject({ __typename: 'InvalidPartition', assetKey: 'clean', partitionKey: '2024-13-01' });
    expect(bad.b).toMatchObject({ __typename: 'InvalidInput', field: 'assetKeys', message: expect.stringContaining('raw is a source') });
    expect(bad.c).toMatchObject({ __typename: 'InvalidPartition', message: expect.stringContaining('ends (2024-01-01) before it starts (2024-01-03)') });
    expect(bad.d).toEqual({ __typename: 'NotFound', kind: 'asset', key: 'nope' });
    expect(bad.e).toEqual({ __typename: 'InvalidInput', field: 'partitions' });
    const after = await ok(url, `{ requests(location: "${LOCATION}") { id } }`, {}, tokens['admin']);
    expect(after.requests).toHaveLength(list.requests.length);
    controls.openGate();
  }, 60_000);

  it('adds and removes dynamic partitions; the workers materialize the new keys', async () => {
    const added = await ok(url, `mutation { addDynamicPartitions(location: "${LOCATION}", name: "customers", keys: ["acme", "globex", "initech"]) { __typename ... on DynamicPartitionsChanged { changed keys } } }`, {}, tokens['admin']);
    expect(added.addDynamicPartitions).toEqual({ __typename: 'DynamicPartitionsChanged', changed: ['acme', 'globex', 'initech'], keys: ['acme', 'globex', 'initech'] });
    await waitFor('per_customer fresh for the three keys', async () => (await counts('per_customer')).fresh === 3);
    const removed = await ok(url, `mutation { removeDynamicPartitions(location: "${LOCATION}", name: "customers", keys: ["globex", "nobody"]) { ... on DynamicPartitionsChanged { changed keys } } }`, {}, tokens['admin']);
    expect(removed.removeDynamicPartitions).toEqual({ changed: ['globex'], keys: ['acme', 'initech'] });
    const p = await ok(url, `{ asset(location: "${LOCATION}", key: "per_customer") { ... on Asset { partitions { nodes { key status } } } } }`, {}, tokens['admin']);
    expect(p.asset.partitions.nodes).toEqual([
      { key: 'acme', status: 'FRESH' },
      { key: 'initech', status: 'FRESH' },
    ]);
    const bad = await ok(url, `mutation($bad: [String!]!) { a: addDynamicPartitions(location: "${LOCATION}", name: "vendors", keys: ["x"]) { __typename } b: addDynamicPartitions(location: "${LOCATION}", name: "customers", keys: $bad) { __typename ... on InvalidInput { message } } }`, { bad: ["a\u0000b"] }, tokens['admin']);
    expect(bad.a.__typename).toBe('NotFound');
    expect(bad.b.__typename).toBe('InvalidInput');
  }, 90_000);

  it('shows deployments, locations and the audit log; creates and revokes tokens', async () => {
    const d = await ok(url, `{ locations { name assetCount latestDeployment { id codeVersion(assetKey: "clean") } plannerCursor { cursor } } deployments(location: "${LOCATION}") { id location createdAt codeVersions } }`, {}, tokens['admin']);
    const mine = d.locations.find((l: { name: string }) => l.name === LOCATION);
    expect(mine).toMatchObject({ assetCount: 6, latestDeployment: { id: worker.deploymentId, codeVersion: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(mine.plannerCursor.cursor).toBeGreaterThan(0);
    expect(d.deployments[0]).toMatchObject({ id: worker.deploymentId, location: LOCATION });
    const created = await ok(url, `mutation { createApiToken(name: "ci", roles: { ingest: "operator" }) { __typename ... on ApiTokenCreated { secret token { id name roles revokedAt } } } }`, {}, tokens['admin']);
    const { secret, token } = created.createApiToken;
    expect(token).toMatchObject({ name: 'ci', roles: { ingest: 'operator' }, revokedAt: null });
    expect((await ok(url, '{ viewer { actor authenticated roles } }', {}, secret)).viewer).toEqual({ actor: 'token:ci', authenticated: true, roles: { ingest: 'operator' } });
    const revoked = await ok(url, `mutation($id: ID!) { revokeApiToken(id: $id) { __typename ... on ApiToken { revokedAt } } }`, { id: token.id }, tokens['admin']);
    expect(revoked.revokeApiToken.revokedAt).toBeTruthy();
    expect((await ok(url, '{ viewer { authenticated } }', {}, secret)).viewer).toEqual({ authenticated: false });
    const badRoles = await ok(url, `mutation { createApiToken(name: "x", roles: { ingest: "owner" }) { __typename ... on InvalidInput { field message } } }`, {}, tokens['admin']);
    expect(badRoles.createApiToken).toMatchObject({ __typename: 'InvalidInput', field: 'roles' });
    const { apiTokens } = await ok(url, '{ apiTokens { id name } }', {}, tokens['admin']);
    expect(JSON.stringify(apiTokens)).not.toContain(secret);
    const { auditLog } = await ok(url, '{ auditLog(first: 200) { actor action target details } }', {}, tokens['admin']);
    const actions = auditLog.map((e: { action: string }) => e.action);
    for (const a of ['report_source_change', 'retry', 'materialize', 'cancel', 'backfill', 'add_dynamic_partitions', 'remove_dynamic_partitions', 'create_token', 'revoke_token']) expect(actions).toContain(a);
    expect(auditLog.find((e: { action: string }) => e.action === 'revoke_token')).toMatchObject({ actor: 'token:admin', target: token.id });
  });
});

describe('the auth matrix: each role × each mutation × in and out of its asset group', () => {
  /** Who holds what (see beforeAll); `none` sends no token, `bogus` one that does not verify. */
  const holders: Record<string, Record<string, string>> = {
    admin: { '*': 'admin' },
    viewerIngest: { ingest: 'viewer' },
    operatorIngest: { ingest: 'operator' },
    adminIngest: { ingest: 'admin' },
    operatorFinance: { finance: 'operator' },
    operatorDefault: { default: 'operator' },
    none: {},
    bogus: {},
  };
  const rank = (role: string | undefined): number => (role === undefined ? 0 : ['viewer', 'operator', 'admin'].indexOf(role) + 1);
  const holds = (who: string, role: string, group: string): boolean => Math.max(rank(holders[who]?.[group]), rank(holders[who]?.['*'])) >= rank(role);

  /** Each mutation: what it needs on which group, and a document that succeeds for whoever may run it. */
  const mutations: Array<{ name: string; role: string; group: string; doc: () => Promise<{ query: string; variables?: Record<string, unknown> }> }> = [
    { name: 'materialize in ingest', role: 'operator', group: 'ingest', doc: async () => ({ query: `mutation { r: materialize(location: "${LOCATION}", assetKeys: ["clean"], partitions: { keys: ["2024-01-01"] }) { __typename } }` }) },
    { name: 'materialize in finance', role: 'operator', group: 'finance', doc: async () => ({ query: `mutation { r: materialize(location: "${LOCATION}", assetKeys: ["total"], partitions: { keys: ["2024-01-01"] }) { __typename } }` }) },
    { name: 'materialize across groups', role: 'operator', group: 'ingest+finance', doc: async () => ({ query: `mutation { r: materialize(location: "${LOCATION}", assetKeys: ["clean", "total"], partitions: { keys: ["2024-01-01"] }) { __typename } }` }) },
    { name: 'backfill in ingest', role: 'operator', group: 'ingest', doc: async () => ({ query: `mutation { r: backfill(location: "${LOCATION}", assetKey: "clean", partitions: { range: { first: "2024-01-01", last: "2024-01-02" } }) { __typename } }` }) },
    { name: 'backfill in finance', role: 'operator', group: 'finance', doc: async () => ({ query: `mutation { r: backfill(location: "${LOCATION}", assetKey: "total", partitions: { all: true }) { __typename } }` }) },
    { name: 'retry in ingest', role: 'operator', group: 'ingest', doc: async () => ({ query: `mutation { r: retry(location: "${LOCATION}", assetKey: "clean", partitionKey: "2024-01-01") { __typename } }` }) },
    { name: 'retry in finance', role: 'operator', group: 'finance', doc: async () => ({ query: `mutation { r: retry(location: "${LOCATION}", assetKey: "total", partitionKey: "2024-01-01") { __typename } }` }) },
    {
      name: 'cancel a request in ingest',
      role: 'operator',
      group: 'ingest',
      doc: async () => {
        const [event] = await store.submitRequest({ id: `req-matrix-${Math.random().toString(36).slice(2)}`, action: 'materialize', assetKey: 'clean', partitionKeys: ['2024-01-01'], priority: 0 });
        return { query: `mutation($id: ID!) { r: cancelRequest(location: "${LOCATION}", id: $id) { __typename } }`, variables: { id: (event as { request: { id: string } }).request.id } };
      },
    },
    {
      name: 'cancel a request in finance',
      role: 'operator',
      group: 'finance',
      doc: async () => {
        const [event] = await store.submitRequest({ id: `req-matrix-${Math.random().toString(36).slice(2)}`, action: 'materialize', assetKey: 'total', partitionKeys: ['2024-01-01'], priority: 0 });
        return { query: `mutation($id: ID!) { r: cancelRequest(location: "${LOCATION}", id: $id) { __typename } }`, variables: { id: (event as { request: { id: string } }).request.id } };
      },
    },
    { name: 'report a source change (group default)', role: 'operator', group: 'default', doc: async () => ({ query: `mutation { r: reportSourceChange(location: "${LOCATION}", sourceKey: "raw", partitions: [{ partitionKey: "2024-01-01", version: { checksum: "1" } }]) { __typename } }` }) },
    { name: 'add dynamic partitions (used in ingest)', role: 'admin', group: 'ingest', doc: async () => ({ query: `mutation { r: addDynamicPartitions(location: "${LOCATION}", name: "customers", keys: ["acme"]) { __typename } }` }) },
    { name: 'remove dynamic partitions (used in ingest)', role: 'admin', group: 'ingest', doc: async () => ({ query: `mutation { r: removeDynamicPartitions(location: "${LOCATION}", name: "customers", keys: ["nobody"]) { __typename } }` }) },
    { name: 'create a token', role: 'admin', group: '*', doc: async () => ({ query: `mutation { r: createApiToken(name: "matrix", roles: { ingest: "viewer" }) { __typename } }` }) },
    {
      name: 'revoke a token',
      role: 'admin',
      group: '*',
      doc: async () => ({ query: `mutation($id: ID!) { r: revokeApiToken(id: $id) { __typename } }`, variables: { id: (await store.createApiToken('victim', { ingest: 'viewer' })).id } }),
    },
  ];

  const cases = mutations.flatMap((m) => Object.keys(holders).map((who) => ({ ...m, who, allowed: m.group === '*' ? holds(who, m.role, '*') : m.group.split('+').every((g) => holds(who, m.role, g)) })));

  it(`answers ${cases.length} cases: Forbidden without the role, never an unauthorized success`, async () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const { query, variables } = await c.doc();
      const secret = c.who === 'none' ? undefined : c.who === 'bogus' ? 'weft_not-a-real-token' : tokens[c.who];
      const r = await gql(url, query, variables ?? {}, secret);
      const typename = (r.data as { r?: { __typename?: string } } | undefined)?.r?.__typename;
      const outcome = typename === undefined ? `errors ${JSON.stringify(r.errors)}` : typename;
      if (c.allowed && (typename === undefined || typename === 'Forbidden')) wrong.push(`${c.who} may ${c.name} but got ${outcome}`);
      if (!c.allowed && typename !== 'Forbidden') wrong.push(`${c.who} may not ${c.name} but got ${outcome}`);
    }
    expect(wrong).toEqual([]);
    expect(cases.filter((c) => c.allowed).length).toBeGreaterThan(10);
    expect(cases.filter((c) => !c.allowed).length).toBeGreaterThan(40);
  }, 120_000);

  it('reads: a viewer sees the assets of its groups only, and no token sees nothing', async () => {
    const ingest = await ok(url, `{ assets(location: "${LOCATION}") { nodes { key } } }`, {}, tokens['viewerIngest']);
    expect(ingest.assets.nodes.map((a: { key: string }) => a.key)).toEqual(['clean', 'flaky', 'gated', 'per_customer']);
    const total = await ok(url, `{ asset(location: "${LOCATION}", key: "total") { __typename } partition(location: "${LOCATION}", assetKey: "total", partitionKey: "2024-01-01") { __typename } }`, {}, tokens['viewerIngest']);
    expect(total).toEqual({ asset: { __typename: 'Forbidden' }, partition: { __typename: 'Forbidden' } });
    // Lineage of a visible partition leaves out what the viewer may not see.
    const down = await ok(url, `{ lineage(location: "${LOCATION}", assetKey: "clean", partitionKey: "2024-01-01", direction: DOWNSTREAM, depth: 2) { ... on Lineage { nodes { assetKey } } } }`, {}, tokens['viewerIngest']);
    expect(down.lineage.nodes.map((n: { assetKey: string }) => n.assetKey)).not.toContain('total');
    const failures = await ok(url, `{ failures(location: "${LOCATION}") { assetKey } requests(location: "${LOCATION}") { assetKey } }`, {}, tokens['operatorFinance']);
    expect(new Set([...failures.failures, ...failures.requests].map((x: { assetKey: string }) => x.assetKey))).toEqual(new Set(['total']));
    expect((await ok(url, `{ assets { totalCount } }`)).assets).toEqual({ totalCount: 0 });
    const anonymous = await gql(url, `{ locations { name } }`);
    expect(anonymous.data).toBeNull();
    expect(anonymous.errors?.[0]?.message).toMatch(/Unauthorized|not authorized/i);
    const admin = await gql(url, '{ apiTokens { id } auditLog { id } }', {}, tokens['adminIngest']);
    expect(admin.data).toBeNull();
    expect(admin.errors?.length).toBeGreaterThan(0);
  });
});

describe('hostile queries get clear GraphQL errors and the server stays healthy', () => {
  const healthy = async (): Promise<void> => {
    const r = await ok(url, `{ asset(location: "${LOCATION}", key: "clean") { ... on Asset { key } } }`, {}, tokens['admin']);
    expect(r.asset).toEqual({ key: 'clean' });
  };

  it('refuses deep nesting, a thousand aliases, and too many tokens', async () => {
    let nested = 'id';
    for (let i = 0; i < 12; i++) nested = `previous { ${nested} }`;
    const deep = await gql(url, `{ materialization(location: "${LOCATION}", id: "1") { ... on Materialization { ${nested} } } }`, {}, tokens['admin']);
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: viewer { actor }`).join(' ');
    const many = await gql(url, `{ ${aliases} }`, {}, tokens['admin']);
    expect(many.errors?.[0]?.message).toMatch(/aliases/i);
    const huge = await gql(url, `{ ${Array.from({ length: 9000 }, () => '__typename').join(' ')} }`, {}, tokens['admin']);
    expect(huge.errors?.[0]?.message).toMatch(/token/i);
    await healthy();
  });

  it('caps huge pages, and answers bad ids and injection attempts as typed errors', async () => {
    // A page size written in the query counts against the cost limit; one passed as a variable is capped.
    const literal = await gql(url, `{ asset(location: "${LOCATION}", key: "clean") { ... on Asset { partitions(first: 1000000000) { nodes { key } } } } }`, {}, tokens['admin']);
    expect(literal.errors?.[0]?.message).toMatch(/Cost limit/);
    const big = await ok(url, `query($n: Int) { asset(location: "${LOCATION}", key: "clean") { ... on Asset { partitions(first: $n) { nodes { key } } } } assets(first: $n) { nodes { key } } }`, { n: 1_000_000_000 }, tokens['admin']);
    expect(big.asset.partitions.nodes.length).toBeLessThanOrEqual(1000);
    expect(big.assets.nodes.length).toBeLessThanOrEqual(1000);
    const bad = await ok(
      url,
      `{ a: materialization(id: "abc") { __typename ... on InvalidInput { field message } } b: materialization(id: "999999999") { __typename ... on NotFound { kind } } c: asset(location: "${LOCATION}", key: "x'; DROP TABLE weft_events; --") { __typename ... on NotFound { message } } d: partition(location: "${LOCATION}", assetKey: "clean", partitionKey: "2024-01-01' OR '1'='1") { __typename ... on InvalidPartition { message } } e: lineage(location: "${LOCATION}", assetKey: "clean", partitionKey: "2024-01-01", depth: 1000) { __typename ... on InvalidInput { field } } f: asset(location: "nowhere", key: "clean") { __typename } }`,
      {},
      tokens['admin'],
    );
    expect(bad.a).toMatchObject({ __typename: 'InvalidInput', field: 'id' });
    expect(bad.b).toEqual({ __typename: 'NotFound', kind: 'materialization' });
    expect(bad.c.__typename).toBe('NotFound');
    expect(bad.d.__typename).toBe('InvalidPartition');
    expect(bad.e).toEqual({ __typename: 'InvalidInput', field: 'depth' });
    expect(bad.f.__typename).toBe('NotFound');
    expect((await store.eventsSince(0, 1)).length).toBe(1);
    await healthy();
  });

  it('answers malformed JSON, a missing query, unknown fields and oversized bodies with errors, not crashes', async () => {
    const post = (body: string, headers: Record<string, string> = {}) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${tokens['admin']}`, ...headers }, body });
    const malformed = await post('{"query": "{ viewer { actor } }"');
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(await malformed.json())).toMatch(/JSON/i);
    const missing = await post('{}');
    expect(missing.status).toBe(400);
    const unknown = await gql(url, '{ nothingHere }', {}, tokens['admin']);
    expect(unknown.errors?.[0]?.message).toMatch(/Cannot query field "nothingHere"/);
    expect(unknown.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const oversized = await post(JSON.stringify({ query: `{ viewer { actor } }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(oversized.status).toBe(413);
    const wrongType = await gql(url, `{ asset(location: "${LOCATION}", key: 42) { __typename } }`, {}, tokens['admin']);
    expect(wrongType.errors?.length).toBeGreaterThan(0);
    await healthy();
  });
});

describe('subscriptions over server-sent events', () => {
  it('a subscriber that disconnects and resumes from its last seq misses nothing', async () => {
    const query = `subscription($after: Float) { events(location: "${LOCATION}", after: $after, assetKeys: ["raw"]) { seq kind assetKey partitionKeys } }`;
    const start = (await store.eventsSince(0, 1_000_000)).at(-1)?.seq ?? 0;
    const first = subscribe(url, query, { after: start }, tokens['admin']);
    await sleep(300);
    controls.raw.set('2024-01-03', '30');
    await ok(url, `mutation { reportSourceChange(location: "${LOCATION}", sourceKey: "raw", partitions: [{ partitionKey: "2024-01-03", version: { checksum: "30" } }]) { __typename } }`, {}, tokens['admin']);
    const [got] = await first.next(1);
    expect(got?.data?.events).toMatchObject({ kind: 'source.observed', assetKey: 'raw', partitionKeys: ['2024-01-03'] });
    const last = got!.data.events.seq as number;
    first.close();
    // While nobody listens: two more changes.
    for (const v of ['31', '32']) {
      controls.raw.set('2024-01-03', v);
      await ok(url, `mutation($v: String!) { reportSourceChange(location: "${LOCATION}", sourceKey: "raw", partitions: [{ partitionKey: "2024-01-03", version: { checksum: $v } }]) { __typename } }`, { v }, tokens['admin']);
    }
    const resumed = subscribe(url, query, { after: last }, tokens['admin']);
    const missed = await resumed.next(2);
    resumed.close();
    const expected = (await store.eventsSince(last, 10_000)).filter((e) => e.kind === 'source.observed').map((e) => e.seq);
    expect(missed.map((m) => m.data.events.seq)).toEqual(expected.slice(0, 2));
    expect(expected).toHaveLength(2);
  }, 60_000);

  it('follows a request until it is done, and refuses a subscriber without a token', async () => {
    const m = await ok(url, `mutation { materialize(location: "${LOCATION}", assetKeys: ["clean"], partitions: { keys: ["2024-01-03"] }) { ... on RequestsSubmitted { requests { id } } } }`, {}, tokens['admin']);
    const id = m.materialize.requests[0].id;
    const follow = subscribe(url, `subscription($id: ID!) { request(location: "${LOCATION}", id: $id) { id status done } }`, { id }, tokens['admin']);
    await waitFor('the request subscription to report done', async () => follow.messages.some((x) => x.data?.request?.done === true));
    follow.close();
    const anonymous = subscribe(url, `subscription { events(location: "${LOCATION}") { seq } }`, {});
    const [refused] = await anonymous.next(1);
    anonymous.close();
    expect(refused?.errors?.[0]?.message).toMatch(/Unauthorized|not authorized/i);
  }, 60_000);
});

