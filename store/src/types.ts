import type { FailureClass } from '@weft/core';
import type { PartitionKey, StoredPartitionSet } from '@weft/core';
import type { PartitionStatus, Reason, WeftEvent } from '@weft/core';

/** A log event before the store gives it its id. */
export type NewEvent = WeftEvent extends infer E ? (E extends WeftEvent ? Omit<E, 'seq' | 'at'> & { readonly at?: number } : never) : never;

/** What one input of a successful materialization read. */
export type InputRecord =
  | {
      readonly name: string;
      readonly upstreamAsset: string;
      /** '' for an unpartitioned upstream. */
      readonly partitionKey: PartitionKey;
      readonly dataVersion: string;
    }
  | {
      readonly name: string;
      readonly upstreamAsset: string;
      readonly range: {
        readonly first: PartitionKey;
        readonly last: PartitionKey;
        readonly count: number;
        readonly combinedHash: string;
        /**
         * The exact partitions read when first…last does not say it (core's `encodePartitionSet`:
         * a multi-dimensional selection, or runs with holes); absent for every partition from first to last.
         */
        readonly set?: StoredPartitionSet | null;
      };
    };

/** A successful materialization to record (with everything that made it). */
export interface MaterializationRecord {
  readonly token: string;
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly codeVersion: string;
  readonly dataVersion: string;
  readonly storageUri?: string | null;
  /**
   * The value itself, kept in the row instead of object storage (at most
   * `MAX_INLINE_VALUE_BYTES`; never with a `storageUri`).
   */
  readonly inlineValue?: Uint8Array | null;
  readonly bytes?: number | null;
  readonly startedAt?: number | null;
  readonly finishedAt: number;
  readonly attempt?: number;
  readonly worker?: string | null;
  readonly computeProvider?: string | null;
  readonly workflowId?: string | null;
  readonly runId?: string | null;
  /** The planner cursor its inputs were read at. */
  readonly inputsAsOf: number;
  readonly deploymentId?: string | null;
  readonly inputs: readonly InputRecord[];
}

/** A failed attempt to record. */
export interface FailureInput {
  readonly token: string;
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly attempt: number;
  readonly failureClass: FailureClass;
  readonly fingerprint: string;
  readonly message: string;
  /** The stack trace of what was thrown (kept redacted, at most {@link MAX_STACK_BYTES} bytes). */
  readonly stack?: string | null;
  readonly retryAt: number | null;
  readonly startedAt?: number | null;
  readonly finishedAt: number;
  readonly worker?: string | null;
  readonly workflowId?: string | null;
  readonly runId?: string | null;
}

