import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../src/errors.js';
import { cronWindows, daily, dynamicPartitions, hourly, monthly, multiPartitions, staticPartitions, unpartitioned, weekly, yearly } from '../../../src/partitions/definitions/index.js';
import { defaultMapping, fanOut, identity, offset, rollup, timeOverlap, window, type PartitionMapping } from '../../../src/partitions/mappings/index.js';
import type { PartitionsDefinition } from '../../../src/partitions/types.js';

const d = daily({ start: '2024-01-01' });
const m = monthly({ start: '2024-01' });
const h = hourly({ start: '2024-01-01' });
const nyDays = daily({ start: '2024-01-01', timezone: 'America/New_York' });
const nyMonths = monthly({ start: '2024-01', timezone: 'America/New_York' });
const kolkataHours = hourly({ start: '2024-01-01', timezone: 'Asia/Kolkata' });
const at6 = cronWindows({ start: '2024-01-01', cron: '0 6 * * *' });
const twiceDaily = cronWindows({ start: '2024-01-01', cron: '0 */12 * * *' });
const at6Berlin = cronWindows({ start: '2024-01-01', cron: '0 6 * * *', timezone: 'Europe/Berlin' });

describe('validate(): granularity', () => {
  it.each([
    { name: 'identity day → month', mapping: identity(), up: d, down: m, error: 'identity() needs the same granularity on both sides (upstream day, downstream month); use rollup() or fanOut()' },
    { name: 'window(7) hour → day', mapping: window(7), up: h, down: d, error: 'window() needs the same granularity on both sides (upstream hour, downstream day); use rollup() or fanOut()' },
    { name: 'rollup month → day', mapping: rollup(), up: m, down: d, error: 'rollup() needs a finer upstream (upstream month, downstream day)' },
    { name: 'rollup day → day', mapping: rollup(), up: d, down: d, error: 'rollup() needs a finer upstream (upstream day, downstream day)' },
    { name: 'fanOut day → month', mapping: fanOut(), up: d, down: m, error: 'fanOut() needs a coarser upstream (upstream day, downstream month)' },
  ])('$name', ({ mapping, up, down, error }) => {
    expect(mapping.validate(up, down)).toBe(error);
  });

  it.each([
    { name: 'rollup hour → day', mapping: rollup(), up: h, down: d },
    { name: 'rollup day → year', mapping: rollup(), up: d, down: yearly({ start: '2024' }) },
    { name: 'fanOut month → day', mapping: fanOut(), up: m, down: d },
    { name: 'rollup day → week (weeks start at midnight)', mapping: rollup(), up: d, down: weekly({ start: '2024-01-01' }) },
    { name: 'timeOverlap anything → anything', mapping: timeOverlap(), up: weekly({ start: '2024-01-01' }), down: nyMonths },
  ])('accepts $name', ({ mapping, up, down }) => {
    expect(mapping.validate(up, down)).toBeUndefined();
  });

  it('time mappings need time windows on both sides', () => {
    const regions = staticPartitions(['us']);
    expect(rollup().validate(regions, d)).toBe(`rollup() connects time-window partitions only (upstream is ${regions.describe()}, downstream is ${d.describe()})`);
    expect(timeOverlap().validate(d, unpartitioned())).toBe(`timeOverlap() connects time-window partitions only (upstream is ${d.describe()}, downstream is unpartitioned)`);
  });
});

describe('validate(): misaligned time zones', () => {
  it.each([
    { name: 'identity New York days → UTC days', mapping: identity(), up: nyDays, down: d, coarse: d, fine: nyDays, zones: 'America/New_York and UTC' },
    { name: 'rollup Kolkata hours (half-hour offset) → UTC days', mapping: rollup(), up: kolkataHours, down: d, coarse: d, fine: kolkataHours, zones: 'Asia/Kolkata and UTC' },
    { name: 'rollup UTC days → New York months', mapping: rollup(), up: d, down: nyMonths, coarse: nyMonths, fine: d, zones: 'UTC and America/New_York' },
    { name: 'fanOut New York months → UTC days', mapping: fanOut(), up: nyMonths, down: d, coarse: nyMonths, fine: d, zones: 'America/New_York and UTC' },
  ])('$name', ({ mapping, up, down, coarse, fine, zones }) => {
    expect(mapping.validate(up, down)).toBe(`${mapping.kind}(): ${coarse.describe()} windows do not start on ${fine.describe()} window boundaries (time zones ${zones}); use timeOverlap()`);
    expect(timeOverlap().validate(up, down)).toBeUndefined();
  });

  it('UTC hours do fit New York days (its midnights are whole UTC hours), even across DST', () => {
    expect(rollup().validate(h, nyDays)).toBeUndefined();
  });
});

