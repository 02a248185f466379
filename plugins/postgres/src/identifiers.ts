/** SQL identifiers from options: validated, then quoted (never interpolated raw). */
import { WeftError } from '@weft/core';

const PART = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** `"schema"."table"` or `"table"` from `schema.table` / `table`; throws naming the option. */
export function qualified(name: string, field: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => !PART.test(p))) throw new WeftError('definition.bad_option', `${field} ${JSON.stringify(name)} must be a table name (letters, digits, _; optionally schema.table)`, { field });
  return parts.map((p) => `"${p}"`).join('.');
}

/** `"column"`; throws naming the option. */
export function column(name: string, field: string): string {
  if (!PART.test(name)) throw new WeftError('definition.bad_option', `${field} ${JSON.stringify(name)} must be a column name (letters, digits, _)`, { field });
  return `"${name}"`;
}

/** How a partition column's values become partition keys. */
export type KeyFormat = 'text' | 'day' | 'hour' | 'month';

/** The SQL expression of a row's partition key. */
export function keyExpression(col: string, format: KeyFormat): string {
  switch (format) {
    case 'text':
      return `${col}::text`;
    case 'day':
      return `to_char(${col}, 'YYYY-MM-DD')`;
    case 'hour':
      return `to_char(${col}, 'YYYY-MM-DD"T"HH24:00')`;
    case 'month':
      return `to_char(${col}, 'YYYY-MM')`;
  }
}
