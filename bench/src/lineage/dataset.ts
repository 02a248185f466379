/**
 * The lineage-query data set: many sites running the same pipeline, shaped like the workers' e2e
 * pipeline with an hourly layer materialized, plus long daily chains:
 *
 *   readings (hourly source) → hourly_clean (hourly, identity) → daily_clean (rollup of 24 hours)
 *     → rolling_7d (window of 7 days) → monthly (rollup of the month's rolling days)
 *   daily_clean → chain_01 → chain_02 → … → chain_12 (daily, identity: one input per level)
 *
 * Upstream of a monthly partition: 1 month + ~30 rolling days + ~36 cleaned days + ~864 hours
 * ≈ 930 materializations (the fan-in tree); upstream of chain_12 at depth 10: 11 materializations.
 * Rows go straight into weft_materializations, weft_input_edges and weft_partition_state with COPY,
 * as the store would have written them: ids in commit order, event_id (one event per
 * materialization, so event id = materialization id), inputs_as_of (the cursor before it), one
 * edge per input with upstream_materialization_id for one-partition inputs and one range row per
 * rollup/window input, and the current state of every partition. Every partition is materialized
 * once (no superseded history); the event log and attempts are not filled.
 */
import { randomUUID } from 'node:crypto';
import { asset, daily, hourly, input, jsonCodec, monthly, rollup, source, window, type AssetDefinition, type Definition, type InputSpecs, type PartitionContext } from '@weft/core';
import { migrate, pgDatabase } from '@weft/store';
import pg from 'pg';
import { CopyWriter, HexPool } from './copy.js';
import { EDGE_COLUMNS, MATERIALIZATION_COLUMNS } from './e2e-records.js';

/** Bump when the generated rows change shape (the cache key includes it and the migrations). */
export const DATASET_VERSION = 'lq1';
export const CHAIN_LENGTH = 12;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2023-01-01T00:00:00Z');
/** Materializations per site and day: 24 hours, daily_clean, rolling_7d and the chain. */
const PER_SITE_DAY = 24 + 2 + CHAIN_LENGTH;
const SITE_DAYS = 731;

export interface DatasetShape {
  readonly sites: number;
  /** Days per site, from 2023-01-01. */
  readonly days: number;
  /** Complete months per site (each has a monthly materialization). */
  readonly months: number;
  readonly materializations: number;
}

/** `YYYY-MM-DD` of day `day` (0 = 2023-01-01). */
export const dayKey = (day: number): string => new Date(START + day * DAY).toISOString().slice(0, 10);
export const siteKey = (site: number): string => `site${String(site + 1).padStart(4, '0')}`;

/** `YYYY-MM` of month `m` (0 = 2023-01). */
export const monthKey = (m: number): string => new Date(Date.UTC(2023, m, 1)).toISOString().slice(0, 7);

/** Materializations upstream of monthly partition `m` (itself included): its rolling days, their cleaned days, their hours. */
export function treeSize(m: number): number {
  const first = Math.round((Date.UTC(2023, m, 1) - START) / DAY);
  const days = Math.round((Date.UTC(2023, m + 1, 1) - START) / DAY) - first;
  const cleaned = days + Math.min(6, first);
  return 1 + days + cleaned + 24 * cleaned;
}

/** First day index of each complete month within `days` days. */
function monthStarts(days: number): number[] {
  const starts: number[] = [];
  for (let m = 0; ; m++) {
    const first = Math.round((Date.UTC(2023, m, 1) - START) / DAY);
    const next = Math.round((Date.UTC(2023, m + 1, 1) - START) / DAY);
    if (next > days) return starts;
    starts.push(first);
  }
}

/** Sites of two years each (fewer days when one site is enough) for about `target` materializations. */
export function datasetShape(target: number): DatasetShape {
  const sites = Math.max(1, Math.round(target / (SITE_DAYS * PER_SITE_DAY + 24)));
  const days = Math.max(62, Math.round(target / sites / (PER_SITE_DAY + 12 / 365.25)));
  const months = monthStarts(days).length;
  return { sites, days, months, materializations: sites * (days * PER_SITE_DAY + months) };
}

/** The partition context of the data set: its last day has just closed. */
export function datasetContext(shape: DatasetShape): PartitionContext {
  return { now: START + shape.days * DAY + HOUR, dynamicKeys: () => [] };
}

