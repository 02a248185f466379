import { WeftError } from '../errors.js';

/**
 * Keys are indexed, and a PostgreSQL btree entry holds at most 2704 bytes (an asset key and a
 * partition key share one in several indexes), whether or not the text compresses.
 */
const MAX_KEY_BYTES = 1024;

/**
 * Rejects text the store cannot keep exactly in a text column: NUL bytes, lone surrogates, or
 * keys longer than 1 KB. Messages (bytea) are exempt: any string round-trips there.
 */
export function checkStoredText(value: string, field: string, context: { assetKey?: string; partitionKey?: string } = {}): void {
  let problem: string | undefined;
  if (value.includes('\u0000')) problem = 'contains a NUL byte';
  else if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) problem = 'contains a lone UTF-16 surrogate';
  else if (Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) problem = `is longer than ${MAX_KEY_BYTES} bytes`;
  if (problem) throw new WeftError('storage.bad_key', `${field} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} ${problem}`, { ...context, field });
}

/** UTF-8 bytes of a message (kept exactly in a bytea column). */
export function messageBytes(message: string): Buffer {
  return Buffer.from(message, 'utf8');
}

/** A message read back from a bytea column. */
export function messageText(bytes: Uint8Array | null): string {
  return bytes === null ? '' : Buffer.from(bytes).toString('utf8');
}

/** JSON-safe copy of a message (jsonb cannot hold NUL): NULs become the text `\u0000`. */
export function jsonSafe(message: string): string {
  return message.split('\u0000').join('\\u0000');
}
