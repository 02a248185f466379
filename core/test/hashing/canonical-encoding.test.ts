import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalDecode,
  canonicalEncode,
  CanonicalWriter,
  compareCodePoints,
  hashCanonical,
  sha256Hex,
  type Canonical,
} from '../../src/hashing/index.js';
import { WeftError } from '../../src/errors.js';
import { anyString, canonicalEqual, canonicalValue, hex, thrown, trickyString } from './arbitraries.js';

describe('canonicalEncode: layout', () => {
  const cases: [string, Canonical, string][] = [
    ['null', null, '00'],
    ['false', false, '01'],
    ['true', true, '02'],
    ['1', 1, '033ff0000000000000'],
    ['0', 0, '030000000000000000'],
    ['-0 is written as 0', -0, '030000000000000000'],
    ['-1.5', -1.5, '03bff8000000000000'],
    ['0n', 0n, '0400000000'],
    ['255n', 255n, '0400000001ff'],
    ['256n', 256n, '04000000020100'],
    ['-256n', -256n, '05000000020100'],
    ['empty string', '', '0600000000'],
    ['a', 'a', '060000000161'],
    ['é (2 UTF-8 bytes)', 'é', '0600000002c3a9'],
    ['😀 (4 UTF-8 bytes)', '😀', '0600000004f09f9880'],
    ['bytes', new Uint8Array([1, 2]), '07000000020102'],
    ['empty array', [], '0800000000'],
    ['array', ['a', null], '0800000002' + '060000000161' + '00'],
    ['empty object', {}, '0900000000'],
    ['object keys sorted', { b: true, a: false }, '0900000002' + '0000000161' + '01' + '0000000162' + '02'],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(hex(canonicalEncode(value))).toBe(expected);
  });

  it('writes strings of any length as their UTF-8 (short ones in JS, long ones natively)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (value) => {
        const utf8 = Buffer.from(value, 'utf8');
        const header = Buffer.alloc(5);
        header[0] = 0x06;
        header.writeUInt32BE(utf8.length, 1);
        expect(hex(canonicalEncode(value))).toBe(header.toString('hex') + utf8.toString('hex'));
      }),
    );
  });

  it('rejects a lone surrogate in short and long strings alike', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 60 }), (x, unit, y) => {
        const value = x + String.fromCharCode(unit) + y;
        fc.pre(/\p{Surrogate}/u.test(value));
        expect(thrown(() => canonicalEncode(value)).code).toBe('hashing.bad_value');
        expect(thrown(() => canonicalEncode({ [value]: 1 })).code).toBe('hashing.bad_value');
      }),
    );
  });

  it('sorts keys by code point (UTF-8 byte order), not by UTF-16 code unit', () => {
    const bytes = canonicalEncode({ '😀': 1, '\uffff': 2 });
    // U+FFFF (ef bf bf) comes before U+1F600 (f0 9f 98 80); UTF-16 order would put 😀 (d83d…) first.
    expect(hex(bytes).indexOf('efbfbf')).toBeLessThan(hex(bytes).indexOf('f09f9880'));
    expect(['😀', '\uffff', 'a', '\ue000'].sort(compareCodePoints)).toEqual(['a', '\ue000', '\uffff', '😀']);
  });

  it('ignores key insertion order and object prototypes', () => {
    const nullProto = Object.assign(Object.create(null) as Record<string, Canonical>, { y: 1, x: [2] });
    expect(canonicalEncode(nullProto)).toEqual(canonicalEncode({ x: [2], y: 1 }));
  });
});

