/**
 * What the planner consumes and produces: the state snapshot, the events since its cursor, the
 * store interface that provides both, and the plan (batches to start, state changes with reasons).
 * The storage package implements `PlannerStore` on PostgreSQL and PGlite.
 */
import type { FailureClass } from '../errors.js';
import type { AssetKey } from '../definitions/types.js';
import type { AssetGraph } from '../definitions/graph.js';
import type { PartitionContext, PartitionKey } from '../partitions/types.js';

/** Position in the event log: events have strictly increasing sequence numbers. */
export type Seq = number;

/** Lower-case sha256 hex of a value's bytes (or a connector-reported version, canonicalized). */
export type DataVersionHex = string;
/** Lower-case sha256 hex identifying a computation. */
export type TokenHex = string;

/** The public partition states (DESIGN §2). */
export type PartitionStatus = 'fresh' | 'missing' | 'stale' | 'running' | 'failed' | 'blocked' | 'check_failed';

/** Every public status; a status's position is its one-byte code in snapshots. */
export const PARTITION_STATUSES: readonly PartitionStatus[] = ['fresh', 'missing', 'stale', 'running', 'failed', 'blocked', 'check_failed'];

/** A machine-readable reason a partition is not fresh. */
export type Reason =
  | { readonly kind: 'never_materialized' }
  | { readonly kind: 'code_changed'; readonly from: string; readonly to: string }
  | { readonly kind: 'upstream_changed'; readonly assetKey: AssetKey; readonly input: string; readonly partitions: readonly PartitionKey[]; readonly more: number }
  | { readonly kind: 'upstream_not_fresh'; readonly assetKey: AssetKey; readonly input: string; readonly partitions: readonly PartitionKey[]; readonly more: number }
  | { readonly kind: 'upstream_missing'; readonly assetKey: AssetKey; readonly input: string; readonly partitions: readonly PartitionKey[]; readonly more: number }
  | { readonly kind: 'upstream_failed'; readonly assetKey: AssetKey; readonly input: string; readonly partitions: readonly PartitionKey[]; readonly more: number }
  | { readonly kind: 'upstream_blocked'; readonly assetKey: AssetKey; readonly input: string; readonly partitions: readonly PartitionKey[]; readonly more: number }
  | { readonly kind: 'upstream_check_failed'; readonly assetKey: AssetKey; readonly input: string; readonly partitions: readonly PartitionKey[]; readonly more: number }
  | { readonly kind: 'failed'; readonly fingerprint: string; readonly failureClass: FailureClass; readonly message: string; readonly retryAt: number | null }
  | { readonly kind: 'check_failed'; readonly check: string; readonly message: string }
  | { readonly kind: 'running'; readonly token: TokenHex; readonly since: number }
  | { readonly kind: 'inputs_changed' };

