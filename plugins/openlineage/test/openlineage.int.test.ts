/**
 * The openlineage plugin with the real workers, PostgreSQL and the Temporal dev server, sending to
 * a local Marquez-like endpoint (POST /api/v1/lineage): START and COMPLETE or FAIL for every
 * materialization, all valid; an endpoint that is down fails nothing and loses nothing; a full
 * queue spills to a file and is sent from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, check, daily, source, type Codec, type MaterializationEvent, type SourceConnector } from '@weft/core';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { startWeftWorker, type WeftWorker } from '@weft/workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpLocation } from '../../../workers/test/e2e/loop-probe.js';
import { httpTransport, openlineage, openLineageEmitter, type RunEvent } from '../src/index.js';
import { problemsOf } from './schema.js';

interface Marquez {
  readonly url: string;
  readonly events: RunEvent[];
  down: boolean;
  close(): Promise<void>;
}

async function marquez(): Promise<Marquez> {
  const state = { events: [] as RunEvent[], down: false };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/v1/lineage') return void res.writeHead(404).end();
      if (state.down) return void res.writeHead(503).end('maintenance');
      state.events.push(JSON.parse(body) as RunEvent);
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return Object.assign(state, { url: `http://127.0.0.1:${port}/api/v1/lineage`, close: () => new Promise<void>((r) => server.close(() => r())) });
}

const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];

describe('openlineage on the real workers', () => {
  const db = useTestDatabase();
  const temporal = useTemporal();
  const LOCATION = 'openlineage';
  const objects = mkdtempSync(join(tmpdir(), 'weft-ol-'));
  let pool: ReturnType<typeof db.pool>;
  let store: ProvenanceStore;
  let worker: WeftWorker;
  let server: Marquez;
  const taskQueue = () => `${temporal.taskQueue}-${LOCATION}`;

  beforeAll(async () => {
    server = await marquez();
    // Down at first: the materializations must not wait for it.
    server.down = true;
    pool = db.pool({ max: 6 });
    const sql = pgDatabase(pool, { ownsPool: false });
    await migrate(sql);
    store = new ProvenanceStore(sql, LOCATION);
    const connector: SourceConnector = { name: 'mem', observe: async () => DAYS.map((d, i) => ({ partitionKey: d, version: { checksum: `v${i}` } })), read: async (k) => new TextEncoder().encode(String(DAYS.indexOf(k) + 1)) };
    const days = daily({ start: '2024-01-01' });
    const raw = source({ key: 'ol_raw', partitions: days, observe: connector });
    const doubled = asset({
      key: 'ol_doubled',
      partitions: days,
      inputs: { raw },
      codec: number,
      retry: { maximumAttempts: 1 },
      checks: [check<number>({ name: 'small', fn: (v) => ({ passed: v < 5, message: `value ${v}` }) })],
      compute: ({ raw: b }, ctx) => {
        if (ctx.partitionKey === '2024-01-02') throw new Error('bad reading on 2024-01-02');
        return Number(new TextDecoder().decode(b)) * 2;
      },
    });
    const plugin = openlineage({ transport: { type: 'http', url: server.url } });
    worker = await startWeftWorker({
      location: LOCATION,
      store,
      definitions: [raw, doubled],
      storage: fsStorage({ root: objects }),
      listeners: await plugin.listeners(),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: taskQueue(),
      workflowBundle: temporal.workflowBundle,
      scheduleSources: false,
      now: () => Date.parse('2024-01-04T00:00:00Z'),
    });
  }, 180_000);

  afterAll(async () => {
    await worker?.shutdown();
    await cleanUpLocation({ store, client: temporal.client, location: LOCATION, taskQueue: taskQueue(), assets: [] }).catch(() => {});
    await pool?.end();
    await server?.close();
    rmSync(objects, { recursive: true, force: true });
  }, 120_000);

  it('emits START and COMPLETE or FAIL for every materialization, valid, after an outage of the endpoint', async () => {
    await temporal.client.workflow.start('observeSource', { taskQueue: taskQueue(), workflowId: temporal.workflowId('observe-ol'), args: [{ location: LOCATION, sourceKey: 'ol_raw' }] });
    const deadline = Date.now() + 90_000;
    let states: Array<{ partition_key: string; status: string }> = [];
    while (Date.now() < deadline) {
      states = await store.db.query<{ partition_key: string; status: string }>("SELECT partition_key, status FROM weft_partition_state WHERE location = $1 AND asset_key = 'ol_doubled' ORDER BY 1", [LOCATION]);
      if (states.length === 3 && states.every((s) => s.status === 'fresh' || s.status === 'failed')) break;
      await sleep(200);
    }
    // The endpoint was down the whole time: the partitions settled anyway.
    expect(states.map((s) => s.status)).toEqual(['fresh', 'failed', 'fresh']);
    expect(server.events).toEqual([]);
    server.down = false;
    const until = Date.now() + 60_000;
    while (server.events.length < 6 && Date.now() < until) await sleep(200);
    const byPartition = (p: string) => server.events.filter((e) => (e['outputs'] as Array<{ facets: { weft_partition: { partitionKey: string } } }>)[0]!.facets.weft_partition.partitionKey === p).map((e) => e.eventType);
    expect(byPartition('2024-01-01')).toEqual(['START', 'COMPLETE']);
    expect(byPartition('2024-01-02')).toEqual(['START', 'FAIL']);
    expect(byPartition('2024-01-03')).toEqual(['START', 'COMPLETE']);
    for (const e of server.events) expect(problemsOf(e)).toEqual([]);
    // (A batch computes its partitions at once: which completes first is not fixed. 2024-01-01's.)
    const partitionOf = (e: (typeof server.events)[number]) => (e['outputs'] as Array<{ facets: { weft_partition: { partitionKey: string } } }>)[0]!.facets.weft_partition.partitionKey;
    const complete = server.events.find((e) => e.eventType === 'COMPLETE' && partitionOf(e) === '2024-01-01')!;
    const [mat] = await store.db.query<{ token: string; data_version: string; run_id: string; workflow_id: string }>("SELECT token, data_version, run_id, workflow_id FROM weft_materializations WHERE asset_key = 'ol_doubled' AND partition_key = '2024-01-01'");
    expect(complete).toMatchObject({
      job: { namespace: 'weft://openlineage', name: 'ol_doubled' },
      run: { facets: { weft_run: { token: mat!.token, location: LOCATION }, parent: { run: { runId: mat!.run_id }, job: { name: mat!.workflow_id } } } },
      inputs: [{ name: 'ol_raw', facets: { weft_read: { input: 'raw', isSource: true, partitions: [{ partitionKey: '2024-01-01' }] } } }],
      outputs: [{ facets: { version: { datasetVersion: mat!.data_version }, dataQualityAssertions: { assertions: [{ assertion: 'small', success: true }] } } }],
    });
    const failed = server.events.find((e) => e.eventType === 'FAIL')!;
    expect(failed.run.facets).toMatchObject({ errorMessage: { message: expect.stringContaining('bad reading on 2024-01-02') } });
  }, 150_000);
});

describe('the emitter', () => {
  const event = (i: number): MaterializationEvent => ({ kind: 'start', at: 1_700_000_000_000 + i, location: 'l', assetKey: 'a', partitionKey: String(i), token: 'ab'.repeat(32), attempt: 1, window: undefined, codeVersion: 'c', deploymentId: 'd', worker: 'w', computeProvider: 'default', workflowId: null, runId: null, inputs: [] });

  it('spills what does not fit in its queue to a file, and sends all of it in order once the endpoint is back', async () => {
    const server = await marquez();
    const dir = mkdtempSync(join(tmpdir(), 'weft-ol-spill-'));
    try {
      server.down = true;
      const emitter = openLineageEmitter({ transport: httpTransport({ url: server.url }), queueSize: 20, spillPath: join(dir, 'spill.jsonl'), retryMs: [20, 100] });
      const started = performance.now();
      for (let i = 0; i < 200; i++) await emitter.onEvent(event(i));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(emitter.pending()).toBe(200);
      await sleep(300);
      expect(server.events).toHaveLength(0);
      server.down = false;
      expect(await emitter.flush(30_000)).toBe(true);
      expect(server.events.map((e) => (e['outputs'] as Array<{ facets: { weft_partition: { partitionKey: string } } }>)[0]!.facets.weft_partition.partitionKey)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
      expect(emitter.stats()).toMatchObject({ sent: 200, dropped: 0 });
      await emitter.close();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves what it could not send in the spill file on close, and the next emitter sends it', async () => {
    const server = await marquez();
    const dir = mkdtempSync(join(tmpdir(), 'weft-ol-close-'));
    const spillPath = join(dir, 'spill.jsonl');
    try {
      server.down = true;
      const first = openLineageEmitter({ transport: httpTransport({ url: server.url }), spillPath, retryMs: [20, 50] });
      for (let i = 0; i < 5; i++) await first.onEvent(event(i));
      await first.close();
      server.down = false;
      const second = openLineageEmitter({ transport: httpTransport({ url: server.url }), spillPath, retryMs: [20, 50] });
      await second.onEvent(event(5));
      const until = Date.now() + 10_000;
      while (server.events.length < 6 && Date.now() < until) await sleep(50);
      expect(server.events.map((e) => (e['outputs'] as Array<{ facets: { weft_partition: { partitionKey: string } } }>)[0]!.facets.weft_partition.partitionKey).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
      await second.close();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
