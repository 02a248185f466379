/**
 * The postgres plugin for `weft.config.ts`:
 *
 *   export const warehouse = postgres({ connectionString: env('WAREHOUSE_URL') });
 *   source({ key: 'orders', partitions: daily(…), observe: warehouse.connectors.table({ table: 'sales.orders', partitionColumn: 'order_date', keyFormat: 'day' }) })
 *   const sink = postgresSink(warehouse, { table: 'marts.daily_orders', partitionColumn: 'day', keyFormat: 'day' });
 *   asset({ …, compute: async (inputs, ctx) => { const rows = …; await sink.write(ctx, rows); return rows.length } })
 *
 * The connection string is a secret reference, read when the first query runs; one pool per
 * configured plugin, closed when idle.
 */
import { definePlugin, PluginError, resolveSecret, secret, z, type PluginInstance, type SecretRef } from '@weft/core';
import pg from 'pg';
import { tableSink, type TableSink, type TableSinkOptions } from './table-sink.js';
import { tableSource } from './table-source.js';

const NAME = '@weft/plugin-postgres';
const keyFormat = z.enum(['text', 'day', 'hour', 'month']).optional();

interface Options {
  readonly connectionString: SecretRef;
  readonly max?: number | undefined;
}

const pools = new WeakMap<object, pg.Pool>();

/** The pool of a configured plugin's options (made at first use, its secret read then). */
function poolOf(options: Options): () => pg.Pool {
  return () => {
    let pool = pools.get(options);
    if (!pool) {
      pool = new pg.Pool({ connectionString: resolveSecret(options.connectionString, { plugin: NAME, field: 'connectionString' }), max: options.max ?? 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle client's connection dropping is not a crash of the worker.
      pool.on('error', () => {});
      pools.set(options, pool);
    }
    return pool;
  };
}

export const postgres = definePlugin({
  name: NAME,
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'a PostgreSQL table partitioned by a column as a source; an idempotent partition sink',
  options: z.object({ connectionString: secret(), max: z.number().int().min(1).max(100).optional() }).strict(),
  connectors: {
    table: {
      description: 'one partition per distinct value of a column; version: a hash of the rows (content) or count and latest update (summary)',
      options: z
        .object({ table: z.string().min(1), partitionColumn: z.string().min(1), keyFormat, version: z.enum(['content', 'summary']).optional(), updatedAtColumn: z.string().min(1).optional() })
        .strict()
        .refine((o) => o.version !== 'summary' || o.updatedAtColumn !== undefined, { message: 'version "summary" needs updatedAtColumn', path: ['updatedAtColumn'] }),
      label: (o) => `${o.table} by ${o.partitionColumn}`,
      create: (plugin, o) => tableSource(poolOf(plugin), { table: o.table, partitionColumn: o.partitionColumn, ...(o.keyFormat ? { keyFormat: o.keyFormat } : {}), ...(o.version ? { version: o.version } : {}), ...(o.updatedAtColumn ? { updatedAtColumn: o.updatedAtColumn } : {}) }),
    },
  },
});

const sinkOptions = z.object({ table: z.string().min(1), partitionColumn: z.string().min(1), keyFormat, ledgerTable: z.string().min(1).optional() }).strict();

/** A sink into a table of the configured plugin's database (options validated now, connected at the first write). */
export function postgresSink(plugin: PluginInstance, options: TableSinkOptions): TableSink {
  if (plugin.name !== NAME) throw new PluginError('plugin.bad_option', `postgresSink: ${plugin.name} is not the postgres plugin`, { plugin: plugin.name, field: 'plugin' });
  const parsed = sinkOptions.safeParse(options);
  if (!parsed.success) throw new PluginError('plugin.bad_option', `plugin ${NAME}: sink: bad options: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`, { plugin: NAME, field: `sink.${parsed.error.issues[0]?.path.join('.') ?? ''}` });
  return tableSink(poolOf(plugin.options as Options), parsed.data);
}

/** Ends the connection pool of a configured postgres plugin (tests, shutdown). */
export async function closePostgres(plugin: PluginInstance): Promise<void> {
  const pool = pools.get(plugin.options as object);
  pools.delete(plugin.options as object);
  await pool?.end();
}
