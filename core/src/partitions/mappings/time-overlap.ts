import type { PartitionsDefinition, TimeWindowPartitions } from '../types.js';
import { GRANULARITY_ORDER, clampInto, mapRanges, overlappingWindows, prepareSplit, splitByExistence } from './support.js';
import type { MappingCardinality, MappingContext, PartitionMapping, UpstreamPartitions } from './types.js';

type Relation = 'same' | 'finer' | 'coarser' | 'any';

/** Options shared by the time-window mappings. */
export interface TimeMappingOptions {
  /** Report upstream windows outside the upstream definition as missing instead of dropping them. @default false */
  readonly strict?: boolean;
}

function granularityRank(def: TimeWindowPartitions): number {
  return (GRANULARITY_ORDER as readonly string[]).indexOf(def.granularity);
}

/** Checks that every boundary of `coarse` windows (sampled) is a boundary of `fine` windows. */
function aligned(fine: TimeWindowPartitions, coarse: TimeWindowPartitions): boolean {
  for (const i of [0, 1, 2, 3, 50, 51, 200, 201, 400, 401]) {
    const start = coarse.windowAt(i).start;
    if (fine.windowAt(fine.indexAtInstant(start)).start !== start) return false;
  }
  return true;
}

function cronOf(def: TimeWindowPartitions): string | null {
  const spec = def.toSpec();
  return spec.kind === 'time' ? spec.cron : null;
}

function checkTime(up: PartitionsDefinition, down: PartitionsDefinition, relation: Relation, name: string): string | undefined {
  if (up.kind !== 'time' || down.kind !== 'time') {
    return `${name} connects time-window partitions only (upstream is ${up.describe()}, downstream is ${down.describe()})`;
  }
  if (relation === 'any') return undefined;
  if (up.granularity === 'cron' || down.granularity === 'cron') {
    if (relation === 'same' && up.granularity === down.granularity && cronOf(up) === cronOf(down) && up.timezone === down.timezone) return undefined;
    return `${name} cannot connect cron windows of different schedules (${up.describe()} → ${down.describe()}); use timeOverlap()`;
  }
  const ru = granularityRank(up);
  const rd = granularityRank(down);
  if (relation === 'same' && ru !== rd) return `${name} needs the same granularity on both sides (upstream ${up.granularity}, downstream ${down.granularity}); use rollup() or fanOut()`;
  if (relation === 'finer' && ru >= rd) return `${name} needs a finer upstream (upstream ${up.granularity}, downstream ${down.granularity})`;
  if (relation === 'coarser' && ru <= rd) return `${name} needs a coarser upstream (upstream ${up.granularity}, downstream ${down.granularity})`;
  const [fine, coarse] = ru <= rd ? [up, down] : [down, up];
  if (!aligned(fine, coarse)) {
    const zones = up.timezone === down.timezone ? '' : ` (time zones ${up.timezone} and ${down.timezone})`;
    return `${name}: ${coarse.describe()} windows do not start on ${fine.describe()} window boundaries${zones}; use timeOverlap()`;
  }
  return undefined;
}

/**
 * The mapping behind identity, rollup and fan-out of time windows: a downstream window reads the
 * upstream windows overlapping it.
 */
function overlapMapping<C extends MappingCardinality>(kind: string, relation: Relation, cardinality: C, options: TimeMappingOptions, describe: string): PartitionMapping<C> {
  // A one-partition input outside the upstream definition has no value to give: it blocks.
  const strict = options.strict ?? cardinality === 'one';
  return {
    kind,
    cardinality,
    strict,
    validate: (up, down) => checkTime(up, down, relation, `${kind}()`),
    upstreamFor(downstream, ctx: MappingContext): UpstreamPartitions {
      const up = ctx.upstream as TimeWindowPartitions;
      const down = ctx.downstream as TimeWindowPartitions;
      return splitByExistence(up, mapRanges(downstream, (a, b) => overlappingWindows(up, down, a, b)), ctx.partitions, strict);
    },
    downstreamFor(upstream, ctx) {
      const up = ctx.upstream as TimeWindowPartitions;
      const down = ctx.downstream as TimeWindowPartitions;
      return mapRanges(upstream, (a, b) => overlappingWindows(down, up, a, b)).clamp(0, down.count(ctx.partitions));
    },
    prepare(ctx) {
      const up = ctx.upstream as TimeWindowPartitions;
      const down = ctx.downstream as TimeWindowPartitions;
      const split = prepareSplit(up, ctx.partitions, strict);
      const downCount = down.count(ctx.partitions);
      return {
        upstreamOf(i, out) {
          const [a, b] = overlappingWindows(up, down, i, i + 1);
          return split(a, b, out);
        },
        downstreamOf(u, out) {
          const [a, b] = overlappingWindows(down, up, u, u + 1);
          clampInto(a, b, downCount, out);
        },
      };
    },
    describe: () => describe,
    toSpec: () => ({ kind, strict }),
  };
}

