/** Reads log lines back: the first lines of many tokens at once (one statement, for dataloaders). */
import { time } from './explorer-rows.js';
import type { SqlDatabase } from './sql-client.js';
import type { LogLevel, LogLine } from './types.js';
import { messageText } from './validate.js';

/** Lines per token are capped here whatever the caller asks. */
export const MAX_LOG_PAGE = 5000;

/**
 * The log lines of these tokens in `location`, oldest attempt first and in order within it, at
 * most `first` per token (after line `after` of attempt `afterAttempt`, to page on).
 */
export async function logsOf(db: SqlDatabase, location: string, tokens: readonly string[], options: { first?: number; after?: { attempt: number; line: number } } = {}): Promise<Map<string, LogLine[]>> {
  const out = new Map<string, LogLine[]>(tokens.map((t) => [t, []]));
  if (tokens.length === 0) return out;
  const first = Math.max(1, Math.min(options.first ?? 200, MAX_LOG_PAGE));
  const rows = await db.query<{ token: string; attempt: number; line: number; at: Date; level: string; message: Uint8Array; fields: string | null }>(
    `SELECT token, attempt, line, at, level, message, fields FROM (
       SELECT lg.*, row_number() OVER (PARTITION BY lg.token ORDER BY lg.attempt, lg.line) AS n FROM weft_logs lg
       WHERE lg.location = $1 AND lg.token = ANY($2::text[]) AND ($3::int IS NULL OR (lg.attempt, lg.line) > ($3::int, $4::int))
     ) numbered WHERE n <= $5 ORDER BY token, attempt, line`,
    [location, [...new Set(tokens)], options.after?.attempt ?? null, options.after?.line ?? null, first],
  );
  for (const r of rows) {
    out.get(r.token)?.push({ token: r.token, attempt: r.attempt, line: r.line, at: time(r.at) as number, level: r.level as LogLevel, message: messageText(r.message), fields: r.fields === null ? null : (JSON.parse(r.fields) as Record<string, unknown>) });
  }
  return out;
}
