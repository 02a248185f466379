/**
 * The lineage-query data set in its own PostgreSQL 15 (default settings): generated into a fresh
 * server below {@link CACHE_FROM} materializations, and from there on kept between runs in a
 * cache folder keyed by the data set's version, the migrations and the count (generation takes
 * minutes). Shared by `lineage-query` (the store call) and `api-lineage` (the same call through
 * the GraphQL API), so both measure the same database.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMigrations } from '@weft/store';
import { cacheDir, startPostgres, unprivilegedAccount, type PostgresServer } from '@weft/services';
import pg from 'pg';
import { DATASET_VERSION, datasetShape, loadDataset, type DatasetShape } from './dataset.js';
import { reachableBy } from './pg-cluster.js';

/** From this many materializations the generated database is kept between runs (generation takes minutes). */
export const CACHE_FROM = 500_000;
const DATABASE = 'weft_bench';
/** Disk a generated database needs per materialization (measured: ~1.3 KB at 1M; with headroom for WAL during the load). */
const BYTES_PER_MATERIALIZATION = 1_600;

/** The cache folder's key: the data set's shape version and the migrations (a schema change regenerates). */
function cacheKey(): string {
  const migrations = readMigrations()
    .map((m) => `${m.name}:${m.hash}`)
    .join(',');
  return createHash('sha256').update(`${DATASET_VERSION}|${migrations}`).digest('hex').slice(0, 12);
}

/** `$WEFT_BENCH_CACHE_DIR`, else `<weft cache>/bench`, unless PostgreSQL's account cannot reach it (root's home): then /var/tmp. */
async function cacheRoot(log: (line: string) => void): Promise<string> {
  const preferred = process.env['WEFT_BENCH_CACHE_DIR'] || join(cacheDir(), 'bench');
  const account = await unprivilegedAccount();
  if (reachableBy(preferred, account)) return preferred;
  const fallback = '/var/tmp/weft-bench';
  log(`${preferred} is not reachable by the unprivileged account PostgreSQL runs as; caching in ${fallback} (set WEFT_BENCH_CACHE_DIR to choose)`);
  return fallback;
}

interface DatasetInfo {
  readonly shape: DatasetShape;
  readonly generationSeconds: number;
  readonly generatedAt: string;
}

async function createDatabase(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
}

/** A running server holding the data set. */
export interface LineageDatabase {
  readonly shape: DatasetShape;
  /** Connection string of the data set's database. */
  readonly url: string;
  /** PostgreSQL's version string. */
  readonly version: string;
  /** How long generating it took (when it was made, for a reused one). */
  readonly generationSeconds: number;
  /** Whether a kept database was reused. */
  readonly reused: boolean;
  /** Stops the server (a kept data folder stays). */
  stop(): Promise<void>;
}

/** Starts PostgreSQL with the data set of about `scale` materializations: reused from the cache, or generated. */
export async function openLineageDataset(scale: number, log: (line: string) => void): Promise<LineageDatabase> {
  const shape = datasetShape(scale);
  log(`data set: ${shape.sites} sites × ${shape.days} days (${shape.months} months) = ${shape.materializations.toLocaleString('en')} materializations`);
  let info: DatasetInfo;
  let reused = false;
  let server: PostgresServer;
  if (shape.materializations >= CACHE_FROM) {
    const root = await cacheRoot(log);
    const key = cacheKey();
    const dir = join(root, `lineage-query-${key}-${shape.materializations}`);
    mkdirSync(root, { recursive: true });
    for (const old of readdirSync(root).filter((d) => d.startsWith('lineage-query-') && !d.startsWith(`lineage-query-${key}-`))) {
      log(`removing ${join(root, old)} (generated for another schema or data set version)`);
      rmSync(join(root, old), { recursive: true, force: true });
    }
    const marker = join(dir, 'dataset.json');
    if (process.env['WEFT_BENCH_REGENERATE'] || !existsSync(marker)) {
      rmSync(dir, { recursive: true, force: true });
      const free = statfsSync(root);
      const need = shape.materializations * BYTES_PER_MATERIALIZATION;
      if (free.bavail * free.bsize < need) throw new Error(`${root}: ${Math.round((free.bavail * free.bsize) / 2 ** 30)} GB free, the data set needs about ${Math.round(need / 2 ** 30)} GB`);
    }
    mkdirSync(dir, { recursive: true });
    server = await startPostgres({ durability: 'default', databaseUrl: '', dataDir: join(dir, 'data') });
    try {
      if (existsSync(marker)) {
        info = JSON.parse(readFileSync(marker, 'utf8')) as DatasetInfo;
        reused = true;
        log(`reusing the database generated ${info.generatedAt} in ${Math.round(info.generationSeconds)} s (${dir}; WEFT_BENCH_REGENERATE=1 rebuilds it)`);
      } else {
        log(`generating into ${dir} (kept for the next run)…`);
        const t0 = performance.now();
        await createDatabase(server.adminUrl);
        await loadDataset(server.urlFor(DATABASE), shape, log);
        info = { shape, generationSeconds: (performance.now() - t0) / 1000, generatedAt: new Date().toISOString() };
        writeFileSync(marker, `${JSON.stringify(info, null, 2)}\n`);
      }
    } catch (error) {
      await server.stop();
      throw error;
    }
  } else {
    server = await startPostgres({ durability: 'default', databaseUrl: '' });
    try {
      const t0 = performance.now();
      await createDatabase(server.adminUrl);
      await loadDataset(server.urlFor(DATABASE), shape, log);
      info = { shape, generationSeconds: (performance.now() - t0) / 1000, generatedAt: new Date().toISOString() };
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  log(`PostgreSQL: ${server.version}`);
  const running = server;
  return { shape, url: server.urlFor(DATABASE), version: server.version, generationSeconds: info.generationSeconds, reused, stop: () => running.stop() };
}
