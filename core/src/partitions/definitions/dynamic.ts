/**
 * Dynamic partitions: keys added at run time (by a sensor, a source or a user) to a named set,
 * indexed in insertion order. The store keeps the keys; definitions read them through
 * `ctx.dynamicKeys(name)`, which must be append-only.
 *
 * @example
 * ```ts
 * const customers = dynamicPartitions({ name: 'customers' });
 * customers.count(ctx); // ctx.dynamicKeys('customers').length
 * ```
 */
import { DefinitionError } from '../../errors.js';
import type { DynamicPartitions, PartitionContext, PartitionKey, PartitionsSpec } from '../types.js';
import { partitionKeyProblem } from './key-rules.js';

/** Options of {@link dynamicPartitions}. */
export interface DynamicPartitionsOptions {
  /** Name of the key set, shared by every asset partitioned by it. */
  readonly name: string;
}

/** Why `key` cannot be added to a dynamic partitions definition, or undefined when it can. */
export function dynamicKeyProblem(key: unknown): string | undefined {
  return partitionKeyProblem(key);
}

/**
 * Checks a key before the store adds it to dynamic partitions `name`, returning it unchanged;
 * throws a `definition.bad_partition_key` DefinitionError that names the key otherwise.
 */
export function validateDynamicKey(key: unknown, name?: string): PartitionKey {
  const problem = partitionKeyProblem(key);
  if (problem === undefined) return key as PartitionKey;
  const where = name === undefined ? 'dynamic partitions' : `dynamic partitions "${name}"`;
  throw new DefinitionError('definition.bad_partition_key', `${where}: ${problem}`, {
    field: 'partitions.keys',
    ...(typeof key === 'string' ? { partitionKey: key } : {}),
    ...(name === undefined ? {} : { partitionsName: name }),
  });
}

/** Key → index of one key list; rebuilt when the list is a new array or shrank, extended when it grew. */
interface KeyIndex {
  length: number;
  readonly positions: Map<PartitionKey, number>;
}

/** The dynamic partitions named `name`. */
class DynamicDefinition implements DynamicPartitions {
  readonly kind = 'dynamic' as const;
  private readonly indexes = new WeakMap<readonly PartitionKey[], KeyIndex>();

  constructor(readonly name: string) {}

  count(ctx: PartitionContext): number {
    return ctx.dynamicKeys(this.name).length;
  }

  keyAt(index: number, ctx: PartitionContext): PartitionKey {
    const keys = ctx.dynamicKeys(this.name);
    const key = Number.isInteger(index) ? keys[index] : undefined;
    if (key === undefined) throw new RangeError(`partition index ${index} is outside 0 … ${keys.length - 1} of ${this.describe()}`);
    return key;
  }

  indexOf(key: PartitionKey, ctx: PartitionContext): number | undefined {
    const keys = ctx.dynamicKeys(this.name);
    const position = this.positions(keys).get(key);
    if (position === undefined || keys[position] === key) return position;
    // The list was edited in place rather than appended to: index it afresh.
    this.indexes.delete(keys);
    return this.positions(keys).get(key);
  }

  /** Key → position in `keys`, extended incrementally as the (append-only) list grows. */
  private positions(keys: readonly PartitionKey[]): ReadonlyMap<PartitionKey, number> {
    let index = this.indexes.get(keys);
    if (index === undefined || index.length > keys.length) {
      index = { length: 0, positions: new Map() };
      this.indexes.set(keys, index);
    }
    for (; index.length < keys.length; index.length++) {
      const added = keys[index.length];
      if (added !== undefined && !index.positions.has(added)) index.positions.set(added, index.length);
    }
    return index.positions;
  }

  checkKey(key: PartitionKey): string | undefined {
    return partitionKeyProblem(key);
  }

  describe(): string {
    return `dynamic "${this.name}"`;
  }

  toSpec(): PartitionsSpec {
    return { kind: 'dynamic', name: this.name };
  }
}

/** Partitions whose keys are added at run time to the set `name`, indexed in insertion order. */
export function dynamicPartitions(options: DynamicPartitionsOptions): DynamicPartitions {
  const name: unknown = (options as Partial<DynamicPartitionsOptions> | undefined)?.name;
  const problem = typeof name === 'string' && name.trim() !== name ? 'has leading or trailing spaces' : partitionKeyProblem(name)?.replace(/^partition key/, 'name');
  if (problem !== undefined) {
    throw new DefinitionError('definition.bad_option', `dynamicPartitions({ name }): ${problem}; expected a name such as "customers"`, {
      field: 'partitions.name',
      value: name,
    });
  }
  return new DynamicDefinition(name as string);
}
