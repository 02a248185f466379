/**
 * The key encoding of multi-dimensional partitions: `name=value` pairs sorted by dimension name
 * and joined with `|`, with `\`, `|` and `=` inside names and values escaped by a preceding `\`,
 * e.g. `date=2024-01-31|region=us` or `kind=a\|b|region=us`.
 */
import type { PartitionKey } from '../types.js';

/** One `name=value` pair of a multi-dimensional key. */
export type KeyPair = readonly [name: string, value: PartitionKey];

/** Escapes `\`, `|` and `=` with a backslash. */
export function escapeKeyPart(text: string): string {
  return text.replace(/[\\|=]/g, (char) => `\\${char}`);
}

/** Encodes pairs (already in order) as a multi-dimensional key. */
export function encodeMultiKey(pairs: readonly KeyPair[]): PartitionKey {
  return pairs.map(([name, value]) => `${escapeKeyPart(name)}=${escapeKeyPart(value)}`).join('|');
}

/** The pairs of a multi-dimensional key in key order, or why it cannot be decoded. */
export function decodeMultiKey(key: PartitionKey): KeyPair[] | string {
  const pairs: KeyPair[] = [];
  let name: string | undefined;
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const char = key.charAt(i);
    if (char === '\\') {
      const next = key.charAt(i + 1);
      if (next !== '\\' && next !== '|' && next !== '=') {
        return `"\\" at position ${i} must be followed by "\\", "|" or "="`;
      }
      current += next;
      i++;
    } else if (char === '=') {
      if (name !== undefined) return `unescaped "=" at position ${i} inside a value (write "\\=")`;
      name = current;
      current = '';
    } else if (char === '|') {
      if (name === undefined) return `"${current}" before position ${i} has no "=value"`;
      pairs.push([name, current]);
      name = undefined;
      current = '';
    } else {
      current += char;
    }
  }
  if (name === undefined) return `"${current}" at the end has no "=value"`;
  pairs.push([name, current]);
  return pairs;
}
