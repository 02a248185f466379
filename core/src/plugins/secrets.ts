/**
 * Secrets as references: a config says `env('S3_SECRET_KEY')`, never the value. The reference
 * serializes as itself (`[secret env:S3_SECRET_KEY]`) wherever it travels — deployments, Temporal
 * payloads, logs, lineage events — and the value is read from the environment only when a plugin
 * needs it, at run time. Values read are remembered so that error messages and log lines that
 * carry one (a connection string echoed by a driver) can be redacted before they are stored.
 */
import { PluginError } from '../errors.js';

const BRAND = Symbol.for('weft.secret');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Values shorter than this are not redacted (too likely to match ordinary text). */
const MIN_REDACTED_LENGTH = 4;

/** A reference to a secret held in an environment variable. */
export interface SecretRef {
  readonly [BRAND]: true;
  readonly env: string;
  toJSON(): string;
  toString(): string;
}

/** A reference to the secret in environment variable `name` (read at run time, never stored). */
export function env(name: string): SecretRef {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`env(): ${JSON.stringify(name)} is not an environment variable name (letters, digits and _, not starting with a digit)`);
  const label = `[secret env:${name}]`;
  return Object.freeze({ [BRAND]: true as const, env: name, toJSON: () => label, toString: () => label, [INSPECT]: () => label });
}

export function isSecret(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

const known = new Set<string>();

/**
 * The value of a secret reference, read from the environment now; throws a PluginError naming the
 * plugin, the option and the variable when it is unset. The value is remembered for redaction.
 */
export function resolveSecret(ref: SecretRef, where: { readonly plugin: string; readonly field: string }, environment: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = environment[ref.env];
  if (value === undefined || value === '') {
    throw new PluginError('plugin.secret_missing', `plugin ${where.plugin}: option ${where.field} reads the secret ${ref.env} from the environment, and ${ref.env} is not set`, { plugin: where.plugin, field: where.field });
  }
  if (value.length >= MIN_REDACTED_LENGTH) known.add(value);
  return value;
}

/** `text` with every secret value read so far replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  if (known.size === 0 || typeof text !== 'string') return text;
  let out = text;
  for (const value of known) if (out.includes(value)) out = out.split(value).join('[redacted]');
  return out;
}

/** Forgets remembered values (tests). */
export function forgetSecrets(): void {
  known.clear();
}
