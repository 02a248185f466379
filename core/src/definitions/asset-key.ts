import { DefinitionError } from '../errors.js';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MAX_LENGTH = 255;

/** Why `key` is not a valid asset key, or undefined when it is. */
export function checkAssetKey(key: unknown): string | undefined {
  if (typeof key !== 'string') return `an asset key must be a string, got ${typeof key}`;
  if (key.length === 0) return 'an asset key must not be empty';
  if (key.length > MAX_LENGTH) return `an asset key is at most ${MAX_LENGTH} characters (got ${key.length})`;
  const bad = key.split('/').find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    return `asset key ${JSON.stringify(key)}: segment ${JSON.stringify(bad)} must start with a letter, digit or _ and contain only letters, digits, _, - and . (segments are separated by /)`;
  }
  return undefined;
}

/** Throws a DefinitionError (`definition.bad_option`, field `key`) for an invalid asset key. */
export function assertAssetKey(key: unknown): asserts key is string {
  const problem = checkAssetKey(key);
  if (problem) throw new DefinitionError('definition.bad_option', problem, { field: 'key', ...(typeof key === 'string' ? { assetKey: key } : {}) });
}
