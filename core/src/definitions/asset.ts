import { DefinitionError } from '../errors.js';
import { jsonCodec, type Codec } from '../hashing/codec.js';
import type { MappingCardinality, PartitionMapping } from '../partitions/mappings/types.js';
import { unpartitioned } from '../partitions/definitions/unpartitioned.js';
import type { PartitionsDefinition } from '../partitions/types.js';
import { assertAssetKey } from './asset-key.js';
import { callerModule } from './caller-module.js';
import { checkAssetOptions } from './options.js';
import type {
  AssetDefinition,
  AssetInput,
  AssetOptions,
  CheckDefinition,
  ComputeContext,
  InputOptions,
  InputSpecs,
  InputValues,
  Upstream,
} from './types.js';

const THIS_FILES = ['/definitions/asset.ts', '/definitions/caller-module.ts', '/definitions/asset.js', '/definitions/caller-module.js'];

/** What `asset()` takes. */
export interface AssetConfig<T, I extends InputSpecs> extends AssetOptions {
  readonly key: string;
  /** @default unpartitioned */
  readonly partitions?: PartitionsDefinition;
  readonly inputs?: I;
  /** A side-effect-free function of the inputs: its return value is the partition's value. */
  readonly compute: (inputs: InputValues<I>, ctx: ComputeContext) => T | Promise<T>;
  readonly checks?: ReadonlyArray<CheckDefinition<NoInfer<T>>>;
  /** How values are turned into bytes (and data versions). @default canonical JSON */
  readonly codec?: Codec<NoInfer<T>>;
  /** The defining module, when the stack cannot tell (bundled code). */
  readonly module?: string;
}

/**
 * Defines an asset. The compute function's inputs are typed from the upstreams' value types and
 * the mappings' cardinality; its return type is the asset's value type.
 *
 * @example
 * const ordersMonthly = asset({
 *   key: 'orders_monthly',
 *   partitions: monthly({ start: '2024-01' }),
 *   inputs: { days: input(cleanOrders, rollup()) },
 *   compute: ({ days }) => summarize([...days.values()]),
 * });
 */
export function asset<T, I extends InputSpecs = Record<never, never>>(config: AssetConfig<T, I>): AssetDefinition<T, I> {
  assertAssetKey(config.key);
  const key = config.key;
  if (typeof config.compute !== 'function') {
    throw new DefinitionError('definition.bad_option', `asset ${key}: compute must be a function`, { assetKey: key, field: 'compute' });
  }
  const inputs = (config.inputs ?? {}) as I;
  for (const [name, spec] of Object.entries(inputs)) {
    if (!spec || typeof spec !== 'object' || !('kind' in spec) || !['asset', 'source', 'input'].includes(String(spec.kind))) {
      throw new DefinitionError('definition.unknown_key', `asset ${key}: input ${name} is not an asset, a source or input(…) (got ${typeof spec})`, { assetKey: key, field: `inputs.${name}` });
    }
  }
  const checks = [...(config.checks ?? [])];
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.name)) throw new DefinitionError('definition.duplicate_key', `asset ${key}: two checks are named ${JSON.stringify(c.name)}`, { assetKey: key, field: 'checks' });
    seen.add(c.name);
  }
  const { key: _k, partitions, inputs: _i, compute, checks: _c, codec, module, ...options } = config;
  checkAssetOptions(key, options);
  const resolvedInputs: Record<string, unknown> = { ...inputs };
  const definition: AssetDefinition<T, I> = {
    kind: 'asset',
    key,
    partitions: partitions ?? unpartitioned(),
    inputs: resolvedInputs as I,
    compute: compute as AssetDefinition<T, I>['compute'],
    checks,
    codec: codec ?? jsonCodec<T>(),
    options,
    module: module ?? callerModule(THIS_FILES),
  };
  // self(…) inputs read the asset being defined: point them at it.
  for (const [name, spec] of Object.entries(inputs)) {
    if (spec.kind === 'input' && spec.upstream === SELF) resolvedInputs[name] = { ...spec, upstream: definition };
  }
  return definition;
}

const SELF: Upstream<unknown> = Object.freeze({ kind: 'asset', key: '(self)', partitions: unpartitioned(), codec: jsonCodec<unknown>() });

/**
 * An input reading earlier partitions of the asset being defined (running totals, slowly changing
 * state): `previous: self<number>(offset(-1))`. The mapping must only reach back in time.
 */
export function self<T>(mapping: PartitionMapping<'optional'>, options?: InputOptions): AssetInput<T, 'optional'>;
export function self<T>(mapping: PartitionMapping<'many'>, options?: InputOptions): AssetInput<T, 'many'>;
export function self<T>(mapping: PartitionMapping<'optional'> | PartitionMapping<'many'>, options: InputOptions = {}): AssetInput<T, 'optional' | 'many'> {
  return { kind: 'input', upstream: SELF as Upstream<T>, mapping, options };
}

/**
 * Declares an input with an explicit partition mapping: `input(cleanOrders, rollup())` gives the
 * compute an ordered `Map<partitionKey, value>`; `input(prices, offset(-1))` a single value.
 */
export function input<T, C extends MappingCardinality>(upstream: Upstream<T>, mapping?: PartitionMapping<C>, options: InputOptions = {}): AssetInput<T, C> {
  if (!upstream || typeof upstream !== 'object' || !('key' in upstream)) {
    throw new DefinitionError('definition.unknown_key', `input(): the upstream must be an asset or a source (got ${typeof upstream})`, { field: 'inputs' });
  }
  return { kind: 'input', upstream, mapping, options };
}
