import { createHash } from 'node:crypto';
import { UserCodeError, WeftError, coerceError, type FailureClass, type WeftErrorContext } from './errors.js';

/**
 * Throw this from user or plugin code to say a failure is transient (worth retrying with backoff):
 * a flaky network, a rate limit, a lost lease.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Transient for network and timeout errors and {@link TransientError}; actionable for everything else. */
export function classifyError(error: Error): FailureClass {
  if (error instanceof WeftError) return error.failureClass;
  if (error instanceof TransientError || error.name === 'TransientError' || error.name === 'AbortError' || error.name === 'TimeoutError') return 'transient';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'transient';
  if (error.cause instanceof Error && error.cause !== error) return classifyError(error.cause);
  return 'actionable';
}

/**
 * A stable fingerprint grouping failures with the same cause: the error's name, its message with
 * numbers, quoted values and hex ids blanked, and the first stack frame's function and file.
 */
export function failureFingerprint(error: Error): string {
  const message = error.message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"')
    .replace(/\b[0-9a-f]{8,}\b/gi, '#')
    .replace(/\d+(\.\d+)?/g, '#');
  const frame = (error.stack ?? '').split('\n').find((l) => l.trim().startsWith('at '))?.replace(/:\d+:\d+\)?$/, '').trim() ?? '';
  return createHash('sha256').update(`${error.name}\u0000${message}\u0000${frame}`).digest('hex').slice(0, 16);
}

/**
 * The stack trace to keep for a failure: the error's own stack, then each `cause`'s (as "Caused by:"
 * sections, at most 8 deep), so a wrapped library error still shows where it began. Null when the
 * error has no stack at all.
 */
export function failureStack(error: Error): string | null {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current) && parts.length < 8) {
    seen.add(current);
    const stack = current.stack ?? `${current.name}: ${current.message}`;
    parts.push(parts.length === 0 ? stack : `Caused by: ${stack}`);
    current = current.cause;
  }
  return error.stack === undefined && parts.length <= 1 ? null : parts.join('\n');
}

/**
 * The one boundary around calls into user or plugin code: anything thrown (strings, objects,
 * rejections) becomes a {@link UserCodeError} with context, a classification and the original as
 * `cause`.
 */
export async function callUserCode<T>(what: string, context: WeftErrorContext, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (thrown) {
    const error = coerceError(thrown);
    const where = [context.assetKey, context.partitionKey].filter((s) => s !== undefined && s !== '').join(' partition ');
    throw new UserCodeError(`${what}${where ? ` (${where})` : ''} failed: ${error.message}`, context, classifyError(error), error);
  }
}
