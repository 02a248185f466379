import type { PartitionKey, PartitionStatus, Reason, StoredPartitionSet } from '@weft/core';

/** A deployment of a code location (its catalog is read apart: it can be large). */
export interface DeploymentRow {
  readonly id: string;
  readonly location: string;
  readonly createdAt: number;
  /** The `definitions.deployed` event that announced it first. */
  readonly eventSeq: number | null;
  readonly codeVersions: Readonly<Record<string, string>>;
}

/** One step of an asset's code-version history: the first deployment that carried a version. */
export interface CodeVersionStep {
  readonly codeVersion: string;
  readonly deploymentId: string;
  readonly deployedAt: number;
}

/** Everything the partition-state table holds of one partition. */
export interface PartitionDetail {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  /** `missing` when the partition has no state row yet. */
  readonly status: PartitionStatus;
  readonly token: string | null;
  readonly dataVersion: string | null;
  readonly codeVersion: string | null;
  readonly materializationId: number | null;
  readonly reasons: readonly Reason[] | null;
  readonly failure: { readonly token: string; readonly failureClass: string; readonly fingerprint: string; readonly message: string; readonly retryAt: number | null } | null;
  readonly checkFailure: { readonly check: string; readonly message: string } | null;
  readonly runningToken: string | null;
  readonly runningSince: number | null;
  readonly runningBatch: string | null;
  /** The event seq its inputs were last verified at (-1: never). */
  readonly verifiedSeq: number;
  /** The event seq of the record that last changed its data version (-1: never). */
  readonly changedSeq: number;
  readonly plannedSeq: number;
  readonly updatedSeq: number;
}

/** A stored materialization with everything recorded of how it was made. */
export interface MaterializationDetail {
  readonly id: number;
  readonly token: string;
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly codeVersion: string;
  readonly dataVersion: string;
  readonly storageUri: string | null;
  /** The value is kept in the row itself (read it with `inlineValue`), not in object storage. */
  readonly storedInline: boolean;
  readonly bytes: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number;
  readonly attempt: number;
  readonly worker: string | null;
  readonly computeProvider: string | null;
  readonly workflowId: string | null;
  readonly runId: string | null;
  readonly inputsAsOf: number;
  readonly deploymentId: string | null;
  /** The event seq it was recorded at. */
  readonly seq: number | null;
  /** Whether it became its partition's current materialization when recorded (a late older attempt did not). */
  readonly becameCurrent: boolean;
}

/** One input edge of a materialization: what it read of one upstream. */
export interface InputEdgeDetail {
  readonly materializationId: number;
  readonly inputName: string;
  readonly upstreamAsset: string;
  /** '' for an unpartitioned upstream; null for a range edge. */
  readonly upstreamPartition: PartitionKey | null;
  /** The upstream materialization read (null for a source, a range, or one pruned). */
  readonly upstreamMaterializationId: number | null;
  readonly dataVersion: string | null;
  readonly range: {
    readonly first: PartitionKey;
    readonly last: PartitionKey;
    readonly count: number;
    readonly combinedHash: string;
    /** The exact partitions read when first…last does not say it (core's `StoredPartitionSet`); null for every partition from first to last. */
    readonly set: StoredPartitionSet | null;
  } | null;
}

/** One stored check result. */
export interface CheckResultDetail {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly dataVersion: string;
  readonly check: string;
  readonly passed: boolean;
  readonly blocking: boolean;
  readonly message: string | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly at: number;
}

/** A user request with its progress. */
export interface RequestDetail {
  readonly id: string;
  readonly action: string;
  readonly assetKey: string;
  readonly partitionKeys: readonly PartitionKey[] | null;
  readonly priority: number;
  /** `open`, `done` or `cancelled`. */
  readonly status: string;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly requestedBy: string | null;
  readonly total: number | null;
  readonly progress: Readonly<Record<string, number>> | null;
}

/** An API token as listed (never its secret). */
export interface ApiTokenRow {
  readonly id: string;
  readonly name: string;
  readonly roles: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** One audit-log entry. */
export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: unknown;
}
