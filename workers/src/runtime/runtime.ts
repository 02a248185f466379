import type { Client } from '@temporalio/client';
import { WeftError, type AssetGraph, type ComputeProvider, type ConcurrencyLimits, type ObjectStorage, type PartitionContext, type PartitionKey } from '@weft/core';
import { MAX_INLINE_VALUE_BYTES, type ProvenanceStore } from '@weft/store';
import type { ListenerBus } from './listeners.js';
import type { RecentValues } from './recent-values.js';

/** Everything a worker's activities need: definitions, store, storage, compute and Temporal. */
export interface WeftRuntime {
  /** The code location (one reconcile loop each). */
  readonly location: string;
  readonly graph: AssetGraph;
  /** Current code version of every asset. */
  readonly codeVersions: Readonly<Record<string, string>>;
  readonly deploymentId: string;
  readonly store: ProvenanceStore;
  readonly storage: ObjectStorage;
  /** The values this worker stored last (read back from memory by the assets downstream). */
  readonly recentValues?: RecentValues;
  readonly compute: Readonly<Record<string, ComputeProvider>>;
  readonly limits: ConcurrencyLimits;
  /** Partitions per batch for assets without `batchSize`. */
  readonly batchSize: number;
  /**
   * Partitions of one batch computed at once (each still holds its own slot of the concurrency
   * limits: the planner never puts more in a batch than the limits leave free). @default 16
   */
  readonly batchConcurrency?: number;
  /**
   * Values up to this many bytes are kept in their materialization row in the provenance store
   * instead of object storage (0: every value goes to storage). @default {@link DEFAULT_INLINE_VALUE_BYTES}
   */
  readonly inlineValueBytes?: number;
  readonly client: Client;
  /**
   * A client on the worker's own connection, to start batches with eager start: when this process
   * polls the batch queue and has room, the server hands it the new workflow's first task in the
   * answer to the start (no round trip through the queue). Without it, `client` starts them.
   */
  readonly batchStarter?: Client;
  /** The location's shared task queue (the reconcile loop, source observation, retention). */
  readonly taskQueue: string;
  /**
   * The task queue of this worker's deployment: batches its planner starts run there, so only
   * workers with the code that planned a batch run it (and its provenance names that code).
   */
  readonly batchQueue: string;
  /** How long a deployment's queue may have no poller before its running batches are given up (terminated, replanned), ms. */
  readonly deploymentGoneMs: number;
  /** This process's own task queue (the warm planner lives here). */
  readonly workerQueue: string;
  /** Name of this worker for provenance (host:pid). */
  readonly workerName: string;
  /** How long a crashed worker holds a batch before Temporal retries it elsewhere, ms. */
  readonly heartbeatTimeoutMs: number;
  /** Time limit of one partition's compute when its asset sets none, ms (it holds inside a batch). */
  readonly partitionTimeoutMs: number;
  /**
   * How old a running batch must be before the planner asks Temporal whether its workflow still
   * runs (a batch that ended without an outcome for some partitions gives them back), ms.
   */
  readonly orphanCheckMs: number;
  /** The wall clock (tests pass a fake). */
  now(): number;
  /** Plugins' listeners of materializations. */
  readonly listeners: ListenerBus;
  /** Called when the planner starts a partition's workflow (timings for benchmarks). */
  readonly onMaterializationStart?: (assetKey: string, partitionKey: PartitionKey, at: number) => void;
  /** Called when a materialization activity starts working on a batch (timings for benchmarks). */
  readonly onBatchStart?: (assetKey: string, partitionKeys: readonly PartitionKey[], at: number) => void;
}

/**
 * Values up to 1 KiB are kept inline when a worker sets no `inlineValueBytes`: a count, a small
 * aggregate, a status. Writing one costs nothing beside its row (an object or a file per tiny
 * value cost more than its compute: creating a file took the kernel 20–400 µs here), and reading
 * it comes with the row that says where it is. Larger values go to object storage.
 */
export const DEFAULT_INLINE_VALUE_BYTES = 1024;

/** `inlineValueBytes` as a worker option: a whole number of bytes from 0 to the store's limit. */
export function checkedInlineValueBytes(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_INLINE_VALUE_BYTES)
    throw new WeftError('definition.bad_option', `inlineValueBytes must be a whole number of bytes from 0 to ${MAX_INLINE_VALUE_BYTES}, not ${String(bytes)}`, { field: 'inlineValueBytes' });
  return bytes;
}

/** A partition context at the current time with the stored dynamic keys. */
export function contextAt(now: number, dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>): PartitionContext {
  return { now, dynamicKeys: (name) => dynamicKeys[name] ?? [] };
}
