import type { PartitionContext, PartitionKey, Unpartitioned } from '../types.js';

/** The key of the one partition of an unpartitioned asset. */
export const UNPARTITIONED_KEY: PartitionKey = '';

const definition: Unpartitioned = {
  kind: 'unpartitioned',
  count: () => 1,
  keyAt(index: number, _ctx: PartitionContext) {
    if (index !== 0) throw new RangeError(`an unpartitioned asset has only partition 0, not ${index}`);
    return UNPARTITIONED_KEY;
  },
  indexOf: (key) => (key === UNPARTITIONED_KEY ? 0 : undefined),
  checkKey: (key) => (key === UNPARTITIONED_KEY ? undefined : `an unpartitioned asset has no partition keys (got ${JSON.stringify(key)})`),
  describe: () => 'unpartitioned',
  toSpec: () => ({ kind: 'unpartitioned' }),
};

/** The partitions definition of assets declared without `partitions`. */
export function unpartitioned(): Unpartitioned {
  return definition;
}
