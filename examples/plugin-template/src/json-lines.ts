/**
 * JSON lines: one JSON object per line, blank lines ignored. The connector checks every file it
 * reads with {@link parseJsonLines}, and sources decode their partitions with {@link jsonLinesCodec}.
 */
import { canonicalJson, WeftError, type Codec } from '@weft/core';

/** One record of a JSON-lines file. */
export type JsonRecord = Record<string, unknown>;

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * The records of a JSON-lines text. `where` names the file or partition in errors: a line that is
 * not a JSON object fails with an actionable `storage.bad_value` error naming it and the line
 * (bad data is fixed by a human, a retry would fail the same way).
 */
export function parseJsonLines(bytes: Uint8Array, where: string): JsonRecord[] {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (error) {
    throw new WeftError('storage.bad_value', `${where}: not valid UTF-8`, { field: 'bytes' }, 'actionable', { cause: error });
  }
  const records: JsonRecord[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new WeftError('storage.bad_value', `${where} line ${i + 1}: not JSON (${(error as Error).message})`, { field: `line ${i + 1}` }, 'actionable', { cause: error });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new WeftError('storage.bad_value', `${where} line ${i + 1}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, { field: `line ${i + 1}` });
    }
    records.push(value as JsonRecord);
  }
  return records;
}

/** Records as JSON lines, each in canonical JSON (sorted keys), so equal records give equal bytes. */
export function formatJsonLines(records: readonly JsonRecord[]): Uint8Array {
  return encoder.encode(records.map((r) => `${canonicalJson(r)}\n`).join(''));
}

/**
 * A codec for sources whose partitions are JSON-lines files: the inputs reading them receive the
 * records, not the bytes.
 *
 * @example source({ key: 'events', partitions: daily(…), observe: files.connectors.files({ pattern: 'events/{date}.jsonl' }), codec: jsonLinesCodec() })
 */
export function jsonLinesCodec(): Codec<JsonRecord[]> {
  return {
    name: 'jsonl',
    encode: (records) => formatJsonLines(records),
    decode: (bytes) => parseJsonLines(bytes, 'jsonl value'),
  };
}
