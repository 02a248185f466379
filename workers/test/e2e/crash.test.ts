import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pgDatabase, ProvenanceStore } from '@weft/store';
import { minioClient } from '@weft/plugin-s3';
import { useBucket, useServices, useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { WeftClient } from '../../src/index.js';
import { committedSet, inFlight } from './committed-set.js';
import { pipeline } from './pipeline.js';

const db = useTestDatabase();
const temporal = useTemporal();
const bucket = useBucket();
const DAYS = 12;
const NOW = Date.parse('2024-01-13T00:00:00Z');
const SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const children: ChildProcess[] = [];

function startWorkerProcess(slowMs: number): Promise<ChildProcess> {
  const services = useServices();
  const config = {
    databaseUrl: db.url,
    temporal: { address: services.temporal.address, namespace: services.temporal.namespace },
    taskQueue: temporal.taskQueue,
    minio: services.minio.endpoint,
    bucket: bucket.bucket,
    bundlePath: services.workflowBundlePath,
    slowMs,
    now: NOW,
  };
  // The worker runs in this very process (tsx as a loader, not its CLI, which would fork a child).
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { env: { ...process.env, WEFT_E2E: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('worker ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker process exited early (${code}): ${err.slice(-2000)}`)));
  });
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await temporal.client.workflow.getHandle('weft/reconcile/crash').terminate('test over').catch(() => {});
});

describe('e2e: a worker killed mid-batch', () => {
  it('completes everything after a restart, with no lost and no duplicated materialization', async () => {
    const pool = db.pool({ max: 3 });
    try {
      const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), 'crash');
      const client = minioClient(bucket.client);
      for (let d = 0; d < DAYS; d++) for (let h = 0; h < 24; h++) await client.putObject(bucket.bucket, `readings/2024-01-${String(d + 1).padStart(2, '0')}/${String(h).padStart(2, '0')}.csv`, new TextEncoder().encode('1\n'));

      const first = await startWorkerProcess(400);
      await new WeftClient({ store, client: temporal.client, location: 'crash', taskQueue: temporal.taskQueue }).wake('started');
      await temporal.client.workflow.start('observeSource', { taskQueue: temporal.taskQueue, workflowId: temporal.workflowId('observe'), args: [{ location: 'crash', sourceKey: 'readings' }] });
      const count = async (): Promise<number> => Number((await store.db.query<{ n: string }>("SELECT count(*) AS n FROM weft_materializations WHERE asset_key = 'daily_cleaned'"))[0]?.n ?? 0);
      const deadline = Date.now() + 60_000;
      while ((await count()) < 2 && Date.now() < deadline) await sleep(50);
      const before = await count();
      expect(before).toBeGreaterThanOrEqual(2);
      expect(before).toBeLessThan(DAYS);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      // The killed worker's batches: the only partitions that may be committed by a retry.
      const killed = await inFlight(store);

      const second = await startWorkerProcess(0);
      const settled = Date.now() + 150_000;
      let states: Array<{ asset_key: string; status: string }> = [];
      while (Date.now() < settled) {
        states = await store.db.query<{ asset_key: string; status: string }>("SELECT asset_key, status FROM weft_partition_state WHERE asset_key <> 'readings'");
        if (states.length === DAYS * 2 && states.every((s) => s.status === 'fresh')) break;
        await sleep(200);
      }
      expect(states.filter((s) => s.status === 'fresh')).toHaveLength(DAYS * 2);
      // Exactly the expected set: every day of daily_cleaned and rolling_7d once (January is not
      // over: no monthly_rollup), each current, with the token a planner rebuilt from the store
      // computes again. Work done twice would be a second row of a partition.
      await sleep(500);
      const days = Array.from({ length: DAYS }, (_, d) => `2024-01-${String(d + 1).padStart(2, '0')}`);
      const definitions = pipeline({ connector: { name: 'unused', observe: async () => [], read: async () => new Uint8Array() }, start: '2024-01-01' });
      const { tokensRecomputed, retried, ...problems } = await committedSet(store, definitions, { daily_cleaned: days, rolling_7d: days }, NOW);
      expect(problems).toEqual({ missing: [], unexpected: [], duplicated: [], notCurrent: [], runningMarkers: [], wanted: [], badAttempts: [] });
      expect(tokensRecomputed).toBeGreaterThanOrEqual(DAYS * 2);
      // Only the killed batches' partitions may have been retried (attempt > 1, or failed attempts).
      expect(killed.size).toBeGreaterThan(0);
      expect(retried.filter((p) => !killed.has(p))).toEqual([]);
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    } finally {
      await pool.end();
    }
  }, 240_000);
});
