import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { instantsAtLocal, resolveTimeZone, startOfLocalDay } from '../../../src/partitions/definitions/time-zone.js';
import { HOUR, ms } from './context.js';

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Asia/Kolkata', 'Africa/Casablanca', 'Antarctica/Troll'];

/** A zone that exists, for tests. */
function zone(name: string) {
  const resolved = resolveTimeZone(name);
  if (resolved === undefined) throw new Error(`unknown zone ${name}`);
  return resolved;
}

describe('cached zone offsets', () => {
  it('agree with luxon at any instant', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: ms('1900-01-01T00:00:00Z'), max: ms('2100-01-01T00:00:00Z') }), (name, instant) => {
        expect(zone(name).offsetMs(instant)).toBe(Math.round(IANAZone.create(name).offset(instant) * 60_000));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    { name: 'America/New_York', transition: '2024-03-10T07:00:00Z', before: -5, after: -4 },
    { name: 'America/New_York', transition: '2024-11-03T06:00:00Z', before: -4, after: -5 },
    { name: 'Europe/Berlin', transition: '2024-03-31T01:00:00Z', before: 1, after: 2 },
    { name: 'Australia/Lord_Howe', transition: '2024-10-05T15:30:00Z', before: 10.5, after: 11 },
  ])('switch exactly at $name transitions', ({ name, transition, before, after }) => {
    expect(zone(name).offsetMs(ms(transition) - 1)).toBe(before * HOUR);
    expect(zone(name).offsetMs(ms(transition))).toBe(after * HOUR);
  });
});

describe('local times', () => {
  it.each([
    { name: 'America/New_York', local: '2024-03-10T02:30:00Z', instants: [] },
    { name: 'America/New_York', local: '2024-11-03T01:30:00Z', instants: ['2024-11-03T05:30:00.000Z', '2024-11-03T06:30:00.000Z'] },
    { name: 'Europe/Berlin', local: '2024-07-01T12:00:00Z', instants: ['2024-07-01T10:00:00.000Z'] },
  ])('$local in $name happens $instants.length time(s)', ({ name, local, instants }) => {
    expect(instantsAtLocal(zone(name), ms(local)).map((t) => new Date(t).toISOString())).toEqual(instants);
  });

  it('starts days at midnight, or after a gap at midnight', () => {
    const day = (iso: string) => Math.floor(ms(iso) / 86_400_000);
    expect(new Date(startOfLocalDay(zone('Europe/Berlin'), day('2024-03-31T00:00:00Z'))).toISOString()).toBe('2024-03-30T23:00:00.000Z');
    expect(new Date(startOfLocalDay(zone('America/Sao_Paulo'), day('2018-11-04T00:00:00Z'))).toISOString()).toBe('2018-11-04T03:00:00.000Z');
  });

  it('rejects unknown zones', () => {
    expect(resolveTimeZone('Nowhere/Special')).toBeUndefined();
    expect(resolveTimeZone('../etc/passwd')).toBeUndefined();
  });
});
