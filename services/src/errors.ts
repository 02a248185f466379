/**
 * A tool Weft needs (Temporal CLI, MinIO, PostgreSQL, Chromium) is missing and could not be
 * obtained. The message always says how to get it.
 */
export class ToolMissingError extends Error {
  override readonly name = 'ToolMissingError';
  constructor(
    readonly tool: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${tool}: ${message}`, options);
  }
}

/** A service started but did not become ready, or exited early. Carries the tail of its log. */
export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError';
  constructor(
    readonly service: string,
    message: string,
    readonly logTail: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}${logTail ? `\n--- last lines of the ${service} log ---\n${logTail}` : ''}`, options);
  }
}
