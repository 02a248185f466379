/** Shared fast-check arbitraries and helpers for the hashing tests. */
import fc from 'fast-check';
import type { Canonical } from '../../src/hashing/index.js';

/**
 * Strings built from characters that look like tags and length bytes of the encoding (0x00–0x09,
 * 0xff) mixed with multi-byte and astral characters, so that ambiguous concatenations are likely.
 */
export const trickyString = fc.string({
  unit: fc.constantFrom('\u0000', '\u0001', '\u0002', '\u0003', '\u0006', '\u0008', '\u0009', '\u00ff', 'a', 'é', '\ue000', '\uffff', '😀'),
  maxLength: 8,
});

/** Any well-formed string (full Unicode) or a tricky one. */
export const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), trickyString);

/** Random values of the canonical data model, including null-prototype objects. */
export const canonicalValue: fc.Arbitrary<Canonical> = fc.letrec<{ value: Canonical }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -3, max: 300 }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    anyString,
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Structural equality of canonical values: `-0` equals `0`, object prototypes and key order are ignored. */
export function canonicalEqual(a: Canonical, b: Canonical): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const left = a as readonly Canonical[];
    const right = b as readonly Canonical[];
    return left.every((x, i) => canonicalEqual(x, right[i]!));
  }
  const left = a as Record<string, Canonical>;
  const right = b as Record<string, Canonical>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(right, k) && canonicalEqual(left[k]!, right[k]!));
}

/** Hex of bytes, for readable assertions. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Catches what `fn` throws (fails the test if nothing is thrown). */
export function thrown(fn: () => unknown): { code?: string; message: string; context?: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string; context?: Record<string, unknown> };
  }
  throw new Error('expected an error');
}