describe('canonicalEncode: rejections', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  class Point {
    constructor(readonly x: number) {}
  }
  const holey: unknown[] = [1];
  holey[2] = 3;
  const cases: [string, unknown, string][] = [
    ['NaN', { n: NaN }, '$.n'],
    ['Infinity', [Infinity], '$[0]'],
    ['-Infinity', -Infinity, '$'],
    ['lone high surrogate', { s: 'a\ud800' }, '$.s'],
    ['lone low surrogate', ['\udc00b'], '$[0]'],
    ['lone surrogate in a key', { 'k\ud800': 1 }, '$["k\\ud800"]'],
    ['undefined', { u: undefined }, '$.u'],
    ['hole in an array', holey, '$[1]'],
    ['function', { f: () => 1 }, '$.f'],
    ['symbol', [Symbol('s')], '$[0]'],
    ['Date', { at: new Date(0) }, '$.at'],
    ['Map', new Map(), '$'],
    ['class instance', { rows: [new Point(1)] }, '$.rows[0]'],
    ['typed array other than Uint8Array', new Int8Array(2), '$'],
    ['cycle', cyclic, '$.self.back'],
  ];
  it.each(cases)('%s', (_name, value, field) => {
    const error = thrown(() => canonicalEncode(value as Canonical));
    expect(error).toBeInstanceOf(WeftError);
    expect(error.code).toBe('hashing.bad_value');
    expect(error.context?.field).toBe(field);
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { v: 1 };
    expect(() => canonicalEncode([shared, shared, { a: shared }])).not.toThrow();
  });

  it('sha256Hex rejects strings with lone surrogates', () => {
    expect(thrown(() => sha256Hex('\ud800')).code).toBe('hashing.bad_value');
  });
});

describe('canonicalEncode: injectivity', () => {
  it('decodes back to the value it encoded (so different values never share bytes)', () => {
    fc.assert(
      fc.property(canonicalValue, (value) => {
        expect(canonicalEqual(canonicalDecode(canonicalEncode(value)), value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('gives equal bytes exactly for equal values', () => {
    fc.assert(
      fc.property(canonicalValue, canonicalValue, (a, b) => {
        const same = hex(canonicalEncode(a)) === hex(canonicalEncode(b));
        expect(same).toBe(canonicalEqual(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('never confuses a split point between adjacent strings (the separator-free join bug)', () => {
    fc.assert(
      fc.property(trickyString, trickyString, trickyString, (x, y, z) => {
        fc.pre(y !== '');
        expect(hashCanonical([x + y, z])).not.toBe(hashCanonical([x, y + z]));
        expect(hashCanonical({ [x + y]: z })).not.toBe(hashCanonical({ [x]: y + z }));
      }),
    );
  });

  it('never confuses a string with an array of its parts or with bytes', () => {
    fc.assert(
      fc.property(anyString, anyString, (x, y) => {
        const utf8 = new TextEncoder().encode(x);
        expect(hashCanonical(x)).not.toBe(hashCanonical(utf8));
        expect(hashCanonical([x, y])).not.toBe(hashCanonical(x + y));
        expect(hashCanonical([[x], y])).not.toBe(hashCanonical([x, [y]]));
      }),
    );
  });

  it('rejects non-canonical byte strings when decoding', () => {
    const bad: [string, string][] = [
      ['unknown tag', '0a'],
      ['trailing bytes', '0000'],
      ['truncated', '0600000005616263'],
      ['-0', '038000000000000000'],
      ['NaN', '037ff8000000000000'],
      ['non-minimal bigint', '04000000020001'],
      ['negative zero bigint', '0500000000'],
      ['unsorted keys', '0900000002' + '0000000162' + '00' + '0000000161' + '00'],
      ['duplicate keys', '0900000002' + '0000000161' + '00' + '0000000161' + '00'],
      ['invalid UTF-8', '0600000001ff'],
      ['UTF-8 encoded surrogate', '0600000003eda080'],
    ];
    for (const [name, bytes] of bad) {
      expect(thrown(() => canonicalDecode(Buffer.from(bytes, 'hex'))).code, name).toBe('hashing.bad_value');
    }
  });
});

describe('CanonicalWriter', () => {
  it('writes the same bytes piece by piece as canonicalEncode does for the whole value', () => {
    const writer = new CanonicalWriter(16);
    writer.beginArray(3);
    writer.writeString('x'.repeat(100));
    writer.beginObject(1);
    writer.writeKey('k');
    writer.writeBigint(-5n);
    writer.writeBytes(new Uint8Array([9]));
    expect(hex(writer.bytes())).toBe(hex(canonicalEncode(['x'.repeat(100), { k: -5n }, new Uint8Array([9])])));
    writer.reset();
    expect(writer.length).toBe(0);
  });

  it('hashCanonical is sha256 of canonicalEncode', () => {
    fc.assert(
      fc.property(canonicalValue, (value) => {
        expect(hashCanonical(value)).toBe(sha256Hex(canonicalEncode(value)));
      }),
    );
  });
});
