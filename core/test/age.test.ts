import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgeError, formatAge, parseAge } from '../src/age.js';

describe('ages on the command line', () => {
  it('parses seconds, minutes, hours, days and weeks', () => {
    expect(parseAge('45s', '--x')).toBe(45_000);
    expect(parseAge('90m', '--x')).toBe(5_400_000);
    expect(parseAge('12h', '--x')).toBe(43_200_000);
    expect(parseAge('30d', '--x')).toBe(2_592_000_000);
    expect(parseAge('2w', '--x')).toBe(1_209_600_000);
    expect(parseAge(' 0d ', '--x')).toBe(0);
  });

  it('rejects anything else, naming the option and the value', () => {
    for (const bad of ['', '30', 'd', '30x', '-1d', '1.5h', '30 d', '1e3s', '30D', '10000000000d']) {
      const error = (() => {
        try {
          parseAge(bad, '--events');
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(bad)).toBeInstanceOf(AgeError);
      expect((error as Error).message).toContain('--events');
      expect((error as Error).message).toContain(JSON.stringify(bad));
    }
  });

  it('rejects ages over 100 years and under a minimum, naming the option', () => {
    expect(parseAge('36500d', '--x')).toBe(36_500 * 86_400_000);
    expect(() => parseAge('36501d', '--checks')).toThrow(/--checks must be at most 100 years \(36500d\), got "36501d"/);
    expect(() => parseAge('999999999w', '--checks')).toThrow(AgeError);
    expect(parseAge('1h', '--detail', { min: 3_600_000 })).toBe(3_600_000);
    expect(() => parseAge('59m', '--detail', { min: 3_600_000 })).toThrow(/--detail must be at least 1h, got "59m"/);
  });

  it('formats an exact age in its unit, and an elapsed one rounded down', () => {
    expect(formatAge(2_592_000_000)).toBe('30d');
    expect(formatAge(5_400_000)).toBe('90m');
    expect(formatAge(15 * 60_000)).toBe('15m');
    expect(formatAge(40 * 86_400_000 + 123_456)).toBe('40d');
    expect(formatAge(36 * 3_600_000 + 5)).toBe('36h');
    expect(formatAge(90_500)).toBe('90s');
    expect(formatAge(250)).toBe('250ms');
    expect(formatAge(-5)).toBe('0ms');
  });

  it('reads back what it prints for whole ages', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('s', 'm', 'h', 'd', 'w'), (n, unit) => {
        const ms = parseAge(`${n}${unit}`, '--x');
        expect(parseAge(formatAge(ms), '--x')).toBe(ms);
      }),
    );
  });
});
