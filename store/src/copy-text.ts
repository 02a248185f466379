/**
 * PostgreSQL's COPY text format (`COPY … FROM STDIN`, the default format): one line per row,
 * fields separated by tabs, `\N` for NULL, backslash, tab, newline and carriage return escaped.
 * Values are data, never SQL: COPY parses each field as a value of its column's type.
 */

/** A value of one COPY field. */
export type CopyValue = string | number | Date | null | undefined;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field: `\N` for NULL; backslash, tab and newlines escaped. (Text must not hold NUL: check it first.) */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string) : value;
}

/** Fields separated by tabs (part of a line). */
export function copyFields(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyField(values[i]);
  return line;
}

/** One line (fields separated by tabs, ending in a newline). */
export function copyLine(values: readonly CopyValue[]): string {
  return `${copyFields(values)}\n`;
}

/**
 * `COPY table (columns) FROM STDIN` (or from PGlite's `/dev/blob`); table and columns are the
 * store's own names, never input. `freeze` needs the table created or truncated in this transaction.
 */
export function copyStatement(table: string, columns: readonly string[], options: { from?: 'STDIN' | 'blob'; freeze?: boolean } = {}): string {
  for (const name of [table, ...columns]) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  const from = options.from === 'blob' ? "'/dev/blob'" : 'STDIN';
  return `COPY ${table} (${columns.join(', ')}) FROM ${from}${options.freeze ? ' WITH (FREEZE)' : ''}`;
}

/** Joins lines into chunks of about `size` characters (what a COPY stream is fed with). */
export function* copyChunks(lines: Iterable<string>, size = 16 * 1024): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
