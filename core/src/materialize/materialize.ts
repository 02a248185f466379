import type { Definition } from '../definitions/types.js';
import { DefinitionError } from '../errors.js';
import type { PartitionContext, PartitionKey } from '../partitions/types.js';
import type { PartitionStatus, Reason } from '../planner/types.js';
import { InProcessRunner, type RunRecord } from './runner.js';

/** Options of {@link materialize}. */
export interface MaterializeOptions {
  /**
   * Which partitions to run: keys for every given asset, or keys per asset key. Everything those
   * partitions need upstream runs too. @default every partition of every given asset
   */
  readonly partitions?: readonly PartitionKey[] | Readonly<Record<string, readonly PartitionKey[]>>;
  /**
   * Values of source partitions, by source key and partition key (encoded with the source's codec).
   * A source named here is not observed through its connector: these are all its partitions.
   */
  readonly sources?: Readonly<Record<string, Readonly<Record<PartitionKey, unknown>>>>;
  /**
   * The time to plan at (which time windows exist). @default the end of the latest requested time
   * window; required when time-partitioned assets run without explicit partitions
   */
  readonly now?: number;
  /**
   * Keys of dynamic partitions sets, by set name, added before anything runs. Sources whose values
   * are given (or observed) add the keys they bring on their own, as on the workers.
   */
  readonly dynamicPartitions?: Readonly<Record<string, readonly PartitionKey[]>>;
  /** Code versions per asset key (default: cheap in-process versions). */
  readonly codeVersions?: Readonly<Record<string, string>>;
  /** Throw the first failure (true) or report failures in the result (false). @default true */
  readonly raiseOnError?: boolean;
}

/** What {@link materialize} did. */
export interface MaterializeResult {
  readonly runs: readonly RunRecord[];
  readonly failures: readonly RunRecord[];
  /** The value of a partition after the run (decoded), or undefined. */
  value<T = unknown>(assetKey: string, partitionKey?: PartitionKey): T | undefined;
  /** Status and reasons of a partition after the run. */
  state(assetKey: string, partitionKey?: PartitionKey): { status: PartitionStatus; reasons: Reason[] };
}

function latestWindowEnd(definitions: readonly Definition[], partitions: MaterializeOptions['partitions']): number | undefined {
  let latest: number | undefined;
  for (const def of definitions) {
    const keys = Array.isArray(partitions) ? partitions : (partitions as Record<string, readonly PartitionKey[]> | undefined)?.[def.key];
    if (!keys) continue;
    const d = def.partitions;
    const time = d.kind === 'time' ? d : d.kind === 'multi' ? d.dimensions.find((x) => x.definition.kind === 'time') : undefined;
    for (const key of keys) {
      let end: number | undefined;
      if (d.kind === 'time') {
        const i = d.parseKey(key);
        end = i === undefined ? undefined : d.windowAt(i).end + d.lagMs;
      } else if (d.kind === 'multi' && time && 'name' in time && time.definition.kind === 'time') {
        const value = d.splitKey(key)?.[time.name];
        const i = value === undefined ? undefined : time.definition.parseKey(value);
        end = i === undefined ? undefined : time.definition.windowAt(i).end + time.definition.lagMs;
      }
      if (end !== undefined && (latest === undefined || end > latest)) latest = end;
    }
  }
  return latest;
}

/**
 * Requested partitions must exist at `now`: a key given per asset must be one of that asset's
 * partitions, a key given for every asset one of some asset's partitions, and a per-asset entry must
 * name a given asset (the planner would silently ignore anything else, and nothing would run).
 */
