import { RangeSet } from '../sets/range-set.js';
import type { PartitionsDefinition } from '../types.js';
import { clampInto, prepareSplit, sameDefinition, splitByExistence } from './support.js';
import { timeIdentity, type TimeMappingOptions } from './time-overlap.js';
import type { MappingContext, PartitionMapping, PreparedMapping, UpstreamPartitions } from './types.js';

const KEYED = new Set(['static', 'dynamic']);

/** Maps each index through keys: downstream key k reads upstream key k. */
function byKey(downstream: RangeSet, ctx: MappingContext): UpstreamPartitions {
  const found: number[] = [];
  const missingKeys: string[] = [];
  for (const i of downstream.values()) {
    const key = ctx.downstream.keyAt(i, ctx.partitions);
    const j = ctx.upstream.indexOf(key, ctx.partitions);
    if (j === undefined) missingKeys.push(key);
    else found.push(j);
  }
  return { existing: RangeSet.of(found), missing: RangeSet.EMPTY, missingKeys };
}

function byKeyDown(upstream: RangeSet, ctx: MappingContext): RangeSet {
  const found: number[] = [];
  for (const j of upstream.values()) {
    const i = ctx.downstream.indexOf(ctx.upstream.keyAt(j, ctx.partitions), ctx.partitions);
    if (i !== undefined) found.push(i);
  }
  return RangeSet.of(found);
}

function validateIdentity(up: PartitionsDefinition, down: PartitionsDefinition): string | undefined {
  if (up.kind === 'time' || down.kind === 'time') return timeIdentity().validate(up, down);
  if (sameDefinition(up, down)) return undefined;
  if (KEYED.has(up.kind) && KEYED.has(down.kind)) {
    if (up.kind === 'static' && down.kind === 'static') {
      const upKeys = new Set(up.keys);
      const absent = down.keys.filter((k) => !upKeys.has(k));
      if (absent.length > 0) return `identity(): downstream keys ${absent.slice(0, 5).map((k) => JSON.stringify(k)).join(', ')}${absent.length > 5 ? ` and ${absent.length - 5} more` : ''} are not upstream keys`;
    }
    return undefined;
  }
  if (up.kind === 'multi' && down.kind === 'multi') {
    return 'identity() between different multi-dimensional definitions: use perDimension({ … }) to map each dimension';
  }
  return `identity() cannot connect ${up.describe()} to ${down.describe()}`;
}

/**
 * Each downstream partition reads the upstream partition with the same key (for time windows:
 * the same period, even when the two definitions start at different times).
 */
export function identity(options: TimeMappingOptions = {}): PartitionMapping<'one'> {
  const strict = options.strict ?? true;
  const time = timeIdentity(options);
  return {
    kind: 'identity',
    cardinality: 'one',
    strict,
    validate: validateIdentity,
    upstreamFor(downstream, ctx) {
      if (ctx.upstream.kind === 'time') return time.upstreamFor(downstream, ctx);
      if (sameDefinition(ctx.upstream, ctx.downstream)) return splitByExistence(ctx.upstream, downstream, ctx.partitions, strict);
      return byKey(downstream, ctx);
    },
    downstreamFor(upstream, ctx) {
      if (ctx.upstream.kind === 'time') return time.downstreamFor(upstream, ctx);
      if (sameDefinition(ctx.upstream, ctx.downstream)) return upstream.clamp(0, ctx.downstream.count(ctx.partitions));
      return byKeyDown(upstream, ctx);
    },
    prepare(ctx) {
      if (ctx.upstream.kind === 'time') return time.prepare?.(ctx);
      if (!sameDefinition(ctx.upstream, ctx.downstream)) return undefined;
      const split = prepareSplit(ctx.upstream, ctx.partitions, strict);
      const downCount = ctx.downstream.count(ctx.partitions);
      return {
        upstreamOf: (i, out) => split(i, i + 1, out),
        downstreamOf: (u, out) => clampInto(u, u + 1, downCount, out),
      };
    },
    describe: () => 'the partition with the same key',
    toSpec: () => ({ kind: 'identity', strict }),
  };
}

/** A prepared mapping where every downstream partition reads upstream `[0, upCount)` and nothing is missing. */
function wholeRanges(upCount: number, downCount: number): PreparedMapping {
  return {
    upstreamOf(_i, out) {
      out[0] = 0;
      out[1] = upCount;
      return true;
    },
    downstreamOf(_u, out) {
      out[0] = 0;
      out[1] = downCount;
    },
  };
}

