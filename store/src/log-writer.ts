/**
 * Log lines of computes (`ctx.log`, provider-streamed pod logs): validated, then written in the
 * transaction of the outcome they belong to, so a recorded attempt and its lines land together.
 */
import { redactSecrets, WeftError } from '@weft/core';
import type { SqlClient } from './sql-client.js';
import type { LogLevel, LogLineInput } from './types.js';
import { checkInteger, checkStoredText, MAX_INT4, MAX_TIMESTAMP_MS, messageBytes } from './validate.js';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** A message longer than this is refused (the worker truncates before it sends). */
export const MAX_LOG_MESSAGE_BYTES = 64 * 1024;

/** Refuses lines the store cannot keep exactly, naming the asset, partition and field. */
export function checkLogLines(lines: readonly LogLineInput[]): void {
  for (const l of lines) {
    checkStoredText(l.assetKey, 'asset key');
    const where = { assetKey: l.assetKey, partitionKey: l.partitionKey };
    checkStoredText(l.partitionKey, 'partition key', { assetKey: l.assetKey });
    checkStoredText(l.token, 'token', where);
    checkInteger(l.attempt, 'log attempt', where, 1, MAX_INT4);
    checkInteger(l.line, 'log line', where, 0, MAX_INT4);
    checkInteger(l.at, 'log time', where, 0, MAX_TIMESTAMP_MS);
    if (!LOG_LEVELS.includes(l.level)) throw new WeftError('storage.bad_value', `log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(l.level)}`, { ...where, field: 'level' });
    if (typeof l.message !== 'string' || Buffer.byteLength(l.message, 'utf8') > MAX_LOG_MESSAGE_BYTES)
      throw new WeftError('storage.bad_value', `log message must be text of at most ${MAX_LOG_MESSAGE_BYTES} bytes`, { ...where, field: 'message' });
  }
}

/** Writes log lines inside `tx` (a line already stored for its token, attempt and number is kept). */
export async function writeLogs(location: string, tx: SqlClient, lines: readonly LogLineInput[]): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `INSERT INTO weft_logs (location, token, attempt, line, asset_key, partition_key, at, level, message, fields)
     SELECT $1, given.t, given.n, given.l, given.a, given.p, given.at, given.lv, given.m, given.f
     FROM unnest($2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::bytea[], $10::text[]) AS given(t, n, l, a, p, at, lv, m, f)
     ON CONFLICT DO NOTHING`,
    [
      location,
      lines.map((l) => l.token),
      lines.map((l) => l.attempt),
      lines.map((l) => l.line),
      lines.map((l) => l.assetKey),
      lines.map((l) => l.partitionKey),
      lines.map((l) => new Date(l.at)),
      lines.map((l) => l.level),
      lines.map((l) => messageBytes(l.message)),
      lines.map((l) => (l.fields && Object.keys(l.fields).length > 0 ? safeJson(l.fields) : null)),
    ],
  );
}

/** JSON text of fields; what JSON cannot hold (cycles, bigints) becomes a note, not a failure. */
function safeJson(fields: Readonly<Record<string, unknown>>): string {
  try {
    return redactSecrets(JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  } catch (e) {
    return JSON.stringify({ unserializable: (e as Error).message });
  }
}
