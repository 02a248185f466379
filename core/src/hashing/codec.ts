/**
 * Value codecs: how an asset's value becomes the bytes that are stored and hashed into its data
 * version. The default, {@link jsonCodec}, writes canonical JSON so that equal values give equal
 * bytes and early cutoff works.
 *
 * @module
 */
import { WeftError } from '../errors.js';
import { compareCodePoints, formatJsonPath, isPlainObject } from './canonical-encoding.js';

/** Turns values of type `T` into bytes and back. `decode(encode(v))` must be equivalent to `v`. */
export interface Codec<T> {
  /** A stable identifier recorded with stored values, e.g. `json`. */
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

type Path = (string | number)[];

function badOutput(path: Path, message: string): WeftError {
  const field = formatJsonPath(path);
  return new WeftError('user_code.bad_output', `${field}: ${message}`, { field });
}

function tagOf(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function describeInstance(value: object, path: Path): WeftError {
  switch (tagOf(value)) {
    case 'Map':
      return badOutput(path, 'a Map is not JSON; convert it, e.g. Object.fromEntries(map) for string keys or [...map] for entries');
    case 'Set':
      return badOutput(path, 'a Set is not JSON; convert it to an array, e.g. [...set]');
    default: {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        return badOutput(path, 'binary data is not JSON; use bytesCodec() for bytes, or convert it to an array or a base64 string');
      }
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
      return badOutput(path, `an instance of ${name} is not a plain object; convert it to a plain object, array, string or number (Date is the only class converted automatically)`);
    }
  }
}

class CanonicalJsonWriter {
  private readonly path: Path = [];
  private readonly ancestors = new Map<object, string>();

  write(value: unknown, inArray: boolean): string | undefined {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(value)) throw badOutput(this.path, `${value} is not a finite number and JSON cannot represent it; use null or a string`);
        return String(value);
      case 'bigint':
        throw badOutput(this.path, `bigint ${value}n is not JSON; convert it to a string (String(value)) or a number`);
      case 'function':
        throw badOutput(this.path, 'a function is not data; remove it from the value');
      case 'symbol':
        throw badOutput(this.path, 'a symbol is not data; remove it or use a string');
      case 'undefined':
        if (inArray) throw badOutput(this.path, 'undefined (or a hole) in an array is not JSON; use null');
        if (this.path.length === 0) throw badOutput(this.path, 'undefined is not a JSON value; return null or a value');
        return undefined;
      case 'object':
        return value === null ? 'null' : this.writeObject(value);
      default:
        throw badOutput(this.path, `${typeof value} is not JSON`);
    }
  }

  private writeObject(value: object): string {
    if (tagOf(value) === 'Date') {
      const time = (value as Date).getTime();
      if (Number.isNaN(time)) throw badOutput(this.path, 'invalid Date');
      return JSON.stringify((value as Date).toISOString());
    }
    const seenAt = this.ancestors.get(value);
    if (seenAt !== undefined) throw badOutput(this.path, `circular reference to ${seenAt}`);
    if (!Array.isArray(value) && !isPlainObject(value)) throw describeInstance(value, this.path);
    this.ancestors.set(value, formatJsonPath(this.path));
    let out: string;
    if (Array.isArray(value)) {
      out = '[';
      for (let i = 0; i < value.length; i++) {
        this.path.push(i);
        out += (i === 0 ? '' : ',') + this.write(value[i], true);
        this.path.pop();
      }
      out += ']';
    } else {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort(compareCodePoints);
      out = '{';
      let first = true;
      for (const key of keys) {
        this.path.push(key);
        const encoded = this.write(record[key], false);
        this.path.pop();
        if (encoded === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${encoded}`;
        first = false;
      }
      out += '}';
    }
    this.ancestors.delete(value);
    return out;
  }
}

/**
 * Canonical JSON: object keys sorted by code point, no whitespace, `Date` as its ISO string,
 * `undefined` object properties omitted, `-0` as `0`, numbers and strings as `JSON.stringify` writes
 * them (lone surrogates escaped). Equal values give equal strings whatever their key insertion order.
 * Symbol-keyed properties are ignored, as JSON does.
 *
 * @throws WeftError `user_code.bad_output` with context `field` = the JSON path (e.g.
 * `$.rows[3].amount`) for NaN/±Infinity, bigint, functions, symbols, `undefined` or holes in arrays,
 * cycles, Map/Set, invalid Dates and instances of classes other than Date.
 * @example canonicalJson({ b: 1, a: [new Date(0)] }) // '{"a":["1970-01-01T00:00:00.000Z"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return new CanonicalJsonWriter().write(value, false)!;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(codec: string, bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (error) {
    throw new WeftError('codec.bad_value', `${codec} codec: stored bytes are not valid UTF-8`, { codec }, 'actionable', { cause: error });
  }
}

const json: Codec<unknown> = Object.freeze({
  name: 'json',
  encode: (value: unknown) => utf8Encoder.encode(canonicalJson(value)),
  decode: (bytes: Uint8Array): unknown => {
    const text = decodeUtf8('json', bytes);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new WeftError('codec.bad_value', 'json codec: stored bytes are not valid JSON', { codec: 'json' }, 'actionable', { cause: error });
    }
  },
});

/**
 * The default codec: {@link canonicalJson} as UTF-8. Decoding gives plain JSON values (a `Date`
 * comes back as its ISO string); `T` is trusted, not checked.
 *
 * @throws WeftError `user_code.bad_output` from `encode` for values JSON cannot represent faithfully;
 * `codec.bad_value` from `decode` for bytes that are not UTF-8 JSON.
 */
export function jsonCodec<T>(): Codec<T> {
  return json as Codec<T>;
}

const bytes: Codec<Uint8Array> = Object.freeze({
  name: 'bytes',
  encode: (value: Uint8Array) => {
    if (!(value instanceof Uint8Array)) {
      throw badOutput([], `bytesCodec expects a Uint8Array (or Buffer), got ${value === null ? 'null' : typeof value}`);
    }
    return value;
  },
  decode: (stored: Uint8Array) => stored,
});

/** Identity codec for binary values (`Uint8Array`, including `Buffer`); no copy is made either way. */
export function bytesCodec(): Codec<Uint8Array> {
  return bytes;
}

const text: Codec<string> = Object.freeze({
  name: 'text',
  encode: (value: string) => {
    if (typeof value !== 'string') throw badOutput([], `textCodec expects a string, got ${value === null ? 'null' : typeof value}`);
    const lone = /\p{Surrogate}/u.exec(value);
    if (lone !== null) throw badOutput([], `lone surrogate at index ${lone.index} cannot be stored as UTF-8`);
    return utf8Encoder.encode(value);
  },
  decode: (stored: Uint8Array) => decodeUtf8('text', stored),
});

/** UTF-8 text codec; rejects strings with lone surrogates (UTF-8 cannot hold them) and invalid UTF-8. */
export function textCodec(): Codec<string> {
  return text;
}
