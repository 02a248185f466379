/**
 * Rules every static or dynamic partition key obeys: a non-empty string of well-formed Unicode
 * without control characters (NUL, newlines, tabs, DEL and the C1 range), so keys are safe to
 * store in PostgreSQL text columns, print in logs and embed in multi-dimensional keys.
 */
import type { PartitionKey } from '../types.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `key` cannot be a partition key, or undefined when it can. */
export function partitionKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `partition key ${String(key)} is not a string`;
  if (key === '') return 'partition key is empty';
  const control = CONTROL.exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `partition key ${JSON.stringify(key)} contains the control character U+${code} at position ${control.index}`;
  }
  const surrogate = LONE_SURROGATE.exec(key);
  if (surrogate) return `partition key ${JSON.stringify(key)} contains an unpaired UTF-16 surrogate at position ${surrogate.index}`;
  return undefined;
}

/** Whether `key` obeys the partition key rules. */
export function isValidPartitionKey(key: unknown): key is PartitionKey {
  return partitionKeyProblem(key) === undefined;
}

/** A short list of keys for messages: the first few, then how many more. */
export function summarizeKeys(keys: readonly PartitionKey[], shown = 5): string {
  const head = keys.slice(0, shown).map((key) => JSON.stringify(key)).join(', ');
  return keys.length > shown ? `${head}, … (${keys.length} keys)` : head;
}
