/**
 * DESIGN §6: no lost or duplicated materialization when PostgreSQL or MinIO restarts. A backfill
 * runs on its own PostgreSQL server and its own MinIO (kept folders, fixed ports, so both come back
 * where clients expect them); each goes down mid-run and comes back. Activities that meet the
 * outage fail as transient and are retried; nothing is recorded as a partition's failure.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { minioClient, s3Storage } from '@weft/plugin-s3';
import { startMinio, startPostgres, type MinioServer, type PostgresServer } from '@weft/services';
import { useTemporal } from '@weft/services/harness';
import getPort from 'get-port';
import * as Minio from 'minio';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { intCodec, slowDailyAsset } from './slow-asset.js';
import { startWeftWorker, WeftClient, type WeftWorker } from '../../src/index.js';

const temporal = useTemporal();
const dir = mkdtempSync(join(tmpdir(), 'weft-storage-restart-'));
chmodSync(dir, 0o755); // PostgreSQL runs as an unprivileged account when the tests run as root
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAYS = 10;
const LOCATION = 'storage-restart';
const BUCKET = 'values';

describe('a backfill across PostgreSQL and MinIO restarts', () => {
  it('loses nothing and duplicates nothing when the database and then the object store go down and come back', async () => {
    const pgPort = await getPort({ host: '127.0.0.1' });
    const minioPort = await getPort({ host: '127.0.0.1' });
    const secretKey = randomBytes(18).toString('base64url');
    const startDb = () => startPostgres({ databaseUrl: '', dataDir: join(dir, 'pg'), port: pgPort });
    const startObjects = () => startMinio({ dataDir: join(dir, 'minio'), port: minioPort, secretKey });
    let database: PostgresServer | undefined = await startDb();
    let objects: MinioServer | undefined = await startObjects();
    const admin = new pg.Client({ connectionString: database.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE weft');
    await admin.end();
    const pool = new pg.Pool({ connectionString: database.urlFor('weft'), max: 6 });
    const store = new ProvenanceStore(pgDatabase(pool, { ownsPool: false }), LOCATION);
    await migrate(store.db);
    const sdk = new Minio.Client({ ...objects.endpoint });
    await sdk.makeBucket(BUCKET);
    const s3 = minioClient(sdk);

    const slow = slowDailyAsset(250);
    const now = Date.parse('2024-01-11T00:00:00Z');
    let worker: WeftWorker | undefined;
    /** Materializations so far; undefined while the database is away. */
    const made = async (): Promise<number | undefined> => {
      try {
        return Number((await store.db.query<{ n: string }>("SELECT count(*) AS n FROM weft_materializations WHERE asset_key = 'slow'"))[0]?.n ?? 0);
      } catch {
        return undefined;
      }
    };
    const waitFor = async (what: string, done: () => Promise<boolean>, ms: number): Promise<void> => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (await done()) return;
        await sleep(100);
      }
      throw new Error(`timed out waiting for ${what} (${await made()} materialized)`);
    };
    try {
      worker = await startWeftWorker({
        definitions: [slow],
        location: LOCATION,
        store,
        storage: s3Storage({ bucket: BUCKET, prefix: 'v', client: s3 }),
        // (Every value goes to object storage here: the test is storage going away mid-run.)
        inlineValueBytes: 0,
        connection: await temporal.nativeConnection(),
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        workflowBundle: temporal.workflowBundle,
        heartbeatTimeoutMs: 3000,
        now: () => now,
      });
      const weft = new WeftClient({ store, client: temporal.client, location: LOCATION, taskQueue: temporal.taskQueue });
      await weft.request({ id: 'backfill', action: 'backfill', assetKey: 'slow', partitionKeys: null, priority: 5 });

      // PostgreSQL goes down mid-run (a fast shutdown: sessions are cut), and comes back 2 s later.
      await waitFor('2 materializations', async () => ((await made()) ?? 0) >= 2, 60_000);
      const beforeDb = (await made()) ?? 0;
      expect(beforeDb).toBeLessThan(DAYS);
      await database.stop();
      database = undefined;
      await sleep(2000);
      database = await startDb();
      expect(database.created).toBe(false);

      // Then MinIO: values cannot be stored or read while it is away.
      await waitFor('progress after the database came back', async () => ((await made()) ?? 0) > beforeDb, 90_000);
      const beforeObjects = (await made()) ?? 0;
      expect(beforeObjects).toBeLessThan(DAYS);
      await objects.stop();
      objects = undefined;
      await sleep(2000);
      objects = await startObjects();

      await waitFor('the backfill to finish', async () => (await store.request('backfill').catch(() => undefined))?.status === 'done', 150_000);
      expect(await store.request('backfill')).toMatchObject({ status: 'done', total: DAYS });
      expect(await made()).toBe(DAYS);
      const [dupes] = await store.db.query<{ n: string }>("SELECT count(*) - count(DISTINCT partition_key) AS n FROM weft_materializations WHERE asset_key = 'slow'");
      expect(Number(dupes?.n)).toBe(0);
      // Nothing was recorded as a partition's failure, and every value is in the object store.
      expect(await store.failureGroups('slow')).toEqual([]);
      const rows = await store.partitions('slow', { limit: 100 });
      expect(rows.map((r) => r.status)).toEqual(Array.from({ length: DAYS }, () => 'fresh'));
      const storage = s3Storage({ bucket: BUCKET, prefix: 'v', client: s3 });
      const uris = await store.db.query<{ partition_key: string; storage_uri: string }>("SELECT partition_key, storage_uri FROM weft_materializations WHERE asset_key = 'slow' ORDER BY partition_key");
      for (const u of uris) expect(intCodec.decode(await storage.get(u.storage_uri)), u.partition_key).toBe(Number(u.partition_key.slice(-2)));
    } finally {
      await temporal.client.workflow.getHandle(`weft/reconcile/${LOCATION}`).terminate('test over').catch(() => {});
      await worker?.shutdown().catch(() => {});
      await pool.end().catch(() => {});
      await objects?.stop().catch(() => {});
      await database?.stop().catch(() => {});
    }
  }, 360_000);
});
