import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesCodec, canonicalJson, dataVersionOf, jsonCodec, textCodec } from '../../src/hashing/index.js';
import { WeftError } from '../../src/errors.js';
import { thrown } from './arbitraries.js';

describe('canonicalJson', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, 'null'],
    ['numbers as JSON writes them, -0 as 0', [1, -0, 1.5e300, 0.1], '[1,0,1.5e+300,0.1]'],
    ['keys sorted, no whitespace', { b: 1, a: { d: [true, false], c: 'x' } }, '{"a":{"c":"x","d":[true,false]},"b":1}'],
    ['Date as ISO string', { at: new Date(Date.UTC(2024, 0, 31, 12)) }, '{"at":"2024-01-31T12:00:00.000Z"}'],
    ['undefined properties omitted', { a: undefined, b: 2 }, '{"b":2}'],
    ['keys by code point: U+FFFF before an astral key', { '😀': 1, '\uffff': 2, z: 3 }, '{"z":3,"\uffff":2,"😀":1}'],
    ['escapes', { 'a"b': 'line\nbreak\u0000' }, '{"a\\"b":"line\\nbreak\\u0000"}'],
    ['lone surrogate escaped, not replaced', ['\ud800'], '["\\ud800"]'],
    ['null-prototype object', Object.assign(Object.create(null) as object, { y: 1, x: 2 }), '{"x":2,"y":1}'],
    ['shared references are fine', ((s) => [s, s])({ v: 1 }), '[{"v":1},{"v":1}]'],
    ['a string', 'hi', '"hi"'],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  const cyclic: Record<string, unknown> = { a: { list: [] as unknown[] } };
  (cyclic.a as { list: unknown[] }).list.push(cyclic);
  const holey: unknown[] = [1];
  holey[2] = 3;
  class Money {
    constructor(readonly cents: number) {}
  }
  const errors: [string, unknown, string, RegExp][] = [
    ['NaN', { rows: [{}, {}, {}, { amount: NaN }] }, '$.rows[3].amount', /finite number/],
    ['Infinity', { x: Infinity }, '$.x', /finite number/],
    ['bigint', { id: 10n }, '$.id', /String\(value\)/],
    ['function', { f: () => 1 }, '$.f', /function/],
    ['symbol', { s: Symbol('s') }, '$.s', /symbol/],
    ['undefined in an array', [1, undefined], '$[1]', /use null/],
    ['hole in an array', holey, '$[1]', /hole/],
    ['Map', { m: new Map([['a', 1]]) }, '$.m', /Object\.fromEntries/],
    ['Set', { s: new Set([1]) }, '$.s', /\[\.\.\.set\]/],
    ['class instance', { price: new Money(5) }, '$.price', /Money/],
    ['binary data', { b: new Uint8Array(1) }, '$.b', /bytesCodec/],
    ['cycle', cyclic, '$.a.list[0]', /circular reference to \$$/],
    ['invalid Date', { d: new Date(NaN) }, '$.d', /invalid Date/],
    ['key needing quotes in the path', { 'a b': [NaN] }, '$["a b"][0]', /finite/],
    ['top-level undefined', undefined, '$', /undefined/],
  ];
  it.each(errors)('rejects %s with its JSON path', (_name, value, field, message) => {
    const error = thrown(() => canonicalJson(value));
    expect(error).toBeInstanceOf(WeftError);
    expect(error.code).toBe('user_code.bad_output');
    expect(error.context?.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(field)).toBe(true);
  });

  /** The same value rebuilt with every object's keys inserted in reverse order. */
  function reversed(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reversed);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value).reverse()) {
        Object.defineProperty(out, key, { value: reversed((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  }

  it('gives equal bytes for equal values whatever the key insertion order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonCodec().encode(reversed(value))).toEqual(jsonCodec().encode(value));
        expect(dataVersionOf(jsonCodec().encode(reversed(value)))).toBe(dataVersionOf(jsonCodec().encode(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('means the same as JSON.stringify', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('jsonCodec', () => {
  const codec = jsonCodec<unknown>();
  it('round-trips JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(codec.decode(codec.encode(value)))).toBe(canonicalJson(value));
      }),
    );
  });

  it('is named json and decodes dates as ISO strings', () => {
    expect(codec.name).toBe('json');
    expect(codec.decode(codec.encode({ at: new Date(0) }))).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it('reports undecodable bytes as codec.bad_value', () => {
    expect(thrown(() => codec.decode(new Uint8Array([0xff]))).code).toBe('codec.bad_value');
    expect(thrown(() => codec.decode(new TextEncoder().encode('{"a":'))).code).toBe('codec.bad_value');
  });
});

describe('bytesCodec and textCodec', () => {
  it('bytesCodec is the identity on Uint8Array (and Buffer)', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(bytesCodec().encode(bytes)).toBe(bytes);
    expect(bytesCodec().decode(bytes)).toBe(bytes);
    const buffer = Buffer.from('ab');
    expect(bytesCodec().encode(buffer)).toBe(buffer);
    expect(thrown(() => bytesCodec().encode('ab' as unknown as Uint8Array)).code).toBe('user_code.bad_output');
    expect(bytesCodec().name).toBe('bytes');
  });

  it('textCodec round-trips well-formed strings as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const encoded = textCodec().encode(s);
        expect(encoded).toEqual(new Uint8Array(Buffer.from(s, 'utf8')));
        expect(textCodec().decode(encoded)).toBe(s);
      }),
    );
    expect(textCodec().name).toBe('text');
  });

  it('textCodec refuses lone surrogates and invalid UTF-8 instead of replacing them', () => {
    expect(thrown(() => textCodec().encode('a\udc00')).code).toBe('user_code.bad_output');
    expect(thrown(() => textCodec().decode(new Uint8Array([0xc3]))).code).toBe('codec.bad_value');
  });
});
