/**
 * A sink writing one partition's rows into a table, idempotently: in one transaction it replaces
 * the partition's rows and records the materialization's token in a ledger, so a retried token
 * (the same materialization again) writes nothing twice, and a newer one replaces the rows whole.
 * Rows are typed by the table itself (`json_populate_recordset`): a value of the wrong type fails
 * the write and changes nothing.
 */
import { WeftError, type ComputeContext } from '@weft/core';
import type pg from 'pg';
import { column, keyExpression, qualified, type KeyFormat } from './identifiers.js';

export interface TableSinkOptions {
  readonly table: string;
  readonly partitionColumn: string;
  /** @default 'text' */
  readonly keyFormat?: KeyFormat;
  /** The ledger of written tokens (created when missing). @default 'weft_sink_ledger' */
  readonly ledgerTable?: string;
}

export interface TableSink {
  /** Writes `rows` as partition `ctx.partitionKey` of the table, once per `ctx.token`. */
  write(ctx: Pick<ComputeContext, 'partitionKey' | 'token' | 'assetKey'>, rows: ReadonlyArray<Record<string, unknown>>): Promise<{ readonly written: number; readonly skipped: boolean }>;
}

export function tableSink(pool: () => pg.Pool, options: TableSinkOptions): TableSink {
  const table = qualified(options.table, 'table');
  const partitionColumn = column(options.partitionColumn, 'partitionColumn');
  const key = keyExpression(partitionColumn, options.keyFormat ?? 'text');
  const givenKey = keyExpression(`given.${partitionColumn}`, options.keyFormat ?? 'text');
  const ledger = qualified(options.ledgerTable ?? 'weft_sink_ledger', 'ledgerTable');
  let ready: Promise<void> | undefined;
  const ensureLedger = (client: pg.PoolClient): Promise<void> =>
    (ready ??= client
      .query(`CREATE TABLE IF NOT EXISTS ${ledger} (target text NOT NULL, partition_key text NOT NULL, token text NOT NULL, asset_key text, rows integer NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (target, partition_key))`)
      .then(() => undefined)
      .catch((e: unknown) => {
        ready = undefined;
        throw e;
      }));
  return {
    async write(ctx, rows) {
      if (!/^[0-9a-f]{64}$/.test(ctx.token)) throw new WeftError('user_code.bad_output', `tableSink ${options.table}: the context carries no materialization token`, { field: 'token' });
      const client = await pool().connect();
      try {
        await ensureLedger(client);
        await client.query('BEGIN');
        // One writer per partition at a time: the ledger row (made if missing) is locked.
        await client.query(`INSERT INTO ${ledger} (target, partition_key, token, asset_key, rows) VALUES ($1, $2, '', $3, 0) ON CONFLICT DO NOTHING`, [options.table, ctx.partitionKey, ctx.assetKey]);
        const { rows: held } = await client.query<{ token: string }>(`SELECT token FROM ${ledger} WHERE target = $1 AND partition_key = $2 FOR UPDATE`, [options.table, ctx.partitionKey]);
        if (held[0]?.token === ctx.token) {
          await client.query('ROLLBACK');
          return { written: 0, skipped: true };
        }
        // Every row must belong to the partition it is written as.
        const { rows: strays } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM json_populate_recordset(null::${table}, $1::json) given WHERE ${givenKey} IS DISTINCT FROM $2`, [JSON.stringify(rows), ctx.partitionKey]);
        if (Number(strays[0]?.n ?? 0) > 0) throw new WeftError('user_code.bad_output', `tableSink ${options.table}: ${strays[0]!.n} row(s) have ${options.partitionColumn} outside partition ${ctx.partitionKey}`, { partitionKey: ctx.partitionKey, field: options.partitionColumn });
        await client.query(`DELETE FROM ${table} WHERE ${key} = $1`, [ctx.partitionKey]);
        const result = await client.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(rows)]);
        await client.query(`UPDATE ${ledger} SET token = $3, asset_key = $4, rows = $5, written_at = now() WHERE target = $1 AND partition_key = $2`, [options.table, ctx.partitionKey, ctx.token, ctx.assetKey, result.rowCount ?? rows.length]);
        await client.query('COMMIT');
        return { written: result.rowCount ?? rows.length, skipped: false };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
