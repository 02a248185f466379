/**
 * The canonical binary encoding every Weft hash is computed over: tokens, source data versions,
 * range hashes and code versions. It is a type-tagged, length-prefixed encoding, so that no two
 * different values encode to the same bytes (unlike joining strings without separators).
 *
 * Layout (all integers big-endian):
 *
 * | value | bytes |
 * |---|---|
 * | `null` | `00` |
 * | `false` / `true` | `01` / `02` |
 * | number | `03` + IEEE-754 float64 (8 bytes); `-0` is written as `0`; NaN and ±Infinity are rejected |
 * | bigint ≥ 0 / < 0 | `04` / `05` + u32 n + n bytes of the magnitude, minimal (no leading zero byte; `0n` has n = 0) |
 * | string | `06` + u32 n + n bytes of UTF-8 (lone surrogates are rejected) |
 * | `Uint8Array` | `07` + u32 n + n raw bytes |
 * | array | `08` + u32 count + each element |
 * | plain object | `09` + u32 count + for each entry, sorted by key: u32 n + key UTF-8 + the value |
 *
 * Object keys are sorted by Unicode code point, which is the same as sorting their UTF-8 bytes
 * (and differs from JavaScript's default UTF-16 code-unit order only for keys mixing astral
 * characters with U+E000…U+FFFF). Each encoding is self-delimiting (the tag fixes the payload's
 * shape, lengths fix its extent), so the code is prefix-free and therefore injective;
 * {@link canonicalDecode} inverts it, which the tests use to prove it.
 *
 * @module
 */
import { WeftError } from '../errors.js';
import { sha256HexOfBytes } from './sha256.js';

/** A value the canonical encoding accepts: JSON-like data plus bigint and bytes. Objects must be plain. */
export type Canonical =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly Canonical[]
  | { readonly [key: string]: Canonical };

/** The tag byte that starts the encoding of each kind of value. Never renumbered. */
export const CANONICAL_TAG = {
  null: 0x00,
  false: 0x01,
  true: 0x02,
  float64: 0x03,
  bigintNonNegative: 0x04,
  bigintNegative: 0x05,
  string: 0x06,
  bytes: 0x07,
  array: 0x08,
  object: 0x09,
} as const;

const MAX_U32 = 0xffff_ffff;
/** Strings longer than this are checked and encoded natively (faster than a JS loop past ~24 chars). */
const NATIVE_UTF8_THRESHOLD = 24;
const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Surrogate}/u;
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Whether `value` has no lone surrogate (so its UTF-8 is lossless). */
function isWellFormed(value: string): boolean {
  return nativeIsWellFormed === undefined ? !LONE_SURROGATE.test(value) : nativeIsWellFormed.call(value);
}

/**
 * Compares two strings by Unicode code point (equivalently, by their UTF-8 bytes), the order used
 * for object keys by the canonical encoding and by {@link canonicalJson}.
 *
 * @returns a negative number, zero or a positive number, like `Array.prototype.sort` expects.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // Surrogates (astral code points) sort after U+E000…U+FFFF in code-point order.
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Formats a path of keys and indices as a JSON path: `['rows', 3, 'a b']` → `$.rows[3]["a b"]`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function badValue(message: string, path: readonly (string | number)[]): WeftError {
  const field = formatJsonPath(path);
  return new WeftError('hashing.bad_value', `cannot encode the value at ${field} canonically: ${message}`, { field });
}

/** Whether `value` is a plain object (`{}` literal, `Object.create(null)`, or a plain object from another realm). */
export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]');
}

/**
 * A growable buffer that writes the canonical encoding piece by piece. Hot paths (tokens, range
 * hashes) use it directly to avoid building intermediate values; {@link canonicalEncode} uses it for
 * whole values. Writing `beginArray(n)` must be followed by exactly n values (likewise objects:
 * n × (`writeKey` in code-point order, value)); the writer does not check that.
 */