/** The asset definitions the data set was materialized from (lineage expands ranges through them). */
export function datasetDefinitions(shape: DatasetShape): Definition[] {
  const codec = jsonCodec<number>();
  const defs: Definition[] = [];
  const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
  for (let s = 0; s < shape.sites; s++) {
    const site = siteKey(s);
    const readings = source<number>({ key: `${site}/readings`, partitions: hourly({ start: '2023-01-01' }), codec });
    const hourlyClean = asset({ key: `${site}/hourly_clean`, partitions: hourly({ start: '2023-01-01' }), inputs: { raw: readings }, codec, compute: ({ raw }) => raw });
    const dailyClean = asset({ key: `${site}/daily_clean`, partitions: daily({ start: '2023-01-01' }), inputs: { hours: input(hourlyClean, rollup()) }, codec, compute: ({ hours }) => sum(hours.values()) });
    const rolling = asset({ key: `${site}/rolling_7d`, partitions: daily({ start: '2023-01-01' }), inputs: { days: input(dailyClean, window(7)) }, codec, compute: ({ days }) => sum(days.values()) });
    const month = asset({ key: `${site}/monthly`, partitions: monthly({ start: '2023-01' }), inputs: { days: input(rolling, rollup()) }, codec, compute: ({ days }) => sum(days.values()) });
    defs.push(readings, hourlyClean, dailyClean, rolling, month);
    let prev: AssetDefinition<number, InputSpecs> = dailyClean;
    for (let k = 1; k <= CHAIN_LENGTH; k++) {
      const link = asset({ key: `${site}/chain_${String(k).padStart(2, '0')}`, partitions: daily({ start: '2023-01-01' }), inputs: { prev }, codec, compute: ({ prev: v }) => v + 1 });
      defs.push(link);
      prev = link;
    }
  }
  return defs;
}

const TABLES = ['weft_materializations', 'weft_input_edges', 'weft_partition_state'] as const;
const STATE_COLUMNS = ['asset_key', 'partition_key', 'status', 'materialization_id', 'token', 'data_version', 'code_version', 'verified_seq', 'changed_seq', 'updated_event_id'] as const;

interface IndexDefinitions {
  /** `ALTER TABLE … ADD CONSTRAINT …` (primary keys and unique constraints). */
  readonly constraints: Array<{ table: string; name: string; sql: string }>;
  /** `CREATE INDEX …` of the indexes that are not constraints. */
  readonly indexes: Array<{ name: string; sql: string }>;
}

async function indexDefinitions(client: pg.Client): Promise<IndexDefinitions> {
  const constraints = await client.query<{ t: string; name: string; def: string }>(
    "SELECT conrelid::regclass::text AS t, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'u') ORDER BY conname",
    [TABLES],
  );
  const indexes = await client.query<{ name: string; def: string }>(
    'SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = ANY($1::text[]) AND indexname <> ALL($2::text[]) ORDER BY indexname',
    [TABLES, constraints.rows.map((c) => c.name)],
  );
  return {
    constraints: constraints.rows.map((c) => ({ table: c.t, name: c.name, sql: `ALTER TABLE ${c.t} ADD CONSTRAINT ${pg.escapeIdentifier(c.name)} ${c.def}` })),
    indexes: indexes.rows.map((i) => ({ name: i.name, sql: i.def })),
  };
}

async function schemaFingerprint(client: pg.Client): Promise<string> {
  const r = await client.query<{ f: string }>(
    `SELECT string_agg(x, E'\\n' ORDER BY x) AS f FROM (
       SELECT indexdef AS x FROM pg_indexes WHERE tablename = ANY($1::text[])
       UNION ALL SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns WHERE table_name = ANY($1::text[])
     ) s`,
    [TABLES],
  );
  return r.rows[0]?.f ?? '';
}

/** What loading took. */
export interface LoadStats {
  readonly materializations: number;
  readonly edges: number;
  readonly states: number;
  readonly copySeconds: number;
  readonly indexSeconds: number;
  readonly analyzeSeconds: number;
}

/**
 * Migrates the (empty) database at `url`, drops the three tables' indexes, COPYs the data set into
 * them (three connections in parallel, COPY FREEZE), recreates exactly the indexes the migrations
 * made, sets the id sequences and runs VACUUM ANALYZE.
 */
