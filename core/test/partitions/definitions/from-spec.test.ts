import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../src/errors.js';
import {
  cronWindows,
  daily,
  dynamicPartitions,
  hourly,
  minutely,
  monthly,
  multiPartitions,
  partitionsFromSpec,
  staticPartitions,
  unpartitioned,
  weekly,
  yearly,
} from '../../../src/partitions/definitions/index.js';
import type { PartitionsDefinition, PartitionsSpec, SingleDimensionPartitions } from '../../../src/partitions/types.js';
import { at } from './context.js';

const ctx = at('2024-03-15T00:00:00Z', { customers: ['acme', 'globex', 'initech'] });

/** The first few keys of a definition in `ctx`. */
function firstKeys(definition: PartitionsDefinition): string[] {
  return Array.from({ length: Math.min(definition.count(ctx), 50) }, (_, i) => definition.keyAt(i, ctx));
}

const zone = fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata');
const lag = fc.constantFrom(0, 15, 60 * 24);
const end = fc.constantFrom(undefined, '2024-03-01', '2024-02-10T12:00');

const timeDefinition: fc.Arbitrary<SingleDimensionPartitions> = fc.oneof(
  fc.record({ timezone: zone, lagMinutes: lag }).map((o) => minutely({ start: '2024-03-14T23:00', ...o })),
  fc.record({ timezone: zone, lagMinutes: lag, end }).map(({ end: e, ...o }) => hourly({ start: '2024-01-01', ...o, ...(e === undefined ? {} : { end: e }) })),
  fc.record({ timezone: zone, lagMinutes: lag, end }).map(({ end: e, ...o }) => daily({ start: '2024-01-01', ...o, ...(e === undefined ? {} : { end: e }) })),
  fc.record({ timezone: zone, weekStartsOn: fc.constantFrom(1, 7) as fc.Arbitrary<1 | 7> }).map((o) =>
    weekly({ start: o.weekStartsOn === 1 ? '2024-01-01' : '2023-12-31', ...o }),
  ),
  fc.record({ timezone: zone }).map((o) => monthly({ start: '2023-06', ...o })),
  fc.record({ timezone: zone }).map((o) => yearly({ start: '2020', ...o })),
  fc.record({ timezone: zone, cron: fc.constantFrom('0 6 * * *', '*/30 * * * *', '@daily') }).map((o) => cronWindows({ start: '2024-03-10', ...o })),
);

const otherDefinition: fc.Arbitrary<SingleDimensionPartitions> = fc.oneof(
  fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', '|', '=', '\\', 'z'), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }).map(staticPartitions),
  fc.constant(dynamicPartitions({ name: 'customers' })),
);

const anyDefinition: fc.Arbitrary<PartitionsDefinition> = fc.oneof(
  timeDefinition,
  otherDefinition,
  fc.constant(unpartitioned()),
  fc.record({ t: fc.option(timeDefinition, { nil: undefined }), a: otherDefinition, b: otherDefinition }).map(({ t, a, b }) =>
    multiPartitions({ a, b, ...(t === undefined ? {} : { t }) }),
  ),
);

describe('partitionsFromSpec', () => {
  it('round-trips every kind of definition: equal specs, equal keys', () => {
    fc.assert(
      fc.property(anyDefinition, (definition) => {
        const spec = definition.toSpec();
        const rebuilt = partitionsFromSpec(JSON.parse(JSON.stringify(spec)) as PartitionsSpec);
        expect(rebuilt.toSpec()).toEqual(spec);
        expect(rebuilt.describe()).toBe(definition.describe());
        expect(rebuilt.count(ctx)).toBe(definition.count(ctx));
        expect(firstKeys(rebuilt)).toEqual(firstKeys(definition));
      }),
      { numRuns: 150 },
    );
  });

  it('gives equal specs for equal definitions written differently', () => {
    expect(daily({ start: '2024-01-01', timezone: 'America/New_York' }).toSpec()).toEqual(
      daily({ start: '2024-01-01T05:00:00Z', timezone: 'america/new_york', lagMinutes: 0 }).toSpec(),
    );
    expect(cronWindows({ start: '2024-01-01T06:30', cron: '0 6 * * *' }).toSpec()).toEqual(cronWindows({ start: '2024-01-02T06:00', cron: '0 6 * * *' }).toSpec());
  });

  it('writes time specs with ISO instants', () => {
    expect(weekly({ start: '2024-01-01', end: '2024-02-05', timezone: 'Europe/Berlin', lagMinutes: 30 }).toSpec()).toEqual({
      kind: 'time',
      granularity: 'week',
      timezone: 'Europe/Berlin',
      start: '2023-12-31T23:00:00.000Z',
      end: '2024-02-04T23:00:00.000Z',
      cron: null,
      lagMinutes: 30,
      weekStartsOn: 1,
    });
  });

  it.each([
    { spec: { kind: 'bogus' }, message: /unknown partitions spec kind "bogus"/ },
    { spec: { kind: 'time', granularity: 'fortnight', timezone: 'UTC', start: '2024-01-01T00:00:00.000Z', end: null, cron: null, lagMinutes: 0, weekStartsOn: null }, message: /unknown time granularity "fortnight"/ },
    { spec: { kind: 'time', granularity: 'day', timezone: 'UTC', start: '2024-01-01T06:00:00.000Z', end: null, cron: null, lagMinutes: 0, weekStartsOn: null }, message: /not aligned/ },
    { spec: { kind: 'multi', dimensions: [{ name: 'a', spec: { kind: 'unpartitioned' } }, { name: 'b', spec: { kind: 'static', keys: ['x'] } }] }, message: /dimension "a" of a multi spec is unpartitioned/ },
  ])('rejects $spec.kind specs it cannot rebuild', ({ spec, message }) => {
    expect(() => partitionsFromSpec(spec as PartitionsSpec)).toThrow(DefinitionError);
    expect(() => partitionsFromSpec(spec as PartitionsSpec)).toThrow(message);
  });
});
