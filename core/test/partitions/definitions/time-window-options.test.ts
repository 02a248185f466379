import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../src/errors.js';
import { cronWindows, daily, hourly, minutely, monthly, weekly, yearly } from '../../../src/partitions/definitions/index.js';
import { ms } from './context.js';

/** Runs `build` and returns the DefinitionError it throws. */
function definitionError(build: () => unknown): DefinitionError {
  try {
    build();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('expected a DefinitionError');
}

describe('start', () => {
  it.each([
    { start: '2024-01-01', timezone: 'UTC', expected: '2024-01-01T00:00:00.000Z' },
    { start: '2024-01-01', timezone: 'America/New_York', expected: '2024-01-01T05:00:00.000Z' },
    { start: '2024-01-01T00:00', timezone: 'Asia/Kolkata', expected: '2023-12-31T18:30:00.000Z' },
    { start: '2024-01-01T05:00:00Z', timezone: 'America/New_York', expected: '2024-01-01T05:00:00.000Z' },
    { start: '2024-01-01T06:00+01:00', timezone: 'America/New_York', expected: '2024-01-01T05:00:00.000Z' },
    { start: '2024-01-01T00:00:00.000-05:00', timezone: 'America/New_York', expected: '2024-01-01T05:00:00.000Z' },
  ])('reads $start in $timezone', ({ start, timezone, expected }) => {
    expect(new Date(daily({ start, timezone }).startMs).toISOString()).toBe(expected);
  });

  it('takes the first of two local times in a fall-back overlap', () => {
    expect(hourly({ start: '2024-11-03T01:00', timezone: 'America/New_York' }).startMs).toBe(ms('2024-11-03T05:00:00Z'));
    expect(hourly({ start: '2024-11-03T01:00-05:00', timezone: 'America/New_York' }).startMs).toBe(ms('2024-11-03T06:00:00Z'));
  });

  it.each([
    { build: () => daily({ start: '2024-01-01T06:00' }), message: /"2024-01-01T06:00" is not aligned .* daily windows start at local midnight; use "2024-01-01" or "2024-01-02"/ },
    { build: () => daily({ start: '2024-01-01T00:00Z', timezone: 'Europe/Berlin' }), message: /use "2024-01-01" or "2024-01-02"/ },
    { build: () => hourly({ start: '2024-01-01T06:30' }), message: /"2024-01-01T06:30" .* on the hour.*use "2024-01-01T06:00" or "2024-01-01T07:00"/ },
    { build: () => hourly({ start: '2024-01-01T00:00', timezone: 'Asia/Kathmandu' }), message: undefined },
    { build: () => minutely({ start: '2024-01-01T06:30:15' }), message: /"2024-01-01T06:30:15" .* whole minute; use "2024-01-01T06:30" or "2024-01-01T06:31"/ },
    { build: () => weekly({ start: '2024-01-03' }), message: /"2024-01-03" .* first day of the week \(Monday\); use "2024-01-01" or "2024-01-08"/ },
    { build: () => weekly({ start: '2024-01-01', weekStartsOn: 7 }), message: /\(Sunday\); use "2023-12-31" or "2024-01-07"/ },
    { build: () => monthly({ start: '2024-01-31' }), message: /"2024-01-31" .* on the 1st; use "2024-01" or "2024-02"/ },
    { build: () => yearly({ start: '2024-02' }), message: /"2024-02" .* January 1st; use "2024" or "2025"/ },
  ])('checks alignment: $message', ({ build, message }) => {
    if (message === undefined) {
      expect(build).not.toThrow();
      return;
    }
    const error = definitionError(build);
    expect(error.code).toBe('definition.bad_option');
    expect(error.context).toMatchObject({ field: 'partitions.start' });
    expect(error.message).toMatch(message);
  });
});

describe('option errors name the field and the value', () => {
  it.each([
    { field: 'partitions.start', build: () => daily({ start: '2024-1-1' }), message: /"2024-1-1" is not an ISO date/ },
    { field: 'partitions.start', build: () => daily({ start: '2024-02-30' }), message: /"2024-02-30" .*February 2024 has 29 days/ },
    { field: 'partitions.start', build: () => daily({ start: '2024-01-01T24:00' }), message: /"2024-01-01T24:00" .* not a time of day/ },
    { field: 'partitions.start', build: () => daily({ start: '2024-01-01 junk' }), message: /"2024-01-01 junk"/ },
    { field: 'partitions.start', build: () => daily({} as never), message: /partitions.start must be an ISO date string/ },
    { field: 'partitions.start', build: () => daily({ start: 20240101 } as never), message: /got 20240101/ },
    { field: 'partitions.start', build: () => hourly({ start: '2024-03-31T02:00', timezone: 'Europe/Berlin' }), message: /"2024-03-31T02:00" does not exist in Europe\/Berlin/ },
    { field: 'partitions.timezone', build: () => daily({ start: '2024-01-01', timezone: 'Mars/Olympus' }), message: /"Mars\/Olympus" is not a known IANA time zone/ },
    { field: 'partitions.timezone', build: () => daily({ start: '2024-01-01', timezone: '' }), message: /"" is not a known IANA time zone/ },
    { field: 'partitions.end', build: () => daily({ start: '2024-01-02', end: '2024-01-02' }), message: /partitions.end "2024-01-02" must be after/ },
    { field: 'partitions.end', build: () => daily({ start: '2024-01-02', end: '2024-01-01' }), message: /"2024-01-01"/ },
    { field: 'partitions.end', build: () => daily({ start: '2024-01-02', end: 'soon' }), message: /"soon" is not an ISO date/ },
    { field: 'partitions.lagMinutes', build: () => daily({ start: '2024-01-01', lagMinutes: -5 }), message: /lagMinutes -5 must be a non-negative whole number/ },
    { field: 'partitions.lagMinutes', build: () => daily({ start: '2024-01-01', lagMinutes: 1.5 }), message: /lagMinutes 1.5/ },
    { field: 'partitions.weekStartsOn', build: () => weekly({ start: '2024-01-01', weekStartsOn: 0 as never }), message: /weekStartsOn 0 must be 1 \(Monday\) … 7 \(Sunday\)/ },
    { field: 'partitions.weekStartsOn', build: () => daily({ start: '2024-01-01', weekStartsOn: 1 } as never), message: /unknown option "weekStartsOn" for daily\(\)/ },
    { field: 'partitions.timeZone', build: () => daily({ start: '2024-01-01', timeZone: 'UTC' } as never), message: /unknown option "timeZone"/ },
    { field: 'partitions.cron', build: () => cronWindows({ start: '2024-01-01', cron: '61 * * * *' }), message: /"61 \* \* \* \*" is not a valid 5-field cron expression/ },
    { field: 'partitions.cron', build: () => cronWindows({ start: '2024-01-01', cron: '0 0 6 * * *' }), message: /"0 0 6 \* \* \*" is not a valid 5-field cron expression/ },
    { field: 'partitions.cron', build: () => cronWindows({ start: '2024-01-01', cron: '2030-01-01T00:00:00' }), message: /"2030-01-01T00:00:00" is not a valid/ },
    { field: 'partitions.cron', build: () => cronWindows({ start: '2024-01-01', cron: '' }), message: /got ""/ },
    { field: 'partitions.cron', build: () => cronWindows({ start: '2024-01-01', cron: '0 0 30 2 *' }), message: /"0 0 30 2 \*" never fires/ },
    { field: 'partitions', build: () => daily(undefined as never), message: /takes an options object/ },
  ])('$field: $message', ({ field, build, message }) => {
    const error = definitionError(build);
    expect(error.code).toBe('definition.bad_option');
    expect(error.context.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('time zones', () => {
  it.each([
    { timezone: 'UTC', name: 'UTC' },
    { timezone: 'Etc/UTC', name: 'UTC' },
    { timezone: 'gmt', name: 'UTC' },
    { timezone: 'america/new_york', name: 'America/New_York' },
    { timezone: 'Europe/Berlin', name: 'Europe/Berlin' },
  ])('normalizes $timezone to $name', ({ timezone, name }) => {
    expect(daily({ start: '2024-01-01', timezone }).timezone).toBe(name);
  });

  it('writes no offset in keys of UTC aliases', () => {
    expect(hourly({ start: '2024-01-01', timezone: 'Etc/UTC' }).formatKey(0)).toBe('2024-01-01T00:00');
  });
});