/** Log events the planner reacts to. `at` is epoch ms (recorded by the writer, never read by core). */
export type WeftEvent = { readonly seq: Seq; readonly at: number } & (
  | { readonly kind: 'source.observed'; readonly assetKey: AssetKey; readonly partitions: ReadonlyArray<{ readonly partitionKey: PartitionKey; readonly dataVersion: DataVersionHex }> }
  | { readonly kind: 'dynamic.keys_added'; readonly name: string; readonly keys: readonly PartitionKey[] }
  /** Keys removed from a dynamic definition: later keys move down, so planners rebuild from a snapshot. */
  | { readonly kind: 'dynamic.keys_removed'; readonly name: string; readonly keys: readonly PartitionKey[] }
  | { readonly kind: 'materialization.started'; readonly assetKey: AssetKey; readonly partitions: ReadonlyArray<{ readonly partitionKey: PartitionKey; readonly token: TokenHex }> }
  | {
      readonly kind: 'materialization.succeeded';
      readonly assetKey: AssetKey;
      readonly partitionKey: PartitionKey;
      readonly token: TokenHex;
      readonly dataVersion: DataVersionHex;
      readonly codeVersion: string;
      /** The planner cursor its inputs were read at (the plan that issued it). */
      readonly inputsAsOf: Seq;
      /**
       * Whether it became the partition's current materialization. The store decides: a success
       * planned before the latest plan that wanted the partition (an older attempt committing
       * late) is recorded but does not replace what a newer plan wants. @default true
       */
      readonly current?: boolean;
    }
  | {
      /**
       * A token committed earlier became the partition's current one again (the planner wanted it
       * back: a code rollback, a source restored to earlier bytes). Applied like a success.
       */
      readonly kind: 'materialization.restored';
      readonly assetKey: AssetKey;
      readonly partitionKey: PartitionKey;
      readonly token: TokenHex;
      readonly dataVersion: DataVersionHex;
      readonly codeVersion: string;
      /** The cursor of the plan that wanted it back. */
      readonly inputsAsOf: Seq;
      readonly materializationId: number;
      /** A blocking check that failed on this data version, if any. */
      readonly checkFailure: { readonly check: string; readonly message: string } | null;
    }
  | {
      /**
       * Planned partitions given back to the planner without a result (their inputs changed since
       * the plan, or the batch ended without an outcome for them): plan them again.
       */
      readonly kind: 'materialization.released';
      readonly assetKey: AssetKey;
      readonly partitions: ReadonlyArray<{ readonly partitionKey: PartitionKey; readonly token: TokenHex }>;
      readonly reason: string;
      /** Given back because their inputs changed since the plan (else: the batch ended without them). */
      readonly inputsChanged: boolean;
    }
  | {
      readonly kind: 'materialization.failed';
      readonly assetKey: AssetKey;
      readonly partitionKey: PartitionKey;
      readonly token: TokenHex;
      readonly failureClass: FailureClass;
      readonly fingerprint: string;
      readonly message: string;
      /** For transient failures whose retries ran out: when to try again (epoch ms). */
      readonly retryAt: number | null;
    }
  | {
      readonly kind: 'check.evaluated';
      readonly assetKey: AssetKey;
      readonly partitionKey: PartitionKey;
      readonly dataVersion: DataVersionHex;
      readonly check: string;
      readonly passed: boolean;
      readonly blocking: boolean;
      readonly message: string;
    }
  | { readonly kind: 'definitions.deployed'; readonly deploymentId: string; readonly codeVersions: Readonly<Record<AssetKey, string>> }
  | { readonly kind: 'request.submitted'; readonly request: PlannerRequest }
  | { readonly kind: 'request.cancelled'; readonly requestId: string }
);

/** The kinds of log events. */
export type WeftEventKind = WeftEvent['kind'];

/** A user request: run these partitions first (materialize/backfill), retry failures, or cancel. */
export interface PlannerRequest {
  readonly id: string;
  readonly action: 'materialize' | 'backfill' | 'retry';
  readonly assetKey: AssetKey;
  /** Partition keys, or `null` for every partition of the asset. */
  readonly partitionKeys: readonly PartitionKey[] | null;
  /** Higher first. User requests always come before automatic work. @default 0 */
  readonly priority: number;
}

/** A recorded failure of one partition (the latest for its token). */
export interface FailureRecord {
  readonly index: number;
  readonly token: TokenHex;
  readonly failureClass: FailureClass;
  readonly fingerprint: string;
  readonly message: string;
  readonly retryAt: number | null;
}

/**
 * One asset's state as of the snapshot's cursor, column by column (index i is partition i of the
 * asset's definition in the snapshot's partition context). Digests are 32 bytes per partition.
 */
export interface AssetSnapshot {
  readonly assetKey: AssetKey;
  /** Partitions covered by the columns. */
  readonly count: number;
  /** Public status per partition as of the cursor, coded by {@link PARTITION_STATUSES} position. */
  readonly status: Uint8Array;
  /** 1 where a successful materialization (or source observation) exists. */
  readonly materialized: Uint8Array;
  /** Token of the latest successful materialization (zeros for sources and where none). */
  readonly token: Uint8Array;
  readonly dataVersion: Uint8Array;
  /** Index into `codeVersions` of the code that made the partition. */
  readonly codeVersionId: Uint16Array;
  readonly codeVersions: readonly string[];
  /** Cursor at which the partition's token was last confirmed current. */
  readonly verifiedSeq: Float64Array;
  /** Sequence at which the partition's data version last changed. */
  readonly changedSeq: Float64Array;
  readonly failures: readonly FailureRecord[];
  readonly running: readonly RunningMarker[];
  /** Partitions whose current data version failed a blocking check: index → check name and message. */
  readonly checkFailures: ReadonlyArray<{ readonly index: number; readonly check: string; readonly message: string }>;
}

