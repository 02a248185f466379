/** Log lines of computes (`ctx.log`, provider-streamed logs), on materializations and failed partitions. */
import { LOG_LEVELS, MAX_LOG_PAGE, type LogLine } from '@weft/store';
import { InvalidInputError } from '../api/errors.js';
import { DEFAULT_LOG_LINES, type RequestScope } from '../api/request-scope.js';
import { builder } from '../builder.js';

export const LogLevelEnum = builder.enumType('LogLevel', {
  values: Object.fromEntries(LOG_LEVELS.map((l) => [l.toUpperCase(), { value: l }])) as Record<string, { value: (typeof LOG_LEVELS)[number] }>,
});

export const LogLineObject = builder.objectRef<LogLine>('LogLine').implement({
  description: 'One line a compute logged (`ctx.log(message, { level, …fields })`).',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: 'The attempt that wrote it (Temporal’s activity attempt).' }),
    line: t.exposeInt('line', { description: 'Its position in the attempt’s log, from 0.' }),
    cursor: t.string({ description: 'Pass as `after` for the lines after this one.', resolve: (l) => `${l.attempt}:${l.line}` }),
    at: t.field({ type: 'DateTime', resolve: (l) => l.at }),
    level: t.field({ type: LogLevelEnum, resolve: (l) => l.level }),
    message: t.exposeString('message'),
    fields: t.field({ type: 'JSON', nullable: true, resolve: (l) => l.fields }),
  }),
});

export const LOG_FIRST_DOC = `At most this many lines (default ${DEFAULT_LOG_LINES}, capped at ${MAX_LOG_PAGE}).`;
export const LOG_AFTER_DOC = 'The `cursor` of the last line seen.';

/** The lines of `token` for a `logs` field's arguments. */
export function logLines(ctx: RequestScope, location: string, token: string, args: { first?: number | null; after?: string | null }): Promise<LogLine[]> {
  let after: { attempt: number; line: number } | null = null;
  if (args.after != null) {
    const m = /^(\d{1,9}):(\d{1,9})$/.exec(args.after);
    if (!m) throw new InvalidInputError('after', `after must be a log line's cursor (attempt:line), got ${JSON.stringify(args.after.slice(0, 40))}`);
    after = { attempt: Number(m[1]), line: Number(m[2]) };
  }
  if (args.first != null && args.first < 1) throw new InvalidInputError('first', `first must be at least 1, got ${args.first}`);
  return ctx.logs(location, token, { first: args.first ?? null, after });
}
