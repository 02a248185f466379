import { PGlite } from '@electric-sql/pglite';
import { asset, hourly, loadDefinitions, PARTITION_STATUSES, source, type AssetGraph } from '@weft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, pgliteDatabase, ProvenanceStore } from '../src/index.js';
import { contextAt } from './fixtures.js';

/**
 * `loadSnapshot` reads an asset's partition state in pages (keyset paging on the primary key, 50,000
 * rows a query), so a worker rebuilding a planner over millions of partitions never holds them all
 * as rows. 100,001 hourly partitions take three pages: every row, at and around both page
 * boundaries, must land at its partition's index.
 */
const HOURS = 100_001;
const START = Date.parse('2010-01-01T00:00:00Z');
const NOW = START + HOURS * 3_600_000;
const codec = { name: 'n', encode: (n: number) => new TextEncoder().encode(String(n)), decode: (b: Uint8Array) => Number(new TextDecoder().decode(b)) };

const readings = source<number>({ key: 'readings', partitions: hourly({ start: '2010-01-01T00:00' }), codec });
const graph: AssetGraph = loadDefinitions([readings, asset({ key: 'clean', partitions: hourly({ start: '2010-01-01T00:00' }), inputs: { raw: readings }, codec, compute: ({ raw }) => raw })]);

/** The data version the test stores for hour `i` (64 hex digits). */
const versionOf = (i: number): string => `${i.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;

let pglite: PGlite | undefined;

beforeAll(async () => {
  pglite = await PGlite.create();
  const db = pgliteDatabase(pglite, { ownsDb: false });
  await migrate(db);
  // Every hour of `clean`: stale where i % 7 = 3, fresh otherwise, a data version and seqs from i.
  await db.query(
    `INSERT INTO weft_partition_state (asset_key, partition_key, status, data_version, code_version, verified_seq, changed_seq, updated_event_id)
     SELECT 'clean', to_char(to_timestamp($1::double precision / 1000 + i * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI'),
            CASE WHEN i % 7 = 3 THEN 'stale' ELSE 'fresh' END, lpad(to_hex(i), 8, '0') || repeat('ab', 28), 'v1', i, i + 1, 1
     FROM generate_series(0, $2::int - 1) AS hours(i)`,
    [START, HOURS],
  );
}, 120_000);

afterAll(async () => {
  await pglite?.close();
});

describe('loadSnapshot over more partitions than one page', () => {
  it('reads every row of all three pages to its partition index', async () => {
    if (!pglite) throw new Error('PGlite did not start');
    const store = new ProvenanceStore(pgliteDatabase(pglite, { ownsDb: false }));
    const snapshot = await store.loadSnapshot(graph, (keys) => contextAt(NOW, keys));
    const clean = snapshot.assets.find((a) => a.assetKey === 'clean');
    expect(clean?.count).toBe(HOURS);
    if (!clean) return;
    const stale = PARTITION_STATUSES.indexOf('stale');
    const fresh = PARTITION_STATUSES.indexOf('fresh');
    let materialized = 0;
    let wrong = 0;
    for (let i = 0; i < HOURS; i++) {
      materialized += clean.materialized[i] as number;
      const ok =
        clean.status[i] === (i % 7 === 3 ? stale : fresh) &&
        Buffer.from(clean.dataVersion.subarray(i * 32, i * 32 + 32)).toString('hex') === versionOf(i) &&
        clean.verifiedSeq[i] === i &&
        clean.changedSeq[i] === i + 1 &&
        clean.codeVersions[clean.codeVersionId[i] as number] === 'v1';
      if (!ok) wrong++;
    }
    expect(materialized).toBe(HOURS);
    expect(wrong).toBe(0);
    // Around the page boundaries (rows 49,999 … 50,001 and 99,999 … 100,000) in particular.
    for (const i of [0, 49_999, 50_000, 50_001, 99_999, 100_000]) expect(clean.verifiedSeq[i], `hour ${i}`).toBe(i);
  }, 120_000);
});
