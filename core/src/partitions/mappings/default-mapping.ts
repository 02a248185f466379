import { DefinitionError } from '../../errors.js';
import type { MultiPartitions, PartitionsDefinition } from '../types.js';
import { all, fromUnpartitioned, identity } from './identity.js';
import { dimension, perDimension } from './multi-dimensional.js';
import { fanOut, rollup } from './time-overlap.js';
import { GRANULARITY_ORDER, sameDefinition } from './support.js';
import type { PartitionMapping } from './types.js';

/**
 * The mapping an input gets when none is given: identity between like definitions, `all` to or
 * from an unpartitioned asset, rollup from finer and fan-out from coarser time windows, identity
 * between equal multi-dimensional definitions, per-dimension defaults between other
 * multi-dimensional definitions with the same dimensions, and the matching dimension between a
 * one-dimensional and a multi-dimensional definition.
 * Throws a DefinitionError (code `definition.bad_mapping`) when there is no sensible default.
 */
export function defaultMapping(up: PartitionsDefinition, down: PartitionsDefinition): PartitionMapping {
  if (up.kind === 'unpartitioned' && down.kind === 'unpartitioned') return identity();
  if (up.kind === 'unpartitioned') return fromUnpartitioned();
  if (down.kind === 'unpartitioned') return all();
  if (up.kind === 'time' && down.kind === 'time') {
    if (up.granularity === 'cron' || down.granularity === 'cron' || up.granularity === down.granularity) return identity();
    const order = GRANULARITY_ORDER as readonly string[];
    return order.indexOf(up.granularity) < order.indexOf(down.granularity) ? rollup() : fanOut();
  }
  // Equal multi-dimensional definitions: one partition each, like any other identity (a bare input gives one value).
  if (up.kind === 'multi' && down.kind === 'multi') return sameDefinition(up, down) ? identity() : perDimension({});
  if (up.kind === 'multi' || down.kind === 'multi') {
    const multi = (up.kind === 'multi' ? up : down) as MultiPartitions;
    const single = up.kind === 'multi' ? down : up;
    const match = multi.dimensions.filter((d) => d.definition.kind === single.kind || (single.kind !== 'time' && d.definition.kind !== 'time'));
    if (match.length === 1 && match[0]) return dimension(match[0].name);
    throw new DefinitionError(
      'definition.bad_mapping',
      `no default mapping between ${up.describe()} and ${down.describe()}: name the dimension with input(upstream, dimension('<name>', mapping))`,
    );
  }
  if (up.kind !== 'time' && down.kind !== 'time') return identity();
  throw new DefinitionError('definition.bad_mapping', `no default mapping from ${up.describe()} to ${down.describe()}: pass one with input(upstream, mapping)`);
}