/** Each downstream partition reads every existing upstream partition (a full reduction). */
export function all(): PartitionMapping<'many'> {
  return {
    kind: 'all',
    cardinality: 'many',
    strict: false,
    validate: () => undefined,
    upstreamFor: (downstream, ctx) => ({ existing: downstream.isEmpty() ? RangeSet.EMPTY : RangeSet.range(0, ctx.upstream.count(ctx.partitions)), missing: RangeSet.EMPTY, missingKeys: [] }),
    downstreamFor: (upstream, ctx) => (upstream.isEmpty() ? RangeSet.EMPTY : RangeSet.range(0, ctx.downstream.count(ctx.partitions))),
    prepare: (ctx) => wholeRanges(ctx.upstream.count(ctx.partitions), ctx.downstream.count(ctx.partitions)),
    describe: () => 'all upstream partitions',
    toSpec: () => ({ kind: 'all' }),
  };
}

/**
 * Every downstream partition reads the one partition of an unpartitioned upstream asset, as a
 * single value (the default mapping from an unpartitioned asset).
 */
export function fromUnpartitioned(): PartitionMapping<'one'> {
  return {
    kind: 'fromUnpartitioned',
    cardinality: 'one',
    strict: false,
    validate: (up) => (up.kind === 'unpartitioned' ? undefined : `fromUnpartitioned() needs an unpartitioned upstream (upstream is ${up.describe()})`),
    upstreamFor: (downstream) => ({ existing: downstream.isEmpty() ? RangeSet.EMPTY : RangeSet.range(0, 1), missing: RangeSet.EMPTY, missingKeys: [] }),
    downstreamFor: (upstream, ctx) => (upstream.isEmpty() ? RangeSet.EMPTY : RangeSet.range(0, ctx.downstream.count(ctx.partitions))),
    prepare: (ctx) => wholeRanges(1, ctx.downstream.count(ctx.partitions)),
    describe: () => 'the unpartitioned upstream value',
    toSpec: () => ({ kind: 'fromUnpartitioned' }),
  };
}

/**
 * Static key mapping: `staticMap({ 'us-east': 'us', 'us-west': 'us', 'eu-1': ['eu', 'global'] })`
 * maps upstream keys (left) to the downstream keys (right) that read them.
 */
export function staticMap(upstreamToDownstream: Readonly<Record<string, string | readonly string[]>>): PartitionMapping<'many'> {
  const downToUp = new Map<string, string[]>();
  for (const [up, downs] of Object.entries(upstreamToDownstream)) {
    for (const down of typeof downs === 'string' ? [downs] : downs) {
      const list = downToUp.get(down) ?? [];
      list.push(up);
      downToUp.set(down, list);
    }
  }
  return {
    kind: 'staticMap',
    cardinality: 'many',
    strict: true,
    validate(up, down) {
      if (up.kind !== 'static' || down.kind !== 'static') return `staticMap() connects static partitions only (upstream is ${up.describe()}, downstream is ${down.describe()})`;
      const upKeys = new Set(up.keys);
      const downKeys = new Set(down.keys);
      const badUp = Object.keys(upstreamToDownstream).filter((k) => !upKeys.has(k));
      if (badUp.length > 0) return `staticMap(): ${badUp.map((k) => JSON.stringify(k)).join(', ')} ${badUp.length === 1 ? 'is not an upstream key' : 'are not upstream keys'}`;
      const badDown = [...downToUp.keys()].filter((k) => !downKeys.has(k));
      if (badDown.length > 0) return `staticMap(): ${badDown.map((k) => JSON.stringify(k)).join(', ')} ${badDown.length === 1 ? 'is not a downstream key' : 'are not downstream keys'}`;
      return undefined;
    },
    upstreamFor(downstream, ctx) {
      const found: number[] = [];
      const missingKeys: string[] = [];
      for (const i of downstream.values()) {
        for (const key of downToUp.get(ctx.downstream.keyAt(i, ctx.partitions)) ?? []) {
          const j = ctx.upstream.indexOf(key, ctx.partitions);
          if (j === undefined) missingKeys.push(key);
          else found.push(j);
        }
      }
      return { existing: RangeSet.of(found), missing: RangeSet.EMPTY, missingKeys };
    },
    downstreamFor(upstream, ctx) {
      const found: number[] = [];
      for (const j of upstream.values()) {
        const downs = upstreamToDownstream[ctx.upstream.keyAt(j, ctx.partitions)];
        for (const key of downs === undefined ? [] : typeof downs === 'string' ? [downs] : downs) {
          const i = ctx.downstream.indexOf(key, ctx.partitions);
          if (i !== undefined) found.push(i);
        }
      }
      return RangeSet.of(found);
    },
    describe: () => `static map of ${Object.keys(upstreamToDownstream).length} upstream keys`,
    toSpec: () => ({ kind: 'staticMap', map: Object.fromEntries(Object.entries(upstreamToDownstream).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) }),
  };
}
