import type { AssetGraph } from '../definitions/graph.js';
import { resolveTimeZone } from '../partitions/definitions/time-zone.js';

/** Granularities whose keys are dates (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`) in any zone. */
const DATE_KEYED = new Set(['day', 'week', 'month', 'year']);

/**
 * The assets of `graph` whose partition keys sort as text in their definition's order, so a range
 * of them is every key from its first to its last (`prune`'s `orderedAssets`). Time windows whose
 * keys are dates, or date-times in UTC: zero-padded, most significant field first, one shape per
 * asset (any collation orders same-shaped digit strings by their digits). Not: date-times outside
 * UTC (a fall-back hour repeats its wall-clock time), static lists (their order is the author's),
 * dynamic and multi-dimensional partitions.
 */
export function textOrderedAssets(graph: AssetGraph): string[] {
  return graph.order.filter((key) => {
    const partitions = graph.node(key).partitions;
    if (partitions.kind !== 'time') return false;
    return DATE_KEYED.has(partitions.granularity) || resolveTimeZone(partitions.timezone)?.isUtc === true;
  });
}
