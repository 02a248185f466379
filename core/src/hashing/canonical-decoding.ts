/**
 * The inverse of {@link canonicalEncode}: reads canonical bytes back into a value and rejects any
 * byte string that is not exactly the canonical encoding of some value (unsorted or duplicate keys,
 * non-minimal bigints, `-0`, NaN, invalid UTF-8, trailing bytes). Because
 * `canonicalDecode(canonicalEncode(v))` equals `v`, the encoding is injective; the tests check it.
 * Also handy for debugging what went into a hash.
 *
 * @module
 */
import { WeftError } from '../errors.js';
import { CANONICAL_TAG, compareCodePoints, type Canonical } from './canonical-encoding.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function corrupt(message: string, offset: number): WeftError {
  return new WeftError('hashing.bad_value', `not a canonical encoding: ${message} at byte ${offset}`, { offset });
}

class Reader {
  private position = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.position === this.bytes.length;
  }

  get offset(): number {
    return this.position;
  }

  private need(n: number): number {
    const at = this.position;
    if (at + n > this.bytes.length) throw corrupt(`truncated (needs ${n} more bytes)`, at);
    this.position += n;
    return at;
  }

  u8(): number {
    return this.bytes[this.need(1)]!;
  }

  u32(): number {
    return this.view.getUint32(this.need(4));
  }

  raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }

  text(): string {
    const n = this.u32();
    const at = this.need(n);
    try {
      return utf8.decode(this.bytes.subarray(at, at + n));
    } catch {
      throw corrupt('invalid UTF-8', at);
    }
  }

  value(): Canonical {
    const at = this.position;
    const tag = this.u8();
    switch (tag) {
      case CANONICAL_TAG.null:
        return null;
      case CANONICAL_TAG.false:
        return false;
      case CANONICAL_TAG.true:
        return true;
      case CANONICAL_TAG.float64: {
        const value = this.view.getFloat64(this.need(8));
        if (!Number.isFinite(value) || Object.is(value, -0)) throw corrupt('non-canonical number', at);
        return value;
      }
      case CANONICAL_TAG.bigintNonNegative:
      case CANONICAL_TAG.bigintNegative: {
        const magnitude = this.raw(this.u32());
        if (magnitude.length > 0 && magnitude[0] === 0) throw corrupt('non-minimal bigint', at);
        if (magnitude.length === 0 && tag === CANONICAL_TAG.bigintNegative) throw corrupt('negative zero bigint', at);
        let value = 0n;
        for (const byte of magnitude) value = (value << 8n) | BigInt(byte);
        return tag === CANONICAL_TAG.bigintNegative ? -value : value;
      }
      case CANONICAL_TAG.string:
        return this.text();
      case CANONICAL_TAG.bytes:
        return this.raw(this.u32());
      case CANONICAL_TAG.array: {
        const count = this.u32();
        const items: Canonical[] = [];
        for (let i = 0; i < count; i++) items.push(this.value());
        return items;
      }
      case CANONICAL_TAG.object: {
        const count = this.u32();
        const record: Record<string, Canonical> = {};
        let previous: string | undefined;
        for (let i = 0; i < count; i++) {
          const keyAt = this.position;
          const key = this.text();
          if (previous !== undefined && compareCodePoints(previous, key) >= 0) throw corrupt('keys not strictly sorted', keyAt);
          previous = key;
          // defineProperty keeps a `__proto__` key an own property.
          Object.defineProperty(record, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
        }
        return record;
      }
      default:
        throw corrupt(`unknown tag 0x${tag.toString(16)}`, at);
    }
  }
}

/**
 * Decodes canonical bytes written by {@link canonicalEncode}. Objects come back as plain objects,
 * byte strings as fresh `Uint8Array`s.
 *
 * @throws WeftError `hashing.bad_value` (context `offset`) if `bytes` is not a canonical encoding.
 */
export function canonicalDecode(bytes: Uint8Array): Canonical {
  const reader = new Reader(bytes);
  const value = reader.value();
  if (!reader.done) throw corrupt('trailing bytes', reader.offset);
  return value;
}
