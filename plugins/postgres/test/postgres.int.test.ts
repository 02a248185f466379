/**
 * The postgres plugin on a real PostgreSQL server: the table source against the connector
 * conformance suite (by day and by a text key), versions by content and by summary, and the sink:
 * a retried token writes nothing twice (also when racing itself), a new token replaces the rows,
 * bad rows change nothing.
 */
import { env, forgetSecrets, type PluginInstance } from '@weft/core';
import { describeConnectorConformance } from '@weft/plugin-testkit';
import { useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePostgres, postgres, postgresSink } from '../src/index.js';

const db = useTestDatabase();
let admin: ReturnType<typeof db.pool>;
const configured: PluginInstance[] = [];
const plugin = (): ReturnType<typeof postgres> => {
  const p = postgres({ connectionString: env('WEFT_TEST_PG_URL') });
  configured.push(p);
  return p;
};

beforeAll(async () => {
  process.env['WEFT_TEST_PG_URL'] = db.url;
  admin = db.pool({ max: 2 });
  await admin.query('CREATE TABLE readings (day date NOT NULL, payload text NOT NULL)');
  await admin.query('CREATE TABLE customers (customer text NOT NULL, payload text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())');
  await admin.query('CREATE SCHEMA marts');
  await admin.query('CREATE TABLE marts.daily (day date NOT NULL, zone text NOT NULL, trips integer NOT NULL, amount numeric(12,2) NOT NULL)');
});
afterAll(async () => {
  for (const p of configured) await closePostgres(p);
  await admin?.end();
  delete process.env['WEFT_TEST_PG_URL'];
  forgetSecrets();
});

const payloadOf = (bytes: Uint8Array): string => {
  const rows = JSON.parse(new TextDecoder().decode(bytes)) as Array<{ payload: string }>;
  return rows.map((r) => r.payload).join('|');
};

describeConnectorConformance(
  'postgres table by day (content version)',
  async () => ({
    connector: plugin().connectors.table({ table: 'readings', partitionColumn: 'day', keyFormat: 'day' }),
    write: async (k, bytes) => {
      await admin.query('DELETE FROM readings WHERE day = $1', [k]);
      await admin.query('INSERT INTO readings VALUES ($1, $2)', [k, new TextDecoder().decode(bytes)]);
    },
    remove: async (k) => void (await admin.query('DELETE FROM readings WHERE day = $1', [k])),
    readAs: payloadOf,
  }),
  { keys: ['2024-01-01', '2024-01-02', '2024-01-03'], contentVersions: true },
);

describeConnectorConformance(
  'postgres table by customer (summary version)',
  async () => ({
    connector: plugin().connectors.table({ table: 'customers', partitionColumn: 'customer', version: 'summary', updatedAtColumn: 'updated_at' }),
    write: async (k, bytes) => {
      await admin.query('DELETE FROM customers WHERE customer = $1', [k]);
      await admin.query('INSERT INTO customers (customer, payload, updated_at) VALUES ($1, $2, clock_timestamp())', [k, new TextDecoder().decode(bytes)]);
    },
    remove: async (k) => void (await admin.query('DELETE FROM customers WHERE customer = $1', [k])),
    readAs: payloadOf,
  }),
  // A rewrite bumps updated_at: the summary changes with it.
  { keys: ['acme', 'globex', 'initech'], contentVersions: false, dynamicKeys: ['customer with spaces', 'ünïcode'] },
);

describe('the postgres sink', () => {
  const T1 = 'a'.repeat(64);
  const T2 = 'b'.repeat(64);
  const ctx = (token: string, partitionKey = '2024-01-05') => ({ assetKey: 'daily_zone', partitionKey, token });
  const rowsNow = async (day = '2024-01-05') => (await admin.query<{ zone: string; trips: number; amount: string }>('SELECT zone, trips, amount FROM marts.daily WHERE day = $1 ORDER BY zone', [day])).rows;

  it('writes a partition once per token, even when the same token races itself, and a new token replaces it whole', async () => {
    const sink = postgresSink(plugin(), { table: 'marts.daily', partitionColumn: 'day', keyFormat: 'day' });
    const rows = [
      { day: '2024-01-05', zone: 'north', trips: 3, amount: 12.5 },
      { day: '2024-01-05', zone: 'south', trips: 1, amount: 4 },
    ];
    expect(await sink.write(ctx(T1), rows)).toEqual({ written: 2, skipped: false });
    expect(await sink.write(ctx(T1), rows)).toEqual({ written: 0, skipped: true });
    const raced = await Promise.all(Array.from({ length: 5 }, () => sink.write(ctx(T1), rows)));
    expect(raced.every((r) => r.skipped)).toBe(true);
    expect(await rowsNow()).toEqual([
      { zone: 'north', trips: 3, amount: '12.50' },
      { zone: 'south', trips: 1, amount: '4.00' },
    ]);
    // A new materialization (new token) replaces the partition's rows, racing or not: one wins whole.
    const replaced = await Promise.all([sink.write(ctx(T2), [{ day: '2024-01-05', zone: 'east', trips: 9, amount: 1 }]), sink.write(ctx(T2), [{ day: '2024-01-05', zone: 'east', trips: 9, amount: 1 }])]);
    expect(replaced.filter((r) => !r.skipped)).toHaveLength(1);
    expect(await rowsNow()).toEqual([{ zone: 'east', trips: 9, amount: '1.00' }]);
    // Other partitions are untouched by a write.
    await sink.write(ctx(T1, '2024-01-06'), [{ day: '2024-01-06', zone: 'west', trips: 2, amount: 2 }]);
    expect(await rowsNow()).toEqual([{ zone: 'east', trips: 9, amount: '1.00' }]);
    const ledger = (await admin.query<{ partition_key: string; token: string; rows: number }>("SELECT partition_key, token, rows FROM weft_sink_ledger WHERE target = 'marts.daily' ORDER BY 1")).rows;
    expect(ledger).toEqual([
      { partition_key: '2024-01-05', token: T2, rows: 1 },
      { partition_key: '2024-01-06', token: T1, rows: 1 },
    ]);
  });

  it('changes nothing when a row has the wrong type or lies outside the partition', async () => {
    const sink = postgresSink(plugin(), { table: 'marts.daily', partitionColumn: 'day', keyFormat: 'day' });
    const before = await rowsNow();
    const T3 = 'c'.repeat(64);
    await expect(sink.write(ctx(T3), [{ day: '2024-01-05', zone: 'x', trips: 'many', amount: 1 }])).rejects.toThrow(/invalid input syntax for type integer: "many"/);
    await expect(sink.write(ctx(T3), [{ day: '2024-01-07', zone: 'x', trips: 1, amount: 1 }])).rejects.toThrow('tableSink marts.daily: 1 row(s) have day outside partition 2024-01-05');
    expect(await rowsNow()).toEqual(before);
    // The refused token was not recorded: a corrected retry of it writes.
    expect(await sink.write(ctx(T3), [{ day: '2024-01-05', zone: 'x', trips: 1, amount: 1 }])).toEqual({ written: 1, skipped: false });
  });

  it('refuses bad options naming the field, and identifiers that are not names', () => {
    expect(() => postgresSink(plugin(), { table: 'marts.daily; DROP TABLE readings', partitionColumn: 'day' })).toThrow(/must be a table name/);
    expect(() => plugin().connectors.table({ table: 'readings', partitionColumn: 'day', version: 'summary' })).toThrow(/connectors\.table\.updatedAtColumn: version "summary" needs updatedAtColumn/);
    expect(() => postgres({ connectionString: db.url as never })).toThrow('connectionString: must be a secret reference');
  });
});
