/**
 * A table partitioned by a column as a source: each distinct key of the column is a partition.
 * Its version is a hash of its rows' contents (`content`: any change to any row shows), or a
 * summary of row count and latest `updatedAt` (`summary`: cheaper on big tables, blind to an
 * update that leaves the timestamp alone). A partition is read as a JSON array of its rows.
 */
import { WeftError, type ObservedPartition, type SourceConnector } from '@weft/core';
import type pg from 'pg';
import { column, keyExpression, qualified, type KeyFormat } from './identifiers.js';

export interface TableSourceOptions {
  readonly table: string;
  readonly partitionColumn: string;
  /** @default 'text' */
  readonly keyFormat?: KeyFormat;
  /** @default 'content' */
  readonly version?: 'content' | 'summary';
  /** For `version: 'summary'`: the column updated on every write. */
  readonly updatedAtColumn?: string;
}

export function tableSource(pool: () => pg.Pool, options: TableSourceOptions): SourceConnector {
  const table = qualified(options.table, 'table');
  const key = keyExpression(column(options.partitionColumn, 'partitionColumn'), options.keyFormat ?? 'text');
  const mode = options.version ?? 'content';
  if (mode === 'summary' && !options.updatedAtColumn) throw new WeftError('definition.bad_option', 'tableSource: version "summary" needs updatedAtColumn', { field: 'updatedAtColumn' });
  const updatedAt = options.updatedAtColumn ? column(options.updatedAtColumn, 'updatedAtColumn') : '';
  // Content: the md5 of the sorted md5s of the rows' text forms (order-independent, any column counts).
  const versionSql =
    mode === 'content'
      ? `md5(string_agg(md5(t::text), '' ORDER BY md5(t::text)))`
      : `count(*)::text || ':' || coalesce(to_char(max(${updatedAt}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')`;
  return {
    name: `postgresTable(${options.table} by ${options.partitionColumn})`,
    async observe() {
      const { rows } = await pool().query<{ k: string | null; v: string }>(`SELECT ${key} AS k, ${versionSql} AS v FROM ${table} t GROUP BY 1 ORDER BY 1`);
      return rows.filter((r): r is { k: string; v: string } => r.k !== null).map((r): ObservedPartition => ({ partitionKey: r.k, version: { checksum: r.v } }));
    },
    async read(partitionKey) {
      const { rows } = await pool().query<{ rows: string; n: string }>(`SELECT coalesce(json_agg(t ORDER BY t::text), '[]')::text AS rows, count(*) AS n FROM ${table} t WHERE ${key} = $1`, [partitionKey]);
      if (Number(rows[0]?.n ?? 0) === 0) throw new WeftError('storage.not_found', `no rows of ${options.table} have ${options.partitionColumn} = ${JSON.stringify(partitionKey)} (partition ${partitionKey})`, { partitionKey }, 'actionable');
      return new TextEncoder().encode(rows[0]!.rows);
    },
  };
}
