/**
 * A partition set in key form, for storage: what a range input read, kept in one value whatever
 * its size, and exact whatever its shape. A multi-dimensional selection (one zone's days) is not
 * a contiguous run of flat indices, so a first…last pair cannot stand for it; here it is a union
 * of boxes with key runs per dimension (`zone ∈ {midtown} × date ∈ [2024-01-01 … 2024-01-31]`).
 * Keys, not indices: a dimension that gains dynamic keys renumbers the flat indices, never the keys.
 */
import type { MultiPartitions, PartitionContext, PartitionKey, PartitionsDefinition } from '../types.js';
import { BoxSet } from './box-set.js';
import { PartitionSet } from './partition-set.js';
import { RangeSetBuilder, type RangeSet } from './range-set.js';

/** The first and last key (inclusive) of a run of consecutive partitions. */
export type KeyRun = readonly [first: PartitionKey, last: PartitionKey];

/**
 * A stored partition set: `runs` of a one-dimensional definition in index order, or the `boxes`
 * of a multi-dimensional one, each giving the key runs of every dimension (by dimension name,
 * values as the dimension spells them); a box holds the product of its dimensions' runs.
 */
export type StoredPartitionSet = { readonly runs: readonly KeyRun[] } | { readonly boxes: ReadonlyArray<Readonly<Record<string, readonly KeyRun[]>>> };

/** A stored set read back: the partitions that exist in the context, and the keys read that do not. */
export interface DecodedPartitionSet {
  readonly set: PartitionSet;
  /**
   * Partitions the stored set names that the context cannot number (a dynamic key since removed, a
   * definition that changed): the keys when they can be spelled out, else the runs' first and last.
   */
  readonly unresolved: PartitionKey[];
}

/**
 * The stored form of `set`, or null when its first and last key say it exactly: a one-dimensional
 * set of one run, or a single partition. A multi-dimensional set of several partitions is always
 * kept as boxes (flat runs would move when a dimension gains keys). `ctx` must number every member.
 */
export function encodePartitionSet(set: PartitionSet, ctx: PartitionContext): StoredPartitionSet | null {
  const def = set.definition;
  if (set.count <= 1 || (def.kind !== 'multi' && set.indices.rangeCount <= 1)) return null;
  if (def.kind !== 'multi') return { runs: set.summarize(ctx).map((r) => [r.firstKey, r.lastKey] as const) };
  const boxes = set.toBoxes(ctx).boxes();
  return {
    boxes: boxes.map((box) => {
      const out: Record<string, KeyRun[]> = {};
      def.dimensions.forEach((dimension, d) => {
        const runs: KeyRun[] = [];
        box[d]!.forEachRange((start, end) => runs.push([dimension.definition.keyAt(start, ctx), dimension.definition.keyAt(end - 1, ctx)]));
        out[dimension.name] = runs;
      });
      return out;
    }),
  };
}

/** The indices of key runs in `def`, and the runs it cannot number. */
function resolveRuns(def: PartitionsDefinition, runs: readonly KeyRun[], ctx: PartitionContext): { indices: RangeSet; missing: KeyRun[] } {
  const builder = new RangeSetBuilder();
  const missing: KeyRun[] = [];
  for (const run of runs) {
    const a = def.indexOf(run[0], ctx);
    const b = def.indexOf(run[1], ctx);
    if (a === undefined || b === undefined || b < a) missing.push(run);
    else builder.addRange(a, b + 1);
  }
  return { indices: builder.build(), missing };
}

/** Keys of a box some of whose runs did not resolve: resolved runs by key, the others by their ends. */
function boxKeys(def: MultiPartitions, box: Readonly<Record<string, readonly KeyRun[]>>, ctx: PartitionContext): PartitionKey[] {
  let partial: Array<Record<string, PartitionKey>> = [{}];
  for (const dimension of def.dimensions) {
    const values: PartitionKey[] = [];
    const { indices, missing } = resolveRuns(dimension.definition, box[dimension.name] ?? [], ctx);
    for (const i of indices.values()) values.push(dimension.definition.keyAt(i, ctx));
    for (const [first, last] of missing) values.push(...(first === last ? [first] : [first, last]));
    partial = partial.flatMap((p) => values.map((v) => ({ ...p, [dimension.name]: v })));
  }
  return partial.map((values) => def.joinKey(values));
}