export class CanonicalWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private position = 0;
  private readonly path: (string | number)[] = [];
  private readonly ancestors = new Set<object>();

  /** @param initialCapacity bytes allocated up front; the buffer doubles as needed. */
  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Bytes written since the last {@link reset}. */
  get length(): number {
    return this.position;
  }

  /** Bytes currently allocated. */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Forgets what was written (keeps the allocation). */
  reset(): this {
    this.position = 0;
    this.path.length = 0;
    this.ancestors.clear();
    return this;
  }

  /** A view of the bytes written so far; valid until the next write or reset (copy it to keep it). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }

  /** Writes `null`. */
  writeNull(): void {
    this.ensure(1);
    this.buffer[this.position++] = CANONICAL_TAG.null;
  }

  /** Writes a boolean. */
  writeBoolean(value: boolean): void {
    this.ensure(1);
    this.buffer[this.position++] = value ? CANONICAL_TAG.true : CANONICAL_TAG.false;
  }

  /** Writes a finite number as float64 (`-0` as `0`); throws `hashing.bad_value` for NaN and ±Infinity. */
  writeNumber(value: number): void {
    if (!Number.isFinite(value)) throw badValue(`${value} is not a finite number`, this.path);
    this.ensure(9);
    this.buffer[this.position] = CANONICAL_TAG.float64;
    this.view.setFloat64(this.position + 1, value === 0 ? 0 : value);
    this.position += 9;
  }

  /** Writes a bigint as sign tag + minimal big-endian magnitude. */
  writeBigint(value: bigint): void {
    const negative = value < 0n;
    let hex = (negative ? -value : value).toString(16);
    if (hex === '0') hex = '';
    else if (hex.length % 2 === 1) hex = `0${hex}`;
    const n = hex.length / 2;
    this.ensure(5 + n);
    this.buffer[this.position] = negative ? CANONICAL_TAG.bigintNegative : CANONICAL_TAG.bigintNonNegative;
    this.view.setUint32(this.position + 1, n);
    let p = this.position + 5;
    for (let i = 0; i < hex.length; i += 2) this.buffer[p++] = parseInt(hex.slice(i, i + 2), 16);
    this.position = p;
  }

  /** Writes a string as UTF-8; throws `hashing.bad_value` for a lone surrogate. */
  writeString(value: string): void {
    this.ensure(1);
    this.buffer[this.position++] = CANONICAL_TAG.string;
    this.writeUtf8(value);
  }

  /** Writes raw bytes. */
  writeBytes(value: Uint8Array): void {
    if (value.length > MAX_U32) throw badValue('byte array longer than 2^32 - 1', this.path);
    this.ensure(5 + value.length);
    this.buffer[this.position] = CANONICAL_TAG.bytes;
    this.view.setUint32(this.position + 1, value.length);
    this.buffer.set(value, this.position + 5);
    this.position += 5 + value.length;
  }

  /** Starts an array of `count` elements; write them next. */
  beginArray(count: number): void {
    this.writeHeader(CANONICAL_TAG.array, count);
  }

  /** Starts an object of `count` entries; write each as `writeKey` + value, keys in code-point order. */
  beginObject(count: number): void {
    this.writeHeader(CANONICAL_TAG.object, count);
  }

  /** Writes an object key (UTF-8 with its length, no tag). */
  writeKey(key: string): void {
    this.writeUtf8(key);
  }

  /**
   * Writes any {@link Canonical} value. Throws `hashing.bad_value` (context `field` = the JSON path)
   * for values outside the type: `undefined`, functions, symbols, non-plain objects (Date, Map,
   * class instances), holes in arrays, cycles, non-finite numbers and lone surrogates.
   */
  writeValue(value: Canonical): void {
    switch (typeof value) {
      case 'string':
        return this.writeString(value);
      case 'number':
        return this.writeNumber(value);
      case 'boolean':
        return this.writeBoolean(value);
      case 'bigint':
        return this.writeBigint(value);
      case 'object':
        if (value === null) return this.writeNull();
        if (value instanceof Uint8Array) return this.writeBytes(value);
        return this.writeContainer(value);
      default:
        throw badValue(`${typeof value} is not canonical data`, this.path);
    }
  }

  private writeContainer(value: object): void {
    if (this.ancestors.has(value)) throw badValue('circular reference', this.path);
    this.ancestors.add(value);
    if (Array.isArray(value)) {
      const items = value as readonly Canonical[];
      this.beginArray(items.length);
      for (let i = 0; i < items.length; i++) {
        this.path.push(i);
        this.writeValue(items[i]!);
        this.path.pop();
      }
    } else {
      if (!isPlainObject(value)) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw badValue(`${name} is not a plain object`, this.path);
      }
      const record = value as { readonly [key: string]: Canonical };
      const keys = Object.keys(record).sort(compareCodePoints);
      this.beginObject(keys.length);
      for (const key of keys) {
        this.path.push(key);
        this.writeKey(key);
        this.writeValue(record[key]!);
        this.path.pop();
      }
    }
    this.ancestors.delete(value);
  }

  private writeHeader(tag: number, count: number): void {
    this.ensure(5);
    this.buffer[this.position] = tag;
    this.view.setUint32(this.position + 1, count);
    this.position += 5;
  }

  private writeUtf8(value: string): void {
    this.ensure(4 + value.length * 3);
    const start = this.position + 4;
    if (value.length > NATIVE_UTF8_THRESHOLD && isWellFormed(value)) {
      const { written } = utf8Encoder.encodeInto(value, this.buffer.subarray(start));
      this.view.setUint32(this.position, written);
      this.position = start + written;
      return;
    }
    const buf = this.buffer;
    let p = start;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
        if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) {
          throw badValue(`lone surrogate U+${c.toString(16).toUpperCase()} at index ${i} of a string`, this.path);
        }
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0xf0 | (cp >> 18);
        buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[p++] = 0x80 | (cp & 0x3f);
        i++;
      }
    }
    this.view.setUint32(this.position, p - start);
    this.position = p;
  }

  private ensure(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.position));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}

