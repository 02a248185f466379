/**
 * What a compute logs (`ctx.log`): kept as the materialization's log lines (written with the
 * batch's outcome) and echoed to the worker's stdout as JSON for the operator's log collector.
 * One attempt keeps at most {@link MAX_LINES} lines of at most {@link MAX_MESSAGE_BYTES} each; past
 * that it says how much it dropped, so a chatty compute cannot flood the store.
 */
import { redactSecrets } from '@weft/core';
import type { LogLevel, LogLineInput } from '@weft/store';

export const MAX_LINES = 1000;
export const MAX_MESSAGE_BYTES = 16 * 1024;
const LEVELS: ReadonlySet<string> = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

/** Collects one batch's log lines. */
export class ComputeLog {
  readonly lines: LogLineInput[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly echo: (line: string) => void = (l) => console.log(l),
  ) {}

  /** The `ctx.log` of one partition's attempt (`fields.level`: debug, info, warn or error; default info). */
  logger(where: { assetKey: string; partitionKey: string; token: string; attempt: number }): { log(message: string, fields?: Readonly<Record<string, unknown>>): void; close(): void } {
    let written = 0;
    let dropped = 0;
    const push = (level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void => {
      this.lines.push({ ...where, line: written++, at: this.now(), level, message, ...(fields && Object.keys(fields).length > 0 ? { fields } : {}) });
    };
    return {
      log: (message, fields) => {
        const { level: asked, ...rest } = fields ?? {};
        const level = typeof asked === 'string' && LEVELS.has(asked) ? (asked as LogLevel) : 'info';
        const text = redactSecrets(truncate(typeof message === 'string' ? message : String(message)));
        this.echo(redactSecrets(JSON.stringify({ asset: where.assetKey, partition: where.partitionKey, level, message: text, ...rest })));
        if (written >= MAX_LINES - 1) {
          dropped++;
          return;
        }
        push(level, text, rest);
      },
      close: () => {
        if (dropped > 0) push('warn', `${dropped} more log line(s) dropped: an attempt keeps at most ${MAX_LINES}`, undefined);
      },
    };
  }
}

function truncate(message: string): string {
  if (message.length * 3 <= MAX_MESSAGE_BYTES) return message;
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= MAX_MESSAGE_BYTES) return message;
  // Cut on a character boundary (a partial UTF-8 sequence at the end decodes to U+FFFD: drop it).
  const head = bytes.subarray(0, MAX_MESSAGE_BYTES - 64).toString('utf8').replace(/\uFFFD$/, '');
  return `${head}… (truncated: ${bytes.length} bytes)`;
}