export async function loadDataset(url: string, shape: DatasetShape, log: (line: string) => void): Promise<LoadStats> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  await migrate(pgDatabase(pool, { ownsPool: false }));
  await pool.end();

  const clients = await Promise.all(
    [0, 1, 2].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const [mc, ec, sc] = clients as [pg.Client, pg.Client, pg.Client];
  try {
    const before = await schemaFingerprint(mc);
    const defs = await indexDefinitions(mc);
    for (const c of defs.constraints) await mc.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${pg.escapeIdentifier(c.name)}`);
    for (const i of defs.indexes) await mc.query(`DROP INDEX ${pg.escapeIdentifier(i.name)}`);

    const t0 = performance.now();
    for (const [client, table] of [
      [mc, 'weft_materializations'],
      [ec, 'weft_input_edges'],
      [sc, 'weft_partition_state'],
    ] as const) {
      await client.query('BEGIN');
      await client.query(`TRUNCATE ${table}`);
    }
    const m = new CopyWriter(mc, 'weft_materializations', MATERIALIZATION_COLUMNS, { freeze: true });
    const e = new CopyWriter(ec, 'weft_input_edges', EDGE_COLUMNS, { freeze: true });
    const s = new CopyWriter(sc, 'weft_partition_state', STATE_COLUMNS, { freeze: true });

    const hex = new HexPool();
    const code = Object.fromEntries(['hourly_clean', 'daily_clean', 'rolling_7d', 'monthly', ...Array.from({ length: CHAIN_LENGTH }, (_, k) => `chain_${String(k + 1).padStart(2, '0')}`)].map((a) => [a, hex.next()]));
    const deployment = hex.next().slice(0, 32);
    const sites = Array.from({ length: shape.sites }, (_, i) => siteKey(i));
    let id = 0;
    let mText = '';
    let eText = '';
    let sText = '';
    let rows = 0;
    let edges = 0;
    /** Appends one materialization with its state row; returns its id and data version. */
    const put = (site: string, name: string, partition: string, finishedAt: string, startedAt: string, workflow: string): { id: number; dv: string } => {
      id++;
      const token = hex.next();
      const dv = hex.next();
      const assetKey = `${site}/${name}`;
      const cv = code[name] as string;
      mText += `${id}\t${token}\t${assetKey}\t${partition}\t${cv}\t${dv}\ts3://weft-data/${assetKey}/${partition}/${token.slice(0, 16)}\t\\N\t${1000 + ((id * 7919) % 1_000_000)}\t${startedAt}\t${finishedAt}\t1\tworker-${id % 4}\tlocal\t${workflow}\t${randomUUID()}\t${id - 1}\t${deployment}\t${id}\n`;
      sText += `${assetKey}\t${partition}\tfresh\t${id}\t${token}\t${dv}\t${cv}\t${id - 1}\t${id}\t${id}\n`;
      rows++;
      return { id, dv };
    };
    const edge = (mid: number, name: string, upstream: string, partition: string | null, upstreamId: number | null, dv: string | null, first: string | null, last: string | null, count: number | null, hash: string | null): void => {
      eText += `${mid}\t${name}\t${upstream}\t${partition ?? '\\N'}\t${upstreamId ?? '\\N'}\t${dv ?? '\\N'}\t${first ?? '\\N'}\t${last ?? '\\N'}\t${count ?? '\\N'}\t${hash ?? '\\N'}\t\\N\n`; // (range_set: these ranges are one-dimensional and contiguous)
      edges++;
    };
    const flush = async (): Promise<void> => {
      const n = rows;
      const ne = edges;
      await Promise.all([m.write(mText, n), e.write(eText, ne), s.write(sText, n)]);
      mText = eText = sText = '';
      rows = edges = 0;
    };
    const iso = (ms: number): string => new Date(ms).toISOString();
    const wf = (name: string): string => `weft/materialize/${name}/${hex.next().slice(0, 24)}`;
    let lastLog = performance.now();

    for (let day = 0; day < shape.days; day++) {
      const key = dayKey(day);
      for (let h = 0; h < 24; h++) {
        const hourKey = `${key}T${String(h).padStart(2, '0')}:00`;
        const end = START + day * DAY + (h + 1) * HOUR;
        const finished = iso(end + 120_000);
        const started = iso(end + 118_500);
        const workflow = wf('hourly_clean');
        for (const site of sites) {
          const r = put(site, 'hourly_clean', hourKey, finished, started, workflow);
          edge(r.id, 'raw', `${site}/readings`, hourKey, null, hex.next(), null, null, null, null);
        }
      }
      const dayEnd = START + (day + 1) * DAY;
      const first7 = dayKey(Math.max(0, day - 6));
      const count7 = day - Math.max(0, day - 6) + 1;
      const workflows = { daily: wf('daily_clean'), rolling: wf('rolling_7d'), chain: wf('chain') };
      for (const site of sites) {
        const d = put(site, 'daily_clean', key, iso(dayEnd + 300_000), iso(dayEnd + 296_000), workflows.daily);
        edge(d.id, 'hours', `${site}/hourly_clean`, null, null, null, `${key}T00:00`, `${key}T23:00`, 24, hex.next());
        const r = put(site, 'rolling_7d', key, iso(dayEnd + 420_000), iso(dayEnd + 418_000), workflows.rolling);
        edge(r.id, 'days', `${site}/daily_clean`, null, null, null, first7, key, count7, hex.next());
        let prev = { ...d, asset: `${site}/daily_clean` };
        for (let k = 1; k <= CHAIN_LENGTH; k++) {
          const name = `chain_${String(k).padStart(2, '0')}`;
          const c = put(site, name, key, iso(dayEnd + 600_000 + k * 1000), iso(dayEnd + 599_500 + k * 1000), workflows.chain);
          edge(c.id, 'prev', prev.asset, key, prev.id, prev.dv, null, null, null, null);
          prev = { ...c, asset: `${site}/${name}` };
        }
      }
      if (new Date(dayEnd).getUTCDate() === 1) {
        // The day closed a month: every site's monthly rollup of its rolling days.
        const firstDay = day + 1 - new Date(dayEnd - DAY).getUTCDate();
        const workflow = wf('monthly');
        for (const site of sites) {
          const r = put(site, 'monthly', key.slice(0, 7), iso(dayEnd + 900_000), iso(dayEnd + 895_000), workflow);
          edge(r.id, 'days', `${site}/rolling_7d`, null, null, null, dayKey(firstDay), key, day - firstDay + 1, hex.next());
        }
      }
      await flush();
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        const secs = (performance.now() - t0) / 1000;
        log(`  COPY: ${m.rows.toLocaleString('en')} of ${shape.materializations.toLocaleString('en')} materializations in ${secs.toFixed(0)} s (${Math.round(m.rows / secs).toLocaleString('en')}/s)`);
      }
    }
    await Promise.all([m.end(), e.end(), s.end()]);
    await Promise.all(clients.map((c) => c.query('COMMIT')));
    const copySeconds = (performance.now() - t0) / 1000;
    if (m.rows !== shape.materializations) throw new Error(`generated ${m.rows} materializations, expected ${shape.materializations}`);
    log(`COPY done: ${m.rows} materializations, ${e.rows} edges, ${s.rows} partition states in ${copySeconds.toFixed(1)} s`);

    // Indexes after loading: the same definitions the migrations made, two at a time.
    const t1 = performance.now();
    const work = [...defs.constraints.map((c) => ({ name: c.name, sql: c.sql })), ...defs.indexes];
    const build = async (client: pg.Client): Promise<void> => {
      await client.query("SET maintenance_work_mem = '512MB'");
      for (let next = work.shift(); next; next = work.shift()) {
        const t = performance.now();
        await client.query(next.sql);
        log(`  ${next.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
    };
    await Promise.all([build(mc), build(ec)]);
    const indexSeconds = (performance.now() - t1) / 1000;
    const after = await schemaFingerprint(mc);
    if (after !== before) throw new Error(`indexes or columns differ from the migrated schema after reloading:\n--- before\n${before}\n--- after\n${after}`);
    await mc.query("SELECT setval('weft_materializations_id_seq', $1)", [id]);
    await mc.query('INSERT INTO weft_planner_cursors (location, cursor) VALUES ($1, $2) ON CONFLICT (location) DO UPDATE SET cursor = excluded.cursor', ['default', id]);

    const t2 = performance.now();
    await Promise.all([mc.query('VACUUM (ANALYZE) weft_materializations'), ec.query('VACUUM (ANALYZE) weft_input_edges'), sc.query('VACUUM (ANALYZE) weft_partition_state')]);
    const analyzeSeconds = (performance.now() - t2) / 1000;
    log(`indexes in ${indexSeconds.toFixed(1)} s, VACUUM ANALYZE in ${analyzeSeconds.toFixed(1)} s`);
    return { materializations: m.rows, edges: e.rows, states: s.rows, copySeconds, indexSeconds, analyzeSeconds };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}