let sharedWriter: CanonicalWriter | undefined;
let sharedBusy = false;

/**
 * Runs `use` with a reset writer: a shared one normally, a fresh one when re-entered (e.g. from a
 * getter called during encoding). The bytes are valid only inside `use`.
 */
export function withCanonicalWriter<T>(use: (writer: CanonicalWriter) => T): T {
  if (sharedBusy) return use(new CanonicalWriter());
  sharedBusy = true;
  try {
    sharedWriter ??= new CanonicalWriter(1024);
    return use(sharedWriter.reset());
  } finally {
    if (sharedWriter !== undefined && sharedWriter.capacity > 1 << 20) sharedWriter = undefined;
    sharedBusy = false;
  }
}

/**
 * The canonical encoding of `value` (see the module documentation for the layout).
 *
 * @throws WeftError `hashing.bad_value` for values outside {@link Canonical}.
 * @example canonicalEncode(['a', 1]) // 08 00000002 06 00000001 61 03 3ff0000000000000
 */
export function canonicalEncode(value: Canonical): Uint8Array {
  return withCanonicalWriter((writer) => {
    writer.writeValue(value);
    return writer.bytes().slice();
  });
}

/** UTF-8 of `value`; throws `hashing.bad_value` for a lone surrogate (which `TextEncoder` would silently replace). */
export function utf8Strict(value: string): Uint8Array {
  if (!isWellFormed(value)) {
    const lone = LONE_SURROGATE.exec(value);
    throw badValue(`lone surrogate at index ${lone?.index ?? -1} of a string`, []);
  }
  return utf8Encoder.encode(value);
}

/** SHA-256 as 64 lower-case hex characters of `bytes`, or of a string's UTF-8 (lone surrogates rejected). */
export function sha256Hex(input: Uint8Array | string): string {
  return sha256HexOfBytes(typeof input === 'string' ? utf8Strict(input) : input);
}

/**
 * SHA-256 hex of the canonical encoding of `value`. Adds no domain prefix: callers put one in the
 * value, e.g. `hashCanonical(['weft/source-version/v1', kind, value])`.
 */
export function hashCanonical(value: Canonical): string {
  return withCanonicalWriter((writer) => {
    writer.writeValue(value);
    return sha256HexOfBytes(writer.bytes());
  });
}
