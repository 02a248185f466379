import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, isoWeekday } from '../../../src/partitions/definitions/civil-date.js';
import { cronWindows, daily, hourly, minutely, monthly, weekly, yearly } from '../../../src/partitions/definitions/index.js';
import type { TimeWindowPartitions } from '../../../src/partitions/types.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Sao_Paulo'];

/** Each granularity with a factory and an index range that keeps keys within ~1900–2150. */
const GRANULARITIES: Array<{ name: string; make: (timezone: string) => TimeWindowPartitions; range: number }> = [
  { name: 'minutely', make: (timezone) => minutely({ start: '2024-01-01', timezone }), range: 20_000_000 },
  { name: 'hourly', make: (timezone) => hourly({ start: '2024-01-01', timezone }), range: 500_000 },
  { name: 'daily', make: (timezone) => daily({ start: '2024-01-01', timezone }), range: 40_000 },
  { name: 'weekly', make: (timezone) => weekly({ start: '2024-01-07', timezone, weekStartsOn: 7 }), range: 5_000 },
  { name: 'monthly', make: (timezone) => monthly({ start: '2024-01', timezone }), range: 1_200 },
  { name: 'yearly', make: (timezone) => yearly({ start: '2024', timezone }), range: 100 },
];

describe.each(GRANULARITIES)('$name windows', ({ make, range }) => {
  const definitions = ZONES.map(make);
  const arbitrary = fc.record({ definition: fc.constantFrom(...definitions), index: fc.integer({ min: -range, max: range }) });

  it('parseKey(formatKey(i)) === i, also for negative i', () => {
    fc.assert(
      fc.property(arbitrary, ({ definition, index }) => {
        const key = definition.formatKey(index);
        expect(definition.parseKey(key)).toBe(index);
        expect(definition.checkKey(key)).toBeUndefined();
      }),
    );
  });

  it('windows tile time: indexAtInstant(start) === i and end === next start', () => {
    fc.assert(
      fc.property(arbitrary, ({ definition, index }) => {
        const window = definition.windowAt(index);
        expect(window.end).toBeGreaterThan(window.start);
        expect(window.end).toBe(definition.windowAt(index + 1).start);
        expect(definition.indexAtInstant(window.start)).toBe(index);
        expect(definition.indexAtInstant(window.end - 1)).toBe(index);
      }),
    );
  });

  it('count(now) counts exactly the windows closed by now', () => {
    fc.assert(
      fc.property(arbitrary, ({ definition, index }) => {
        const end = definition.windowAt(Math.abs(index)).end;
        const ctx = (now: number) => ({ now, dynamicKeys: () => [] });
        expect(definition.count(ctx(end))).toBe(Math.abs(index) + 1);
        expect(definition.count(ctx(end - 1))).toBe(Math.abs(index));
      }),
    );
  });
});

describe('cron windows (properties)', () => {
  const definitions = [
    cronWindows({ start: '2024-01-01', cron: '0 * * * *', timezone: 'America/New_York' }),
    cronWindows({ start: '2024-01-01', cron: '30 2 * * *', timezone: 'Europe/Berlin' }),
    cronWindows({ start: '2024-01-01', cron: '0 9 * * 1-5' }),
    cronWindows({ start: '2024-01-01', cron: '15 3 1 * *', timezone: 'Australia/Lord_Howe' }),
  ];
  const arbitrary = fc.record({ definition: fc.constantFrom(...definitions), index: fc.integer({ min: -400, max: 400 }) });

  it('round-trips keys and tiles time', () => {
    fc.assert(
      fc.property(arbitrary, ({ definition, index }) => {
        expect(definition.parseKey(definition.formatKey(index))).toBe(index);
        const window = definition.windowAt(index);
        expect(window.end).toBe(definition.windowAt(index + 1).start);
        expect(definition.indexAtInstant(window.start)).toBe(index);
        expect(definition.indexAtInstant(window.end - 1)).toBe(index);
      }),
      { numRuns: 200 },
    );
  });
});

describe('civil dates', () => {
  it('agree with Date.UTC for any day number', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 2_000_000 }), (days) => {
        const date = new Date(days * 86_400_000);
        const civil = civilFromDays(days);
        expect(civil).toEqual({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
        expect(daysFromCivil(civil.year, civil.month, civil.day)).toBe(days);
        expect(isoWeekday(days)).toBe(((date.getUTCDay() + 6) % 7) + 1);
      }),
    );
  });
});
