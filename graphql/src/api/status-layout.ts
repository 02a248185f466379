import type { PartitionContext, PartitionsDefinition, SingleDimensionPartitions } from '@weft/core';

/**
 * How a partitions definition numbers its partitions in one context: enough to tell whether status
 * codes read in an earlier context still sit at the same indices. Indices are mixed-radix with the
 * leading dimension (the time dimension, if any) most significant, so they survive the leading
 * dimension growing at its end (a time window closing, a dynamic key added) while the others stay
 * as they were; anything else (a key removed, another dimension changed, another definition)
 * renumbers them.
 */
export interface StatusLayout {
  /** Partitions in the context. */
  readonly count: number;
  /** The definition's spec and every dimension after the leading one (counts, dynamic keys). */
  readonly fixed: string;
  /** Partitions of the leading dimension. */
  readonly leadCount: number;
  /** The leading dimension's keys when it is dynamic (the only kind that may renumber at its start). */
  readonly leadKeys: readonly string[] | undefined;
  /** About what its dynamic keys take in memory (the leading list, the trailing ones' text). */
  readonly keyBytes: number;
}

const specs = new WeakMap<PartitionsDefinition, string>();

/** The definition's layout in `ctx`. */
export function statusLayout(def: PartitionsDefinition, ctx: PartitionContext): StatusLayout {
  let spec = specs.get(def);
  if (spec === undefined) specs.set(def, (spec = JSON.stringify(def.toSpec())));
  const dims: Array<SingleDimensionPartitions | PartitionsDefinition> = def.kind === 'multi' ? def.digitOrder.map((d) => d.definition) : [def];
  const [lead, ...rest] = dims as [PartitionsDefinition, ...PartitionsDefinition[]];
  const trailing = rest.map((d) => (d.kind === 'dynamic' ? JSON.stringify(ctx.dynamicKeys(d.name)) : String(d.count(ctx))));
  const leadKeys = lead.kind === 'dynamic' ? ctx.dynamicKeys(lead.name) : undefined;
  let keyBytes = 0;
  for (const k of leadKeys ?? []) keyBytes += 2 * k.length + 16;
  for (const [i, d] of rest.entries()) if (d.kind === 'dynamic') keyBytes += 2 * (trailing[i] as string).length;
  return { count: def.count(ctx), fixed: `${spec}\u0000${trailing.join('\u0000')}`, leadCount: lead.count(ctx), leadKeys, keyBytes };
}

/**
 * Whether codes laid out as `before` keep their indices in `after`: the same definition and
 * trailing dimensions, and a leading dimension that only grew at its end. Partitions from
 * `before.count` on are then the new ones.
 */
export function extendsLayout(before: StatusLayout, after: StatusLayout): boolean {
  if (before.fixed !== after.fixed || after.leadCount < before.leadCount) return false;
  if (before.leadKeys === undefined || after.leadKeys === undefined) return before.leadKeys === after.leadKeys;
  if (before.leadKeys === after.leadKeys) return true;
  for (let i = 0; i < before.leadKeys.length; i++) if (before.leadKeys[i] !== after.leadKeys[i]) return false;
  return true;
}
