import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asset, daily, hourly, loadDefinitions, minutely, monthly, multiPartitions, staticPartitions, textOrderedAssets, weekly, type PartitionsDefinition } from '../../src/index.js';

const graphOf = (parts: Record<string, PartitionsDefinition | undefined>) =>
  loadDefinitions(Object.entries(parts).map(([key, partitions]) => asset({ key, ...(partitions ? { partitions } : {}), compute: () => 1 })));

describe('assets whose keys sort as text in their definition order', () => {
  it('are time windows keyed by dates, or by date-times in UTC', () => {
    const graph = graphOf({
      hourUtc: hourly({ start: '2024-01-01T00:00' }),
      hourUtcAlias: hourly({ start: '2024-01-01T00:00', timezone: 'Etc/UTC' }),
      hourNy: hourly({ start: '2024-01-01T00:00', timezone: 'America/New_York' }),
      minuteUtc: minutely({ start: '2024-01-01T00:00' }),
      dayNy: daily({ start: '2024-01-01', timezone: 'America/New_York' }),
      week: weekly({ start: '2024-01-01' }),
      month: monthly({ start: '2024-01-01' }),
      fixed: staticPartitions(['a', 'b', 'c']),
      grid: multiPartitions({ day: daily({ start: '2024-01-01' }), site: staticPartitions(['x', 'y']) }),
      single: undefined,
    });
    expect(textOrderedAssets(graph).sort()).toEqual(['dayNy', 'hourUtc', 'hourUtcAlias', 'minuteUtc', 'month', 'week'].sort());
  });

  it('really do: every pair of keys compares as text as their indexes do', () => {
    const graph = graphOf({ h: hourly({ start: '1999-12-31T20:00' }), d: daily({ start: '1969-12-25', timezone: 'Asia/Kolkata' }), m: monthly({ start: '0999-01-01' }) });
    const ctx = { now: Date.parse('2030-01-01T00:00:00Z'), dynamicKeys: () => [] };
    for (const key of textOrderedAssets(graph)) {
      const def = graph.node(key).partitions;
      const n = def.count(ctx);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }), (i, j) => {
          const [a, b] = [def.keyAt(i, ctx), def.keyAt(j, ctx)];
          expect(Math.sign(a < b ? -1 : a > b ? 1 : 0), `${key}: ${a} vs ${b}`).toBe(Math.sign(i - j));
          expect(a.localeCompare(b, 'en-US') === 0 ? 0 : Math.sign(a.localeCompare(b, 'en-US')), `${key} (en-US collation): ${a} vs ${b}`).toBe(Math.sign(i - j));
        }),
      );
    }
  });
});
