import { describe, expect, it } from 'vitest';
import { decodePortableValue, encodePortableValue } from '../../src/index.js';

describe('portable values (a compute run in another process)', () => {
  const cases: Array<[string, unknown]> = [
    ['a plain object', { total: 42, rows: [1, 2, 3], name: 'x', nested: { ok: true, none: null } }],
    ['a range input (Map of partition keys)', new Map([['2024-01-01', { n: 1 }], ['2024-01-02', { n: 2 }]])],
    ['a Date', new Date('2024-03-01T12:00:00.123Z')],
    ['bytes', new Uint8Array([0, 1, 254, 255])],
    ['undefined inside an object', { absent: undefined, present: 1 }],
    ['a bigint', 12345678901234567890n],
    ['non-finite numbers', [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
    ["a user's object with a $weft key", { $weft: 'map', entries: 'not a tag' }],
    ['inputs of every kind together', { day: new Map([['2024-01-01', new Date(0)]]), raw: new Uint8Array([7]), optional: undefined }],
  ];
  it.each(cases)('round-trips %s', (_what, value) => {
    expect(decodePortableValue(encodePortableValue(value))).toEqual(value);
  });

  it('keeps NaN', () => {
    expect(Number.isNaN(decodePortableValue(encodePortableValue(Number.NaN)))).toBe(true);
  });

  it('refuses functions and cycles, naming the problem', () => {
    expect(() => encodePortableValue({ f: () => 1 })).toThrow(/a function cannot be passed/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodePortableValue(cyclic)).toThrow(/contains itself/);
  });

  it('refuses bytes that are not a portable value', () => {
    expect(() => decodePortableValue(new TextEncoder().encode('{oops'))).toThrow(/not a portable value/);
    expect(() => decodePortableValue(encodePortableValue({ $weft: 'object', value: {} }).map((b) => b))).not.toThrow();
  });
});
