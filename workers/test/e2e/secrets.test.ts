/**
 * Secrets of plugins on the real workers, PostgreSQL and the Temporal dev server: a connector
 * configured with env('…') reads its secret at run time; when the secret ends up in what a run
 * produces (an error a driver raises with a connection string, a log line), it is redacted before
 * it reaches PostgreSQL, the compute log or Temporal's history.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, daily, definePlugin, env, forgetSecrets, secret, source, z, type Codec } from '@weft/core';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore, storageSchema } from '@weft/store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeftWorker, type WeftWorker } from '../../src/index.js';
import { cleanUpLocation } from './loop-probe.js';
import { getTableConfig } from 'drizzle-orm/pg-core';

const db = useTestDatabase();
const temporal = useTemporal();
const LOCATION = 'secrets';
const SECRET = `s3cr3t-${Math.random().toString(36).slice(2)}-value`;
const NOW = Date.parse('2024-01-03T00:00:00Z');
const objects = mkdtempSync(join(tmpdir(), 'weft-secrets-'));

const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };

/** A warehouse plugin whose connector needs a password; reading 2024-01-02 fails like a driver that echoes its URL. */
const warehouse = definePlugin({
  name: 'weft-plugin-test-warehouse',
  version: '0.1.0',
  weft: '^0.1.0',
  options: z.object({ host: z.string(), password: secret() }),
  connectors: {
    readings: {
      options: z.object({ table: z.string() }),
      create: (plugin, o, ctx) => {
        const url = `postgres://app:${ctx.resolve(plugin.password, 'password')}@${plugin.host}/${o.table}`;
        return {
          name: 'readings',
          observe: async () => [{ partitionKey: '2024-01-01', version: { checksum: 'v1' } }, { partitionKey: '2024-01-02', version: { checksum: 'v1' } }],
          read: async (key) => {
            if (key === '2024-01-02') throw new Error(`connection to ${url} refused for partition ${key}`);
            return new TextEncoder().encode('7');
          },
        };
      },
    },
  },
});

let pool: ReturnType<typeof db.pool>;
let store: ProvenanceStore;
let worker: WeftWorker;
const taskQueue = () => `${temporal.taskQueue}-${LOCATION}`;

beforeAll(async () => {
  process.env['WEFT_E2E_WAREHOUSE_PASSWORD'] = SECRET;
  pool = db.pool({ max: 6 });
  const sql = pgDatabase(pool, { ownsPool: false });
  await migrate(sql);
  store = new ProvenanceStore(sql, LOCATION);
  const plugin = warehouse({ host: 'db.internal', password: env('WEFT_E2E_WAREHOUSE_PASSWORD') });
  const days = daily({ start: '2024-01-01' });
  const raw = source({ key: 'wh_raw', partitions: days, observe: plugin.connectors.readings({ table: 'readings' }) });
  const doubled = asset({
    key: 'wh_doubled',
    partitions: days,
    inputs: { raw },
    codec: number,
    retry: { maximumAttempts: 1 },
    compute: ({ raw: bytes }, ctx) => {
      // A careless debug line with the connection string in it.
      ctx.log(`connected with password ${SECRET}`, { dsn: `postgres://app:${SECRET}@db.internal` });
      return Number(new TextDecoder().decode(bytes)) * 2;
    },
  });
  worker = await startWeftWorker({
    location: LOCATION,
    store,
    definitions: [raw, doubled],
    storage: fsStorage({ root: objects }),
    connection: await temporal.nativeConnection(),
    client: temporal.client,
    taskQueue: taskQueue(),
    workflowBundle: temporal.workflowBundle,
    scheduleSources: false,
    now: () => NOW,
  });
}, 180_000);

afterAll(async () => {
  await worker?.shutdown();
  await cleanUpLocation({ store, client: temporal.client, location: LOCATION, taskQueue: taskQueue(), assets: [] }).catch(() => {});
  await pool?.end();
  rmSync(objects, { recursive: true, force: true });
  delete process.env['WEFT_E2E_WAREHOUSE_PASSWORD'];
  forgetSecrets();
}, 120_000);

describe('secrets of plugins', () => {
  it('are read at run time and never reach PostgreSQL, the compute log or Temporal history', async () => {
    await temporal.client.workflow.start('observeSource', { taskQueue: taskQueue(), workflowId: temporal.workflowId('observe-secrets'), args: [{ location: LOCATION, sourceKey: 'wh_raw' }] });
    const deadline = Date.now() + 90_000;
    let states: Array<{ partition_key: string; status: string }> = [];
    while (Date.now() < deadline) {
      states = await store.db.query<{ partition_key: string; status: string }>("SELECT partition_key, status FROM weft_partition_state WHERE location = $1 AND asset_key = 'wh_doubled' ORDER BY 1", [LOCATION]);
      if (states.length === 2 && states[0]?.status === 'fresh' && states[1]?.status === 'failed') break;
      await sleep(250);
    }
    expect(states).toEqual([
      { partition_key: '2024-01-01', status: 'fresh' },
      { partition_key: '2024-01-02', status: 'failed' },
    ]);

    // Every row of every Weft table, as text: the secret is nowhere, its redaction is.
    let everything = '';
    for (const table of Object.values(storageSchema.schema)) {
      const name = getTableConfig(table).name;
      const rows = await store.db.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
      everything += rows.map((r) => r.row).join('\n');
    }
    // bytea columns print as hex: look for the hex of the secret too.
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(SECRET).toString('hex'));
    expect(everything).toContain(Buffer.from('postgres://app:[redacted]@db.internal/readings').toString('hex'));
    const [failure] = await store.db.query<{ failure: { message: string } }>("SELECT failure FROM weft_partition_state WHERE location = $1 AND asset_key = 'wh_doubled' AND partition_key = '2024-01-02'", [LOCATION]);
    expect(failure?.failure.message).toContain('connection to postgres://app:[redacted]@db.internal/readings refused');
    const [fresh] = await store.db.query<{ token: string }>("SELECT token FROM weft_partition_state WHERE location = $1 AND asset_key = 'wh_doubled' AND partition_key = '2024-01-01'", [LOCATION]);
    const logs = await store.explorer.logs([fresh!.token]);
    expect(logs.get(fresh!.token)?.map((l) => [l.message, l.fields])).toEqual([['connected with password [redacted]', { dsn: 'postgres://app:[redacted]@db.internal' }]]);

    // Temporal's history of every workflow of this location: payloads, failures, results.
    let histories = '';
    for await (const wf of temporal.client.workflow.list({ query: `TaskQueue = '${taskQueue()}' OR TaskQueue STARTS_WITH '${taskQueue()}'` })) {
      histories += JSON.stringify(await temporal.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory());
    }
    expect(histories.length).toBeGreaterThan(1000);
    const decoded = histories.replace(/"data":"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
    expect(decoded).not.toContain(SECRET);
    expect(histories).not.toContain(SECRET);
  }, 150_000);
});
