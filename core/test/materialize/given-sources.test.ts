import { describe, expect, it } from 'vitest';
import { asset, input, source } from '../../src/definitions/index.js';
import { materialize } from '../../src/materialize/index.js';
import { daily, hourly } from '../../src/partitions/definitions/index.js';
import { rollup } from '../../src/partitions/mappings/index.js';
import type { SourceConnector } from '../../src/plugins/index.js';

/** A connector that finds every hour of 2024-01-01 holding "100", and records its calls. */
function connector(): SourceConnector & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    name: 'files on disk',
    observe: async () => {
      calls.push('observe');
      return Array.from({ length: 24 }, (_, h) => ({ partitionKey: `2024-01-01T${String(h).padStart(2, '0')}:00`, version: { checksum: `on-disk-${h}` } }));
    },
    read: async (key) => {
      calls.push(`read ${key}`);
      return new TextEncoder().encode('100');
    },
  };
}

function graph(observe: SourceConnector) {
  const hours = source({ key: 'hours', partitions: hourly({ start: '2024-01-01', end: '2024-01-02' }), observe });
  const total = asset({
    key: 'total',
    partitions: daily({ start: '2024-01-01', end: '2024-01-02' }),
    inputs: { hours: input(hours, rollup()) },
    compute: ({ hours: values }) => [...values.values()].reduce((sum, bytes) => sum + Number(new TextDecoder().decode(bytes)), 0),
  });
  return [hours, total];
}

describe('materialize() with source values given', () => {
  it('does not observe a source whose values are given: they are all its partitions', async () => {
    const files = connector();
    const given = Object.fromEntries(Array.from({ length: 24 }, (_, h) => [`2024-01-01T${String(h).padStart(2, '0')}:00`, new TextEncoder().encode('1')]));
    const result = await materialize(graph(files), { partitions: ['2024-01-01'], sources: { hours: given } });
    expect(result.value('total', '2024-01-01')).toBe(24);
    expect(files.calls).toEqual([]);
  });

  it('observes and reads a source through its connector when no values are given', async () => {
    const files = connector();
    const result = await materialize(graph(files), { partitions: ['2024-01-01'] });
    expect(result.value('total', '2024-01-01')).toBe(2400);
    expect(files.calls[0]).toBe('observe');
    expect(files.calls.slice(1).sort()).toEqual(Array.from({ length: 24 }, (_, h) => `read 2024-01-01T${String(h).padStart(2, '0')}:00`));
  });
});