function checkRequestedPartitions(definitions: readonly Definition[], partitions: MaterializeOptions['partitions'], ctx: PartitionContext): void {
  if (partitions === undefined) return;
  const assets = definitions.filter((d) => d.kind === 'asset');
  const problem = (def: Definition, key: PartitionKey): string => {
    const malformed = def.partitions.checkKey(key);
    return malformed ?? `it does not exist at now = ${new Date(ctx.now).toISOString()} (${def.partitions.describe()})`;
  };
  if (Array.isArray(partitions)) {
    for (const key of partitions as readonly PartitionKey[]) {
      if (assets.some((def) => def.partitions.indexOf(key, ctx) !== undefined)) continue;
      const first = assets[0];
      const why = first ? `: ${problem(first, key)}` : '';
      throw new DefinitionError('definition.bad_partition_key', `materialize(): no given asset has partition ${JSON.stringify(key)}${why}`, { ...(first ? { assetKey: first.key } : {}), partitionKey: key, field: 'partitions' });
    }
    return;
  }
  for (const [assetKey, keys] of Object.entries(partitions as Readonly<Record<string, readonly PartitionKey[]>>)) {
    const def = assets.find((d) => d.key === assetKey);
    if (!def) {
      const isSource = definitions.some((d) => d.key === assetKey && d.kind === 'source');
      const why = isSource ? 'which is a source (sources are observed, not materialized: pass their values in `sources`)' : 'which is not among the given assets';
      throw new DefinitionError('definition.unknown_key', `materialize(): partitions names ${assetKey}, ${why}`, { assetKey, field: `partitions.${assetKey}` });
    }
    for (const key of keys) {
      if (def.partitions.indexOf(key, ctx) === undefined) {
        throw new DefinitionError('definition.bad_partition_key', `materialize(): asset ${assetKey} has no partition ${JSON.stringify(key)}: ${problem(def, key)}`, { assetKey, partitionKey: key, field: `partitions.${assetKey}` });
      }
    }
  }
}

/**
 * Runs assets in this process with in-memory storage, through the same planner the workers use:
 * for unit tests of user code.
 *
 * @example
 * const result = await materialize([rawOrders, cleanOrders], {
 *   partitions: ['2024-01-01'],
 *   sources: { raw_orders: { '2024-01-01': csvBytes } },
 * });
 * expect(result.value('clean_orders', '2024-01-01')).toEqual([...]);
 */
export async function materialize(definitions: readonly Definition[], options: MaterializeOptions = {}): Promise<MaterializeResult> {
  const needsClock = definitions.some((d) => d.partitions.kind === 'time' || (d.partitions.kind === 'multi' && d.partitions.dimensions.some((x) => x.definition.kind === 'time')));
  const now = options.now ?? latestWindowEnd(definitions, options.partitions) ?? (needsClock ? undefined : 0);
  if (now === undefined) {
    throw new DefinitionError('definition.bad_option', 'materialize(): pass `now` (epoch ms) or explicit `partitions`, so Weft knows which time windows exist', { field: 'now' });
  }
  const runner = new InProcessRunner(definitions, { now, automatic: false, ...(options.codeVersions ? { codeVersions: options.codeVersions } : {}) });
  for (const [name, keys] of Object.entries(options.dynamicPartitions ?? {})) runner.addDynamicKeys(name, keys);
  for (const [sourceKey, byKey] of Object.entries(options.sources ?? {})) {
    for (const [partitionKey, value] of Object.entries(byKey)) runner.setSource(sourceKey, partitionKey, value);
  }
  await runner.observeSources(undefined, new Set(Object.keys(options.sources ?? {})));
  checkRequestedPartitions(definitions, options.partitions, runner.planner.context);
  let n = 0;
  for (const def of definitions) {
    if (def.kind !== 'asset') continue;
    const partitions = options.partitions;
    const keys = partitions === undefined ? null : Array.isArray(partitions) ? partitions : ((partitions as Record<string, readonly PartitionKey[]>)[def.key] ?? undefined);
    if (keys === undefined) continue;
    runner.request({ id: `materialize-${++n}`, action: 'materialize', assetKey: def.key, partitionKeys: keys === null ? null : [...keys] });
  }
  const runs = await runner.runUntilIdle();
  const failures = runs.filter((r) => r.status === 'failed');
  if ((options.raiseOnError ?? true) && failures[0]?.error) throw failures[0].error;
  return {
    runs,
    failures,
    value: <T>(assetKey: string, partitionKey: PartitionKey = '') => runner.value(assetKey, partitionKey) as T | undefined,
    state: (assetKey, partitionKey = '') => runner.planner.state(assetKey, partitionKey),
  };
}
