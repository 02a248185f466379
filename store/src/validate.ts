import { redactSecrets, WeftError } from '@weft/core';

/**
 * Keys are indexed, and a PostgreSQL btree entry holds at most 2704 bytes (an asset key and a
 * partition key share one in several indexes), whether or not the text compresses.
 */
const MAX_KEY_BYTES = 1024;
/** A NUL or a UTF-16 surrogate (paired or not): one scan finds both (a surrogate is then looked at closer). */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const NUL_OR_SURROGATE = /[\u0000\uD800-\uDFFF]/;

/**
 * Rejects text the store cannot keep exactly in a text column: NUL bytes, lone surrogates, or
 * keys longer than 1 KB. Messages (bytea) are exempt: any string round-trips there.
 */
export function checkStoredText(value: string, field: string, context: { assetKey?: string; partitionKey?: string } = {}): void {
  checkText(value, field, context, MAX_KEY_BYTES);
}

/** Rejects text a text column cannot keep exactly (NUL bytes, lone surrogates), or longer than `maxBytes`. */
export function checkText(value: string, field: string, context: { assetKey?: string; partitionKey?: string } = {}, maxBytes = Infinity): void {
  // Fast path (almost every value): text without NUL or surrogates, short enough in any encoding.
  if (typeof value === 'string' && !NUL_OR_SURROGATE.test(value) && value.length * 3 <= maxBytes) return;
  let problem: string | undefined;
  if (typeof value !== 'string') problem = `is ${value === null ? 'null' : typeof value}, not text`;
  else if (value.includes('\u0000')) problem = 'contains a NUL byte';
  else if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) problem = 'contains a lone UTF-16 surrogate';
  else if (Buffer.byteLength(value, 'utf8') > maxBytes) problem = `is longer than ${maxBytes} bytes`;
  if (problem) throw new WeftError('storage.bad_key', `${field} ${JSON.stringify(typeof value === 'string' && value.length > 80 ? `${value.slice(0, 80)}…` : value)} ${problem}`, { ...context, field });
}

/** The largest value of an `integer` column. */
export const MAX_INT4 = 2 ** 31 - 1;
/** The last millisecond of year 9999: later instants have no ISO form PostgreSQL reads. */
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Rejects a number a bigint/integer/timestamp column cannot keep: not a safe integer, or outside `min`…`max`. */
export function checkInteger(value: number, field: string, context: { assetKey?: string; partitionKey?: string } = {}, min = 0, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new WeftError('storage.bad_value', `${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value) ?? String(value)}`, { ...context, field });
}

/** UTF-8 bytes of a message (kept exactly in a bytea column), any secret value a plugin read redacted. */
export function messageBytes(message: string): Buffer {
  return Buffer.from(redactSecrets(message), 'utf8');
}

/** How much of a stack trace the store keeps: the frames nearest the throw come first. */
export const MAX_STACK_BYTES = 16 * 1024;

export { MAX_INLINE_VALUE_BYTES } from '@weft/core';

/** UTF-8 bytes of a stack trace, secrets redacted, cut at {@link MAX_STACK_BYTES} with a marker; null when there is none. */
export function stackBytes(stack: string | null | undefined): Buffer | null {
  if (stack == null || stack === '') return null;
  const bytes = Buffer.from(redactSecrets(stack), 'utf8');
  if (bytes.length <= MAX_STACK_BYTES) return bytes;
  // Cut on a line end so no frame (or UTF-8 sequence) is kept half.
  const head = bytes.subarray(0, MAX_STACK_BYTES).toString('utf8');
  const kept = head.slice(0, Math.max(head.lastIndexOf('\n'), 0));
  return Buffer.from(`${kept}\n    … ${bytes.length - Buffer.byteLength(kept)} more bytes of stack trace not kept`, 'utf8');
}

/** A message read back from a bytea column. */
export function messageText(bytes: Uint8Array | null): string {
  return bytes === null ? '' : Buffer.from(bytes).toString('utf8');
}

/** JSON-safe copy of a message (jsonb cannot hold NUL: NULs become the text `\u0000`), secrets redacted. */
export function jsonSafe(message: string): string {
  return redactSecrets(message).split('\u0000').join('\\u0000');
}