/** A partition the planner started: the token it wants and the batch (materialize workflow) running it. */
export interface RunningMarker {
  readonly index: number;
  readonly token: TokenHex;
  /** When it was started (the planner's clock), epoch ms. */
  readonly since: number;
  /** The batch id (its materialize workflow id's last part); null for markers written before batches were recorded. */
  readonly batchId: string | null;
}

/** Everything the planner starts from. */
export interface PlannerSnapshot {
  readonly cursor: Seq;
  readonly dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>;
  readonly assets: readonly AssetSnapshot[];
  readonly requests: readonly PlannerRequest[];
}

/** Limits on how much runs at once; counts include what is already running. */
export interface ConcurrencyLimits {
  readonly global?: number;
  readonly perProvider?: Readonly<Record<string, number>>;
}

/** One upstream input of a planned partition: what the materialization reads. */
export interface PlannedInput {
  readonly name: string;
  readonly assetKey: AssetKey;
  readonly cardinality: 'one' | 'optional' | 'many';
  /** Index ranges of the upstream definition (resolve keys with its definition). */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  /** First and last key of each range (same order as `ranges`). */
  readonly rangeKeys: ReadonlyArray<readonly [PartitionKey, PartitionKey]>;
  /**
   * What the token was computed from: the upstream data version (one-partition inputs;
   * `absent` when there is none) or the range input hash (see `rangeInputHashOf`). A
   * materialization that finds other versions must not run under this token.
   */
  readonly expected: string;
}

/** A partition to materialize, with the token the planner computed for it. */
export interface PlannedPartition {
  readonly partitionKey: PartitionKey;
  readonly token: TokenHex;
  readonly inputs: readonly PlannedInput[];
}

/** A batch of partitions of one asset, run by one materialize workflow. */
export interface PlannedBatch {
  /** Hash of the batch's sorted tokens: the materialize workflow id. */
  readonly id: string;
  readonly assetKey: AssetKey;
  readonly computeProvider: string;
  readonly codeVersion: string;
  /** The cursor the inputs were read at (`inputsAsOf` of the resulting events). */
  readonly inputsAsOf: Seq;
  readonly priority: number;
  readonly requestIds: readonly string[];
  readonly partitions: readonly PlannedPartition[];
}

/** A group of partitions of one asset whose state changed to `status`, as index ranges. */
export interface StateChange {
  readonly assetKey: AssetKey;
  readonly status: PartitionStatus;
  readonly ranges: ReadonlyArray<readonly [number, number]>;
}

/** The result of one planning pass. */
export interface PlanResult {
  readonly cursor: Seq;
  readonly batches: readonly PlannedBatch[];
  readonly changes: readonly StateChange[];
  /** Partitions ready to run but held back by concurrency limits. */
  readonly deferred: number;
  /** When the planner next needs to run without new events (a window closes, a retry is due), epoch ms. */
  readonly wakeAt: number | null;
  /** Event keys the planner could not place (unknown partition keys, unknown assets), for diagnostics. */
  readonly ignored: readonly string[];
  /** Dynamic keys were added to a multi-dimensional definition: rebuild the planner from a snapshot. */
  readonly reloadRequired: boolean;
}

/** What the planner needs from a store (implemented by `ProvenanceStore` on PostgreSQL and PGlite). */
export interface PlannerStore {
  /**
   * The snapshot and its cursor: partition state (stored by key) laid out as columns by each
   * definition's partitions in the context `ctxFor` builds from the stored dynamic keys.
   */
  loadSnapshot(graph: AssetGraph, ctxFor: (dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>) => PartitionContext): Promise<PlannerSnapshot>;
  /** Events after `cursor`, oldest first, at most `limit`. */
  eventsSince(cursor: Seq, limit: number): Promise<readonly WeftEvent[]>;
  /** Persists the state changes of a plan and advances the planner cursor, atomically. */
  savePlan(result: PlanResult, graph: AssetGraph, ctx: PartitionContext): Promise<void>;
}