/** A box for a human (`date=2024-01-01…2024-01-31|zone=midtown`): for a box no key can stand for. */
function describeBox(box: Readonly<Record<string, readonly KeyRun[]>>): string {
  return Object.entries(box)
    .map(([name, runs]) => `${name}=${runs.map(([a, b]) => (a === b ? a : `${a}…${b}`)).join(',')}`)
    .join('|');
}

/**
 * The partitions of a stored set in `def` as numbered in `ctx` (see {@link encodePartitionSet}).
 * Keys the context cannot number come back in `unresolved`, never thrown; a set stored for
 * another shape of definition (boxes naming other dimensions) is all unresolved.
 */
export function decodePartitionSet(def: PartitionsDefinition, stored: StoredPartitionSet, ctx: PartitionContext): DecodedPartitionSet {
  if ('runs' in stored) {
    const { indices, missing } = resolveRuns(def, stored.runs, ctx);
    return { set: PartitionSet.fromIndices(def, indices), unresolved: missing.flatMap(([first, last]) => (first === last ? [first] : [first, last])) };
  }
  const unresolved: PartitionKey[] = [];
  if (def.kind !== 'multi') {
    for (const box of stored.boxes) unresolved.push(describeBox(box));
    return { set: PartitionSet.empty(def), unresolved };
  }
  const names = def.dimensions.map((d) => d.name);
  const sameShape = (box: Readonly<Record<string, readonly KeyRun[]>>): boolean => {
    const keys = Object.keys(box);
    return keys.length === names.length && names.every((n) => keys.includes(n));
  };
  const boxes: RangeSet[][] = [];
  for (const box of stored.boxes) {
    if (!sameShape(box)) {
      unresolved.push(describeBox(box));
      continue;
    }
    const sets = def.dimensions.map((dimension) => resolveRuns(dimension.definition, box[dimension.name] ?? [], ctx));
    if (sets.some((s) => s.missing.length > 0)) unresolved.push(...boxKeys(def, box, ctx).filter((key) => def.indexOf(key, ctx) === undefined));
    const full = sets.map((s) => s.indices);
    // (The box's resolved part still counts: resolved runs of every dimension, in product.)
    if (full.every((s) => !s.isEmpty())) boxes.push(full);
  }
  return { set: PartitionSet.fromBoxes(def, BoxSet.fromBoxes(def.dimensions.length, boxes), ctx), unresolved };
}

const isKeyRun = (v: unknown): v is KeyRun => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
const isRuns = (v: unknown): v is KeyRun[] => Array.isArray(v) && v.length > 0 && v.every(isKeyRun);

/**
 * `value` as a stored partition set (as a JSON column hands it back), or undefined when it is not
 * one: neither `{ runs }` nor `{ boxes }`, an empty list, a run that is not two keys.
 */
export function parseStoredPartitionSet(value: unknown): StoredPartitionSet | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const v = value as { runs?: unknown; boxes?: unknown };
  if (keys[0] === 'runs') return isRuns(v.runs) ? { runs: v.runs } : undefined;
  if (keys[0] !== 'boxes' || !Array.isArray(v.boxes) || v.boxes.length === 0) return undefined;
  for (const box of v.boxes as unknown[]) {
    if (box === null || typeof box !== 'object' || Array.isArray(box)) return undefined;
    const dims = Object.values(box);
    if (dims.length === 0 || !dims.every(isRuns)) return undefined;
  }
  return { boxes: v.boxes as Array<Record<string, KeyRun[]>> };
}

/**
 * A stored set for a human: `date=2024-01-01…2024-01-31 × zone=midtown` (boxes joined by ∪), or
 * runs `2024-01-01…2024-01-03, 2024-01-11`.
 */
export function describeStoredPartitionSet(stored: StoredPartitionSet): string {
  const runs = (list: readonly KeyRun[]): string => list.map(([a, b]) => (a === b ? a : `${a}…${b}`)).join(', ');
  if ('runs' in stored) return runs(stored.runs);
  return stored.boxes
    .map((box) =>
      Object.entries(box)
        .map(([name, list]) => `${name}=${runs(list)}`)
        .join(' × '),
    )
    .join(' ∪ ');
}

/** Every key a stored set names (the ends of its runs), for checks of what may be stored. */
export function storedSetKeys(stored: StoredPartitionSet): PartitionKey[] {
  if ('runs' in stored) return stored.runs.flat();
  return stored.boxes.flatMap((box) => Object.entries(box).flatMap(([name, runs]) => [name, ...runs.flat()]));
}
