import { describe, expect, it } from 'vitest';
import { WeftError } from '../../../src/errors.js';
import { daily, hourly, monthly, multiPartitions, staticPartitions, unpartitioned } from '../../../src/partitions/definitions/index.js';
import type { PartitionMapping, PartitionsDefinition } from '../../../src/index.js';
import { all, dimension, fanOut, fromUnpartitioned, identity, mappingFromSpec, offset, perDimension, rollup, staticMap, timeOverlap, window } from '../../../src/partitions/mappings/index.js';
import { at, downstreamKeys, upstreamKeys } from './helpers.js';

const day = daily({ start: '2024-01-01' });
const hour = hourly({ start: '2024-01-01T00:00' });
const month = monthly({ start: '2024-01' });
const regions = staticPartitions(['eu', 'us']);
const byRegionDay = multiPartitions({ region: regions, day });
const ctx = at('2024-03-05T00:00:00Z');

describe('mappingFromSpec', () => {
  const cases: Array<{ name: string; mapping: PartitionMapping; up: PartitionsDefinition; down: PartitionsDefinition; keys: string[] }> = [
    { name: 'identity', mapping: identity(), up: day, down: day, keys: ['2024-01-03'] },
    { name: 'lenient identity', mapping: identity({ strict: false }), up: day, down: day, keys: ['2024-01-03'] },
    { name: 'all', mapping: all(), up: day, down: unpartitioned(), keys: [''] },
    { name: 'fromUnpartitioned', mapping: fromUnpartitioned(), up: unpartitioned(), down: day, keys: ['2024-01-02'] },
    { name: 'staticMap', mapping: staticMap({ eu: 'x', us: ['x', 'y'] }), up: regions, down: staticPartitions(['x', 'y']), keys: ['x', 'y'] },
    { name: 'rollup', mapping: rollup(), up: hour, down: day, keys: ['2024-01-02'] },
    { name: 'fanOut', mapping: fanOut(), up: month, down: day, keys: ['2024-02-10'] },
    { name: 'timeOverlap', mapping: timeOverlap(), up: day, down: month, keys: ['2024-02'] },
    { name: 'offset', mapping: offset(-1), up: day, down: day, keys: ['2024-01-01', '2024-01-05'] },
    { name: 'window with offset', mapping: window(7, { offset: -1, strict: true }), up: day, down: day, keys: ['2024-01-10'] },
    { name: 'perDimension', mapping: perDimension({ day: offset(-1) }), up: byRegionDay, down: byRegionDay, keys: [byRegionDay.joinKey({ region: 'eu', day: '2024-01-03' })] },
    { name: 'dimension', mapping: dimension('day'), up: day, down: byRegionDay, keys: [byRegionDay.joinKey({ region: 'us', day: '2024-01-04' })] },
  ];

  it.each(cases)('rebuilds $name: same spec, same description, same partitions both ways', ({ mapping, up, down, keys }) => {
    const rebuilt = mappingFromSpec(mapping.toSpec());
    expect(rebuilt.toSpec()).toEqual(mapping.toSpec());
    expect(rebuilt.describe()).toBe(mapping.describe());
    expect(rebuilt.cardinality).toBe(mapping.cardinality);
    expect(rebuilt.strict).toBe(mapping.strict);
    expect(upstreamKeys(rebuilt, up, down, keys, ctx)).toEqual(upstreamKeys(mapping, up, down, keys, ctx));
    const upKeys = upstreamKeys(mapping, up, down, keys, ctx).existing;
    expect(downstreamKeys(rebuilt, up, down, upKeys, ctx)).toEqual(downstreamKeys(mapping, up, down, upKeys, ctx));
  });

  it.each([
    { spec: { kind: 'myOwnMapping' }, message: /"myOwnMapping" is not built in/ },
    { spec: { kind: 'offset', size: 1, offset: 'x' }, message: /offset must be an integer/ },
    { spec: { kind: 'identity', strict: 'yes' }, message: /strict must be a boolean/ },
    { spec: { kind: 'staticMap', map: null }, message: /map must be an object/ },
  ])('rejects $spec with a clear error', ({ spec, message }) => {
    expect(() => mappingFromSpec(spec)).toThrow(WeftError);
    expect(() => mappingFromSpec(spec)).toThrow(message);
  });
});
