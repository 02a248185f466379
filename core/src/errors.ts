/**
 * Stable, machine-readable error codes. Codes never change meaning once released; messages may.
 */
export type WeftErrorCode =
  | 'definition.cycle'
  | 'definition.duplicate_key'
  | 'definition.unknown_key'
  | 'definition.bad_mapping'
  | 'definition.bad_partition_key'
  | 'definition.bad_option'
  | 'definition.bad_module'
  | 'user_code.threw'
  | 'user_code.bad_output'
  | 'hashing.bad_value'
  | 'codec.bad_value'
  | 'storage.not_found'
  | 'storage.bad_key'
  | 'storage.bad_value'
  | 'plan.stale'
  | 'compute.timeout'
  | 'compute.failed'
  | 'plugin.bad_option'
  | 'plugin.incompatible'
  | 'plugin.secret_missing'
  | 'internal';

/** Context carried by every Weft error: what the error is about. */
export interface WeftErrorContext {
  readonly assetKey?: string;
  readonly partitionKey?: string;
  /** The option or field at fault, e.g. `partitions.start` or `inputs.days`. */
  readonly field?: string;
  readonly [extra: string]: unknown;
}

/** How a failure should be treated: retried with backoff, or recorded and left for a human. */
export type FailureClass = 'transient' | 'actionable';

/** Base of all Weft errors: a stable code, readonly context and a retry classification. */
export class WeftError extends Error {
  override readonly name: string = 'WeftError';
  constructor(
    readonly code: WeftErrorCode,
    message: string,
    readonly context: WeftErrorContext = {},
    readonly failureClass: FailureClass = 'actionable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A definition is invalid: raised while loading definitions, before anything runs. */
export class DefinitionError extends WeftError {
  override readonly name: string = 'DefinitionError';
  constructor(code: Extract<WeftErrorCode, `definition.${string}`>, message: string, context: WeftErrorContext = {}) {
    super(code, message, context, 'actionable');
  }
}

/** A plugin cannot be loaded or used: bad options, a Weft version it was not built for, a missing secret. */
export class PluginError extends WeftError {
  override readonly name: string = 'PluginError';
  constructor(code: Extract<WeftErrorCode, `plugin.${string}`>, message: string, context: WeftErrorContext & { readonly plugin: string }) {
    super(code, message, context, 'actionable');
  }
}

/** User or plugin code threw (or returned something unusable); `cause` holds what it threw. */
export class UserCodeError extends WeftError {
  override readonly name: string = 'UserCodeError';
  constructor(message: string, context: WeftErrorContext, failureClass: FailureClass, cause: unknown) {
    super('user_code.threw', message, context, failureClass, { cause });
  }
}

/**
 * The inputs a partition was planned with are no longer current (an upstream partition was
 * recomputed or a source changed since the plan): the partition goes back to the planner, which
 * plans it again with the new token. Not a failure, and not worth a retry of the same plan.
 */
export class StalePlanError extends WeftError {
  override readonly name: string = 'StalePlanError';
  constructor(message: string, context: WeftErrorContext) {
    super('plan.stale', message, context, 'transient');
  }
}

/** A partition ran past its time limit: a transient failure of that partition alone. */
export class ComputeTimeoutError extends WeftError {
  override readonly name: string = 'ComputeTimeoutError';
  constructor(message: string, context: WeftErrorContext & { readonly limitMs: number }) {
    super('compute.timeout', message, context, 'transient');
  }
}

/** The first error of `error`'s cause chain that is an instance of `type`. */
export function findCause<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) if (e instanceof type) return e;
  return undefined;
}

/** Turns anything thrown into an `Error` (strings, objects, undefined), keeping real errors as they are. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(`non-error thrown: ${JSON.stringify(thrown)}`);
  } catch {
    return new Error(`non-error thrown: ${String(thrown)}`);
  }
}