/** A check result to record. */
export interface CheckResultInput {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly dataVersion: string;
  readonly check: string;
  readonly passed: boolean;
  readonly blocking: boolean;
  readonly message: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/** What a batch recording did: tokens committed now, and tokens another attempt had committed already. */
export interface RecordResult {
  readonly committed: readonly string[];
  readonly duplicates: readonly string[];
  /** The events appended (one `materialization.succeeded` per committed token). */
  readonly events: readonly WeftEvent[];
  /** Committed tokens that did not become current: an older plan's attempt, committed after a newer plan wanted the partition. */
  readonly notCurrent?: readonly string[];
}

/** A planned token found committed already: the planner wants it to be the partition's current one again. */
export interface RestoreInput {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly token: string;
  /** The cursor of the plan that wants it (the batch's `inputsAsOf`). */
  readonly inputsAsOf: number;
}

/** A planned partition given back to the planner without a result. */
export interface ReleaseInput {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly token: string;
  /** The attempt that gave it back (recorded as a `released` attempt, so a retry of the same run skips it). */
  readonly attempt?: number;
  readonly worker?: string | null;
  readonly workflowId?: string | null;
  readonly runId?: string | null;
}

/**
 * Everything one attempt at a batch produced, recorded in one transaction: successes (with their
 * edges and state), the check results of what it committed, failures, restored tokens and
 * released partitions. A crash loses all of it or none, and no plan sees a success without its
 * blocking checks.
 */
/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line a compute logged, of one attempt at one token. */
export interface LogLineInput {
  readonly token: string;
  /** The attempt (Temporal's activity attempt) that wrote it. */
  readonly attempt: number;
  /** Its position in the attempt's log, from 0. */
  readonly line: number;
  readonly assetKey: string;
  readonly partitionKey: string;
  /** Epoch ms. */
  readonly at: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A stored log line. */
export interface LogLine {
  readonly token: string;
  readonly attempt: number;
  readonly line: number;
  readonly at: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | null;
}

export interface BatchOutcome {
  /** Log lines of the computes of this batch (materialized or failed), written with it. */
  readonly logs?: readonly LogLineInput[];
  readonly materializations?: readonly MaterializationRecord[];
  /** Check results of the materializations (those of a duplicate are dropped: the winner recorded its own). */
  readonly checks?: readonly CheckResultInput[];
  readonly failures?: readonly FailureInput[];
  readonly restore?: readonly RestoreInput[];
  readonly release?: { readonly partitions: readonly ReleaseInput[]; readonly reason: string; /** Their inputs changed since the plan. @default false */ readonly inputsChanged?: boolean };
}

/** What {@link BatchOutcome} recording did. */
export interface OutcomeResult extends RecordResult {
  /** Tokens made current again (one `materialization.restored` event each). */
  readonly restored: readonly string[];
  /** Partitions released (their running token matched). */
  readonly released: number;
  readonly failed: number;
}

/** One row of an asset's partition status listing. */
export interface PartitionRow {
  readonly partitionKey: PartitionKey;
  readonly status: PartitionStatus;
  readonly token: string | null;
  readonly dataVersion: string | null;
  readonly codeVersion: string | null;
  readonly materializationId: number | null;
  readonly reasons: readonly Reason[] | null;
}

/** Counts per status over a run of consecutive partitions. */
export interface StatusRange {
  readonly firstKey: PartitionKey;
  readonly lastKey: PartitionKey;
  readonly count: number;
  readonly status: PartitionStatus;
}

/** A materialization in a lineage graph. */
export interface LineageNode {
  readonly materializationId: number;
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly token: string;
  readonly codeVersion: string;
  readonly dataVersion: string;
  readonly finishedAt: number;
  readonly depth: number;
}

/** An input edge of a lineage graph (downstream reads upstream). */
export interface LineageEdge {
  readonly downstreamId: number;
  readonly upstreamId: number;
  readonly inputName: string;
}

/** A lineage graph around one partition. */
export interface Lineage {
  readonly root: LineageNode | undefined;
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  /** Upstream partitions read whose materialization is no longer stored (pruned) or never was (sources). */
  readonly unresolved: ReadonlyArray<{ readonly downstreamId: number; readonly inputName: string; readonly assetKey: string; readonly partitionKey: PartitionKey; readonly dataVersion: string | null }>;
}

/** Failures sharing a fingerprint, with the partitions they affect. */
export interface FailureGroup {
  readonly assetKey: string;
  readonly fingerprint: string;
  readonly failureClass: FailureClass;
  readonly occurrences: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly sampleMessage: string;
  /** The stack trace of its latest failure that had one (null when none was thrown with one). */
  readonly lastStack: string | null;
  /** Partitions whose current state is failed with this fingerprint. */
  readonly partitions: readonly PartitionKey[];
}

/** One attempt of a partition: a failed or started one, or a success (its materialization). */
export interface AttemptRow {
  readonly token: string;
  readonly attempt: number;
  readonly status: string;
  readonly failureClass: string | null;
  readonly fingerprint: string | null;
  readonly message: string | null;
  /** The stack trace of what was thrown, when the attempt failed with one. */
  readonly stack: string | null;
}

/** A code location's planner cursor: how far its planner has read the event log. */
export interface PlannerCursor {
  readonly location: string;
  /** The last event id of its own location its planner has taken into account. */
  readonly cursor: number;
  /**
   * How far it has read the whole log: up to its next unread event of its own (a planner reads
   * only its location's events), or every event when it has none to read. Retention keeps what
   * lies beyond the lowest of these.
   */
  readonly readThrough: number;
  /** Events of its own location its planner has yet to read. */
  readonly eventsBehind: number;
  /** When its planner last saved a plan. */
  readonly updatedAt: number;
}

/** How `prune` runs. */
export interface PruneOptions {
  /** Count what would go, inside a transaction that is then rolled back. */
  readonly dryRun?: boolean;
  /**
   * Assets whose partition keys sort as text in their definition's order (`textOrderedAssets(graph)`):
   * a range input over one keeps only the partitions of its range. Others keep the whole asset's
   * materializations current at the read.
   */
  readonly orderedAssets?: Iterable<string>;
}

/** What `prune` removed (or, in a dry run, would remove). */
export interface PruneResult {
  readonly events: number;
  readonly attempts: number;
  /** Log lines of pruned attempts. */
  readonly logs: number;
  readonly materializations: number;
  readonly checks: number;
}

export type { RetentionPolicy } from '@weft/core';