/** Each downstream window reads the upstream window of the same period (same granularity). */
export function timeIdentity(options: TimeMappingOptions = {}): PartitionMapping<'one'> {
  return overlapMapping('identity', 'same', 'one', options, 'the same time window');
}

/** Each downstream window reads all the finer upstream windows inside it (hours → day, days → month). */
export function rollup(options: TimeMappingOptions = {}): PartitionMapping<'many'> {
  return overlapMapping('rollup', 'finer', 'many', options, 'all upstream windows inside the window (rollup)');
}

/** Each downstream window reads the coarser upstream window containing it (month → its days). */
export function fanOut(options: TimeMappingOptions = {}): PartitionMapping<'one'> {
  return overlapMapping('fanOut', 'coarser', 'one', options, 'the upstream window containing the window (fan-out)');
}

/** Each downstream window reads every upstream window overlapping it, whatever both granularities are. */
export function timeOverlap(options: TimeMappingOptions = {}): PartitionMapping<'many'> {
  return overlapMapping('timeOverlap', 'any', 'many', options, 'all overlapping upstream windows');
}

/** Options of {@link offset} and {@link window}. */
export interface ShiftOptions extends TimeMappingOptions {
  /** Shift in windows: −1 reads the previous window. @default 0 */
  readonly offset?: number;
}

function shifted<C extends MappingCardinality>(kind: string, cardinality: C, size: number, shift: number, strict: boolean, describe: string): PartitionMapping<C> {
  // Downstream window i reads upstream [i + δ + shift − size + 1, i + δ + shift], δ aligning both starts.
  const delta = (ctx: MappingContext): number => {
    const up = ctx.upstream as TimeWindowPartitions;
    const down = ctx.downstream as TimeWindowPartitions;
    return up.indexAtInstant(down.windowAt(0).start);
  };
  return {
    kind,
    cardinality,
    strict,
    validate: (up, down) => checkTime(up, down, 'same', `${kind}()`),
    upstreamFor(downstream, ctx) {
      const d = delta(ctx) + shift;
      return splitByExistence(ctx.upstream, mapRanges(downstream, (a, b) => [a + d - size + 1, b + d]), ctx.partitions, strict);
    },
    downstreamFor(upstream, ctx) {
      const d = delta(ctx) + shift;
      return mapRanges(upstream, (a, b) => [a - d, b - d + size - 1]).clamp(0, ctx.downstream.count(ctx.partitions));
    },
    prepare(ctx) {
      const d = delta(ctx) + shift;
      const split = prepareSplit(ctx.upstream, ctx.partitions, strict);
      const downCount = ctx.downstream.count(ctx.partitions);
      return {
        upstreamOf: (i, out) => split(i + d - size + 1, i + d + 1, out),
        downstreamOf: (u, out) => clampInto(u - d, u + 1 - d + size - 1, downCount, out),
      };
    },
    describe: () => describe,
    toSpec: () => ({ kind, size, offset: shift, strict }),
  };
}

function checkInteger(value: number, what: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${what} must be an integer ≥ ${min}, got ${value}`);
}

/**
 * Each downstream window reads the upstream window `n` windows away (−1: the previous one). At the
 * start of the upstream definition there is none: the compute receives `undefined` (or, when
 * strict, the partition is blocked).
 */
export function offset(n: number, options: TimeMappingOptions = {}): PartitionMapping<'optional'> {
  checkInteger(n, 'offset(n)', Number.MIN_SAFE_INTEGER);
  return shifted('offset', 'optional', 1, n, options.strict ?? false, n === 0 ? 'the same time window' : `the window ${Math.abs(n)} ${n < 0 ? 'before' : 'after'}`);
}

/**
 * Each downstream window reads a rolling window of `size` upstream windows ending at its own
 * (shifted by `offset`): `window(7)` over days reads the last 7 days including the day itself.
 */
export function window(size: number, options: ShiftOptions = {}): PartitionMapping<'many'> {
  checkInteger(size, 'window(size)', 1);
  const shift = options.offset ?? 0;
  checkInteger(shift, 'window offset', Number.MIN_SAFE_INTEGER);
  return shifted('window', 'many', size, shift, options.strict ?? false, `a rolling window of ${size}${shift ? ` ending ${Math.abs(shift)} ${shift < 0 ? 'before' : 'after'}` : ''}`);
}
