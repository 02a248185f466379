import type { Codec } from '../hashing/codec.js';
import type { MappingCardinality, PartitionMapping } from '../partitions/mappings/types.js';
import type { PartitionKey, PartitionsDefinition, TimeWindow } from '../partitions/types.js';
import type { SourceConnector } from '../plugins/connector.js';

/** An asset's key: `/`-separated segments of letters, digits, `_`, `-` and `.`, e.g. `sales/orders_daily`. */
export type AssetKey = string;

/** Anything an input can read from: an asset or a source, producing values of type T. */
export interface Upstream<T> {
  readonly kind: 'asset' | 'source';
  readonly key: AssetKey;
  readonly partitions: PartitionsDefinition;
  readonly codec: Codec<T>;
  /** Phantom field carrying the value type; never set. */
  readonly __value?: T;
}

/** Options of one input. */
export interface InputOptions {
  /** Data-quality gate: a failing blocking check of the upstream partition blocks this input. @default true */
  readonly respectBlockingChecks?: boolean;
}

/** An input with an explicit mapping, made by `input(upstream, mapping)`. */
export interface AssetInput<T, C extends MappingCardinality> {
  readonly kind: 'input';
  readonly upstream: Upstream<T>;
  readonly mapping: PartitionMapping<C> | undefined;
  readonly options: InputOptions;
}

/** How an input is declared: a bare upstream (one partition, by the default mapping) or `input(…)`. */
export type InputSpec = Upstream<unknown> | AssetInput<unknown, MappingCardinality>;

/** Declared inputs by name. */
export type InputSpecs = Readonly<Record<string, InputSpec>>;

/**
 * The value the compute function receives for one input: the upstream value for one-partition
 * mappings, an ordered `Map<partitionKey, value>` for range mappings (rollup, window, all).
 */
export type InputValue<S> =
  S extends AssetInput<infer T, infer C>
    ? [C] extends ['one']
      ? T
      : [C] extends ['optional']
        ? T | undefined
        : ReadonlyMap<PartitionKey, T>
    : S extends Upstream<infer T>
      ? T
      : never;

/** The compute function's first argument, typed from the declared inputs. */
export type InputValues<I extends InputSpecs> = { readonly [K in keyof I]: InputValue<I[K]> };

/** Context passed to compute functions and checks. */
export interface ComputeContext {
  readonly assetKey: AssetKey;
  /** The partition being computed ('' for an unpartitioned asset). */
  readonly partitionKey: PartitionKey;
  /**
   * The materialization's token (hex): the same code and inputs give the same token, so a sink
   * that records it writes a retried materialization once.
   */
  readonly token: string;
  /** The partition's time window, for time-partitioned assets (or the time dimension of a multi one). */
  readonly window: TimeWindow | undefined;
  /** Per-dimension keys for multi-dimensional assets, else undefined. */
  readonly dimensions: Readonly<Record<string, PartitionKey>> | undefined;
  /** Aborted when the run is cancelled or times out: long computes should watch it. */
  readonly signal: AbortSignal;
  /** Reports progress (and liveness) from long computes. */
  heartbeat(details?: unknown): void;
  log(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** What a check returns: a boolean, or a result with a message and metadata. */
export type CheckOutcome = boolean | { readonly passed: boolean; readonly message?: string; readonly metadata?: Readonly<Record<string, unknown>> };

/** A data-quality assertion on a materialized partition's value. */
export interface CheckDefinition<T> {
  readonly name: string;
  /** A failing blocking check stops propagation downstream. @default false */
  readonly blocking: boolean;
  readonly description: string | undefined;
  fn(value: T, ctx: ComputeContext): CheckOutcome | Promise<CheckOutcome>;
}

/** Retry policy for transient failures of an asset's materializations. */
export interface RetryPolicy {
  /** @default 5 */
  readonly maximumAttempts?: number;
  /** @default 1000 */
  readonly initialIntervalMs?: number;
  /** @default 2 */
  readonly backoffCoefficient?: number;
  /** @default 60000 */
  readonly maximumIntervalMs?: number;
}

/** Scheduling options of an asset. */
export interface AssetOptions {
  /** Explicit code version; when absent the version is derived from the asset's module graph. */
  readonly version?: string;
  /** Name of the compute provider (`compute` in the config). @default 'default' */
  readonly computeProvider?: string;
  /** At most this many of the asset's partitions run at once. */
  readonly concurrency?: number;
  /** Partitions per materialization batch (small partitions share one activity). @default 1 */
  readonly batchSize?: number;
  /** Higher runs first among equally urgent work. @default 0 */
  readonly priority?: number;
  readonly retry?: RetryPolicy;
  /** Time limit of one partition's compute. */
  readonly timeoutMs?: number;
  /** Group for permissions and the UI. */
  readonly group?: string;
  readonly description?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A defined asset. */
export interface AssetDefinition<T = unknown, I extends InputSpecs = InputSpecs> extends Upstream<T> {
  readonly kind: 'asset';
  readonly inputs: I;
  // Method syntax on purpose: parameters stay bivariant, so any asset is a `Definition`.
  compute(inputs: InputValues<I>, ctx: ComputeContext): T | Promise<T>;
  readonly checks: ReadonlyArray<CheckDefinition<T>>;
  readonly options: AssetOptions;
  /** File that defined the asset (for code versions), when known. */
  readonly module: string | undefined;
}

/** A defined source: observed, never computed. */
export interface SourceDefinition<T = Uint8Array> extends Upstream<T> {
  readonly kind: 'source';
  readonly observe: SourceConnector | undefined;
  /** How often the connector is polled, in ms (push notifications work regardless). @default 60000 */
  readonly observeIntervalMs: number;
  readonly description: string | undefined;
  readonly module: string | undefined;
}

/** Any definition. */
export type Definition = AssetDefinition<unknown, InputSpecs> | SourceDefinition<unknown>;
