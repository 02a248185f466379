/**
 * Values as bytes for a compute that runs in another process: JSON, with the values JSON lacks
 * tagged so they come back as they were — `Map` (range inputs are `Map<partitionKey, value>`),
 * `Date`, `Uint8Array`, `undefined`, `bigint`, non-finite numbers. Not canonical (it is never
 * hashed): data versions come from the asset's codec.
 */
import { WeftError } from '../errors.js';

const TAG = '$weft';

type Tagged =
  | { $weft: 'map'; entries: unknown[] }
  | { $weft: 'date'; iso: string }
  | { $weft: 'bytes'; base64: string }
  | { $weft: 'undefined' }
  | { $weft: 'bigint'; value: string }
  | { $weft: 'number'; value: string }
  | { $weft: 'object'; value: Record<string, unknown> };

function toJsonable(value: unknown, seen: Set<object>): unknown {
  if (value === undefined) return { [TAG]: 'undefined' };
  if (typeof value === 'bigint') return { [TAG]: 'bigint', value: value.toString() };
  if (typeof value === 'number' && !Number.isFinite(value)) return { [TAG]: 'number', value: String(value) };
  if (typeof value === 'function' || typeof value === 'symbol') throw new WeftError('codec.bad_value', `a ${typeof value} cannot be passed to a compute in another process`);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) throw new WeftError('codec.bad_value', 'a value that contains itself cannot be passed to a compute in another process');
  seen.add(value);
  try {
    if (value instanceof Date) return { [TAG]: 'date', iso: value.toISOString() };
    if (value instanceof Uint8Array) return { [TAG]: 'bytes', base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    if (value instanceof Map) return { [TAG]: 'map', entries: [...value].map(([k, v]) => [toJsonable(k, seen), toJsonable(v, seen)]) };
    if (Array.isArray(value)) return value.map((v) => toJsonable(v, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonable(v, seen);
    // A user's own object with a `$weft` key is wrapped so it is never read as a tag.
    return Object.hasOwn(out, TAG) ? { [TAG]: 'object', value: out } : out;
  } finally {
    seen.delete(value);
  }
}

function fromJsonable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJsonable);
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, TAG)) return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromJsonable(v)]));
  const tagged = record as Tagged;
  switch (tagged.$weft) {
    case 'map':
      return new Map(tagged.entries.map((e) => [fromJsonable((e as unknown[])[0]), fromJsonable((e as unknown[])[1])]));
    case 'date':
      return new Date(tagged.iso);
    case 'bytes':
      return new Uint8Array(Buffer.from(tagged.base64, 'base64'));
    case 'undefined':
      return undefined;
    case 'bigint':
      return BigInt(tagged.value);
    case 'number':
      return Number(tagged.value);
    case 'object':
      return Object.fromEntries(Object.entries(tagged.value).map(([k, v]) => [k, fromJsonable(v)]));
    default:
      throw new WeftError('codec.bad_value', `unknown tag ${JSON.stringify((tagged as { $weft: unknown }).$weft)} in a portable value`);
  }
}

/** Encodes a value for a compute in another process (see the module's description). */
export function encodePortableValue(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(toJsonable(value, new Set())));
}

/** Decodes bytes from {@link encodePortableValue}. */
export function decodePortableValue(bytes: Uint8Array): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new WeftError('codec.bad_value', `not a portable value: ${error instanceof Error ? error.message : String(error)}`);
  }
  return fromJsonable(parsed);
}
