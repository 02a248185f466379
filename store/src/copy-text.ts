/**
 * PostgreSQL's COPY text format (`COPY … FROM STDIN`, the default format): one line per row,
 * fields separated by tabs, `\N` for NULL, backslash, tab, newline and carriage return escaped.
 * Values are data, never SQL: COPY parses each field as a value of its column's type.
 */

/** A value of one COPY field. */
export type CopyValue = string | number | Date | null | undefined;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const DAY_MS = 86_400_000;
/** The last millisecond of year 9999 (later instants have a six-digit year in ISO form). */
const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
let cachedDay = Number.NaN;
let cachedDayText = '';
const twoDigits = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * `Date.prototype.toISOString` of epoch milliseconds `ms`, six times faster for the instants a
 * batch holds (they share days: the `YYYY-MM-DDT` part is formatted once per day, the time of day
 * by arithmetic). Instants before 1970 or after year 9999 take `toISOString` itself.
 */
export function isoInstant(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS && Number.isInteger(ms))) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${cachedDayText}${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(seconds)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** One field: `\N` for NULL; backslash, tab and newlines escaped. (Text must not hold NUL: check it first.) */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return isoInstant(value.getTime());
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
