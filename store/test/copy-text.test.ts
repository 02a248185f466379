import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyField, copyLine, isoInstant } from '../src/copy-text.js';

const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('COPY text fields', () => {
  it('format an instant as Date.prototype.toISOString does, for any millisecond PostgreSQL reads', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: LAST_MS + 86_400_000 }), (ms) => {
        expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
    // Instants of one day (the cached day part), its edges, and the edges of the fast path.
    const day = Date.UTC(2024, 1, 29);
    for (const ms of [0, 999, 1000, 59_999, 3_599_999, day - 1, day, day + 1, day + 86_399_999, day + 86_400_000, LAST_MS, LAST_MS + 1, -1, 1.5]) {
      expect(isoInstant(ms), String(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('escape backslash, tab and newlines, and write NULL as \\N', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField(new Date(Date.UTC(2023, 0, 2, 3, 4, 5, 6)))).toBe('2023-01-02T03:04:05.006Z');
    expect(copyLine(['x', 1, null])).toBe('x\t1\t\\N\n');
  });
});