describe('validate(): cron windows', () => {
  const mix = (up: PartitionsDefinition, down: PartitionsDefinition, kind: string): string => `${kind}() cannot connect cron windows of different schedules (${up.describe()} → ${down.describe()}); use timeOverlap()`;

  it.each([
    { name: 'identity between different schedules', mapping: identity(), up: at6, down: twiceDaily },
    { name: 'identity between the same schedule in different time zones', mapping: identity(), up: at6Berlin, down: at6 },
    { name: 'rollup cron → daily', mapping: rollup(), up: twiceDaily, down: d },
    { name: 'rollup daily → cron', mapping: rollup(), up: d, down: at6 },
    { name: 'window cron → daily', mapping: window(2), up: at6, down: d },
    { name: 'fanOut daily → cron', mapping: fanOut(), up: d, down: at6 },
  ])('$name', ({ mapping, up, down }) => {
    expect(mapping.validate(up, down)).toBe(mix(up, down, mapping.kind));
  });

  it.each([
    { name: 'identity, same schedule', mapping: identity() as PartitionMapping },
    { name: 'offset(-1), same schedule', mapping: offset(-1) },
    { name: 'window(3), same schedule', mapping: window(3) },
  ])('accepts $name', ({ mapping }) => {
    expect(mapping.validate(at6, cronWindows({ start: '2023-06-01', cron: '0 6 * * *' }))).toBeUndefined();
  });

  it('timeOverlap connects cron windows to anything', () => {
    expect(timeOverlap().validate(twiceDaily, d)).toBeUndefined();
    expect(timeOverlap().validate(d, at6Berlin)).toBeUndefined();
  });
});

describe('defaultMapping()', () => {
  const regions = staticPartitions(['us', 'eu']);
  const byDateAndRegion = multiPartitions({ date: daily({ start: '2024-01-01' }), region: regions });

  it.each([
    { name: 'daily → daily', up: d, down: d, kind: 'identity' },
    { name: 'hourly → daily', up: h, down: d, kind: 'rollup' },
    { name: 'monthly → daily', up: m, down: d, kind: 'fanOut' },
    { name: 'cron → daily (identity, rejected by validate)', up: at6, down: d, kind: 'identity' },
    { name: 'unpartitioned → daily', up: unpartitioned(), down: d, kind: 'fromUnpartitioned' },
    { name: 'daily → unpartitioned', up: d, down: unpartitioned(), kind: 'all' },
    { name: 'unpartitioned → unpartitioned', up: unpartitioned(), down: unpartitioned(), kind: 'identity' },
    { name: 'static → dynamic', up: regions, down: dynamicPartitions({ name: 'regions' }), kind: 'identity' },
    { name: 'multi → the same multi (one partition each)', up: byDateAndRegion, down: multiPartitions({ region: regions, date: daily({ start: '2024-01-01' }) }), kind: 'identity' },
    { name: 'multi → multi with a different date start', up: byDateAndRegion, down: multiPartitions({ region: regions, date: daily({ start: '2024-02-01' }) }), kind: 'perDimension' },
    { name: 'daily → multi with one time dimension', up: d, down: byDateAndRegion, kind: 'dimension' },
    { name: 'multi → static with one keyed dimension', up: byDateAndRegion, down: regions, kind: 'dimension' },
  ])('$name: $kind', ({ up, down, kind }) => {
    expect(defaultMapping(up, down).kind).toBe(kind);
  });

  it('throws a bad_mapping DefinitionError when there is no sensible default', () => {
    expect(() => defaultMapping(regions, d)).toThrow(DefinitionError);
    expect(() => defaultMapping(regions, d)).toThrow(`no default mapping from ${regions.describe()} to ${d.describe()}: pass one with input(upstream, mapping)`);
    const twoKeyed = multiPartitions({ x: regions, y: staticPartitions(['a']) });
    try {
      defaultMapping(regions, twoKeyed);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as DefinitionError).code).toBe('definition.bad_mapping');
      expect((error as DefinitionError).message).toMatch(/name the dimension with input\(upstream, dimension\('<name>', mapping\)\)$/);
    }
  });
});
