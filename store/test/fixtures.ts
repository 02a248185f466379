/**
 * Shared helpers of the storage tests: record builders, small asset graphs, and table digests
 * (to prove that a rejected call wrote nothing).
 */
import { createHash } from 'node:crypto';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { migrate, pgliteDatabase, storageSchema, type InputRecord, type MaterializationRecord, type SqlClient } from '../src/index.js';
import { asset, daily, input, loadDefinitions, monthly, rollup, source, type AssetDefinition, type AssetGraph, type Definition, type InputSpecs, type PartitionContext } from '@weft/core';

/** sha256 hex of a string (tokens and data versions in the tests). */
export const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The clock of the tests: every daily partition of January and February 2024 exists. */
export const NOW = Date.parse('2024-03-01T00:00:00Z');
export const DAY = 86_400_000;

/** A partition context at `now` with the given dynamic keys. */
export const contextAt = (now: number, dynamicKeys: Readonly<Record<string, readonly string[]>> = {}): PartitionContext => ({ now, dynamicKeys: (name) => dynamicKeys[name] ?? [] });

/** `2024-01-dd` for day `d` of January 2024 (1-based). */
export const jan = (d: number): string => `2024-01-${String(d).padStart(2, '0')}`;

/** Every table of the drizzle schema, by SQL name. */
export const TABLES: readonly string[] = Object.values(storageSchema.schema).map((t) => getTableConfig(t).name);

/** Empties every store table (ids restart): a freshly migrated database. */
export async function resetStoreTables(db: SqlClient): Promise<void> {
  await db.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY`);
}

/** Row count and a digest of every row of every store table. */
export async function tableDigest(db: SqlClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await db.query<{ n: string; h: string }>(`SELECT count(*)::text AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${table} x`);
    out[table] = `${row?.n}:${row?.h}`;
  }
  return out;
}

/** Rows of one table (by SQL name). */
export async function countRows(db: SqlClient, table: string, where = 'true', params: readonly unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE ${where}`, params);
  return Number(row?.n ?? -1);
}

/** A successful materialization record; `tag` makes the token, `value` the data version. */
export function mat(
  assetKey: string,
  partitionKey: string,
  options: { tag?: string; value?: string; code?: string; inputs?: readonly InputRecord[]; inputsAsOf?: number; finishedAt?: number; attempt?: number } = {},
): MaterializationRecord {
  const tag = options.tag ?? 'v1';
  return {
    token: sha(`token:${assetKey}:${partitionKey}:${tag}`),
    assetKey,
    partitionKey,
    codeVersion: options.code ?? 'code-1',
    dataVersion: sha(`data:${options.value ?? `${assetKey}:${partitionKey}:${tag}`}`),
    storageUri: `mem://${assetKey}/${partitionKey}`,
    bytes: 42,
    startedAt: (options.finishedAt ?? NOW) - 1000,
    finishedAt: options.finishedAt ?? NOW,
    attempt: options.attempt ?? 1,
    worker: 'worker-1',
    computeProvider: 'local',
    workflowId: 'wf-1',
    runId: 'run-1',
    inputsAsOf: options.inputsAsOf ?? 0,
    inputs: options.inputs ?? [],
  };
}

/** A one-partition input reading `record`'s output. */
export const readOne = (name: string, record: Pick<MaterializationRecord, 'assetKey' | 'partitionKey' | 'dataVersion'>): InputRecord => ({
  name,
  upstreamAsset: record.assetKey,
  partitionKey: record.partitionKey,
  dataVersion: record.dataVersion,
});

/** A range input over `first … last` of `upstreamAsset`. */
export const readRange = (name: string, upstreamAsset: string, first: string, last: string, count: number): InputRecord => ({
  name,
  upstreamAsset,
  range: { first, last, count, combinedHash: sha(`range:${upstreamAsset}:${first}:${last}`) },
});

/**
 * The graph of the store tests: a daily source `raw`; `d` (daily, reads raw); `m` (monthly rollup
 * of d); `e` (daily, reads d); and a chain `c0` (reads raw) → `c1` → … → `c5`, all daily; every
 * definition ends at `end` if given (so a planner whose clock follows the events' wall-clock
 * times sees a fixed set of partitions).
 */
export function storeGraph(end?: string): AssetGraph {
  const start = '2024-01-01';
  const days = () => daily(end === undefined ? { start } : { start, end });
  const raw = source({ key: 'raw', partitions: days() });
  const d = asset({ key: 'd', partitions: days(), inputs: { raw }, compute: ({ raw: bytes }) => bytes.length });
  const m = asset({ key: 'm', partitions: monthly(end === undefined ? { start } : { start, end }), inputs: { days: input(d, rollup()) }, compute: ({ days: values }) => values.size });
  const e = asset({ key: 'e', partitions: days(), inputs: { day: d }, compute: ({ day }) => day });
  const c0 = asset({ key: 'c0', partitions: days(), inputs: { up: raw }, compute: ({ up }) => up.length });
  const chain: Definition[] = [c0];
  let previous: AssetDefinition<number, InputSpecs> = c0 as unknown as AssetDefinition<number, InputSpecs>;
  for (let i = 1; i <= 5; i++) {
    const next = asset({ key: `c${i}`, partitions: days(), inputs: { up: previous }, compute: ({ up }) => up });
    chain.push(next);
    previous = next as unknown as AssetDefinition<number, InputSpecs>;
  }
  return loadDefinitions([raw, d, m, e, ...chain]);
}

/**
 * One PGlite for the test file (it takes seconds to start), migrated once in `beforeAll` and closed
 * in `afterAll`; `get()` answers it inside tests.
 */
export function useMigratedPGlite(): { get(): PGlite } {
  let pglite: PGlite | undefined;
  beforeAll(async () => {
    pglite = await PGlite.create();
    await migrate(pgliteDatabase(pglite, { ownsDb: false }));
  });
  afterAll(async () => {
    await pglite?.close();
  });
  return {
    get() {
      if (!pglite) throw new Error('PGlite did not start');
      return pglite;
    },
  };
}
