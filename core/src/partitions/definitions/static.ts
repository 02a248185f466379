/**
 * Static partitions: a fixed list of keys (regions, customers, models), indexed in list order.
 *
 * @example
 * ```ts
 * const regions = staticPartitions(['us', 'eu', 'apac']);
 * regions.indexOf('eu', ctx); // 1
 * ```
 */
import { DefinitionError } from '../../errors.js';
import type { PartitionContext, PartitionKey, PartitionsSpec, StaticPartitions } from '../types.js';
import { partitionKeyProblem, summarizeKeys } from './key-rules.js';

/** The static partitions of a list of keys, checked once. */
class StaticDefinition implements StaticPartitions {
  readonly kind = 'static' as const;
  private readonly index: ReadonlyMap<PartitionKey, number>;

  constructor(readonly keys: readonly PartitionKey[]) {
    this.index = new Map(keys.map((key, i) => [key, i]));
  }

  count(_ctx?: PartitionContext): number {
    return this.keys.length;
  }

  keyAt(index: number, _ctx?: PartitionContext): PartitionKey {
    const key = Number.isInteger(index) ? this.keys[index] : undefined;
    if (key === undefined) throw new RangeError(`partition index ${index} is outside 0 … ${this.keys.length - 1} of ${this.describe()}`);
    return key;
  }

  indexOf(key: PartitionKey, _ctx?: PartitionContext): number | undefined {
    return this.index.get(key);
  }

  checkKey(key: PartitionKey): string | undefined {
    if (this.index.has(key)) return undefined;
    return partitionKeyProblem(key) ?? `${JSON.stringify(key)} is not one of the static keys ${summarizeKeys(this.keys)}`;
  }

  describe(): string {
    return `static [${summarizeKeys(this.keys)}]`;
  }

  toSpec(): PartitionsSpec {
    return { kind: 'static', keys: [...this.keys] };
  }
}

/** Throws the `definition.bad_partition_key` error for a bad static key. */
function badKey(message: string, key: unknown): never {
  throw new DefinitionError('definition.bad_partition_key', message, {
    field: 'partitions.keys',
    ...(typeof key === 'string' ? { partitionKey: key } : {}),
  });
}

/**
 * Partitions with a fixed list of keys, indexed in the order given. Keys must be non-empty,
 * unique strings without control characters; a bad key is a `DefinitionError` that names it.
 */
export function staticPartitions(keys: readonly PartitionKey[]): StaticPartitions {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new DefinitionError('definition.bad_option', `staticPartitions() needs a non-empty array of keys, got ${JSON.stringify(keys) ?? String(keys)}`, {
      field: 'partitions.keys',
    });
  }
  const seen = new Set<PartitionKey>();
  for (const [i, key] of keys.entries()) {
    const problem = partitionKeyProblem(key);
    if (problem !== undefined) badKey(`static partitions: key #${i}: ${problem}`, key);
    if (seen.has(key)) badKey(`static partitions: key ${JSON.stringify(key)} appears more than once`, key);
    seen.add(key);
  }
  return new StaticDefinition(Object.freeze([...keys]));
}
