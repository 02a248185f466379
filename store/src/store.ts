import type { AssetGraph, PartitionContext, PartitionKey, PartitionsDefinition, PartitionStatus, PlannerRequest, PlannerSnapshot, PlannerStore, PlanResult, Reason, RetentionPolicy, WeftEvent } from '@weft/core';
import { Auth } from './auth.js';
import { Deployments } from './deployments.js';
import { EventLog } from './event-log.js';
import { Explorer } from './explorer.js';
import { PlannerState } from './planner-state.js';
import { Queries, type CurrentValue } from './queries.js';
import { Recorder } from './recorder.js';
import { Requests } from './requests.js';
import { Retention } from './retention.js';
import { Sources } from './sources.js';
import type { SqlClient, SqlDatabase } from './sql-client.js';
import type { StatusChangesAsk, StatusChangesRead, StatusCodesRead } from './status-codes.js';
import type { AttemptRow, BatchOutcome, CheckResultInput, FailureGroup, FailureInput, Lineage, MaterializationRecord, NewEvent, OutcomeResult, PartitionRow, PlannerCursor, PruneOptions, PruneResult, RecordResult, ReleaseInput, StatusRange } from './types.js';

/**
 * The provenance store on PostgreSQL or PGlite (one schema, one code path; every value is a query
 * parameter): one facade over one part per concern, all on the same database and code location.
 */
export class ProvenanceStore implements PlannerStore {
  private readonly events: EventLog;
  private readonly deployments: Deployments;
  private readonly recorder: Recorder;
  private readonly sources: Sources;
  private readonly requests: Requests;
  private readonly plannerState: PlannerState;
  private readonly queries: Queries;
  private readonly retention: Retention;
  private readonly auth: Auth;
  /** What the API reads: deployments, partition detail, materializations with edges and checks, requests, tokens, audit. */
  readonly explorer: Explorer;

  constructor(
    readonly db: SqlDatabase,
    readonly location = 'default',
  ) {
    const events = (this.events = new EventLog(db, location));
    this.deployments = new Deployments(db, location, events);
    this.recorder = new Recorder(db, location, events);
    this.sources = new Sources(db, location, events);
    this.requests = new Requests(db, location, events);
    this.plannerState = new PlannerState(db, location, events, this.sources);
    this.queries = new Queries(db, location, events);
    this.retention = new Retention(db, location, events);
    this.auth = new Auth(db, location, events);
    this.explorer = new Explorer(db, location, events);
  }

  /**
   * Appends events in one transaction (inside `tx` when given) and wakes listeners. Event ids
   * commit in increasing order (one lock for every writer), so cursors never skip a late commit.
   */
  appendEvents(events: readonly NewEvent[], tx?: SqlClient): Promise<WeftEvent[]> {
    return this.events.appendEvents(events, tx);
  }

  /**
   * Events after `cursor`, oldest first, at most `limit`; a `materializations.recorded` row reads as
   * its `materialization.succeeded` events (a page may end inside one; the next resumes there).
   */
  eventsSince(cursor: number, limit = 10_000): Promise<WeftEvent[]> {
    return this.events.eventsSince(cursor, limit);
  }

  /** Calls `fn` when events are appended (LISTEN/NOTIFY; instant on both drivers). */
  onEvents(fn: (lastId: number) => void): Promise<() => Promise<void>> {
    return this.events.onEvents(fn);
  }

  /** Records a deployment (a definitions snapshot with code versions); idempotent per content. */
  recordDeployment(definitions: unknown, codeVersions: Readonly<Record<string, string>>): Promise<{ id: string; created: boolean }> {
    return this.deployments.recordDeployment(definitions, codeVersions);
  }

  /** The deployment of this location announced last (the one whose planner should plan), if any. */
  latestDeployment(q: SqlClient = this.db): Promise<string | undefined> {
    return this.deployments.latestDeployment(q);
  }

  /**
   * Records successful materializations, exactly once per token, in one transaction: rows, input
   * edges, partition state and one `materializations.recorded` event (a `materialization.succeeded`
   * per materialization when read). A token committed already is reported as a duplicate.
   */
  recordMaterializations(records: readonly MaterializationRecord[]): Promise<RecordResult> {
    return this.recorder.recordMaterializations(records);
  }

  /**
   * Records everything one attempt at a batch produced ({@link BatchOutcome}) in one transaction:
   * all or nothing, and each partition gets an event (succeeded, failed, restored or released).
   */
  recordOutcome(outcome: BatchOutcome): Promise<OutcomeResult> {
    return this.recorder.recordOutcome(outcome);
  }

  /** Gives running partitions back to the planner (their batch ended without an outcome for them). */
  releasePartitions(partitions: readonly ReleaseInput[], reason: string): Promise<WeftEvent[]> {
    return this.recorder.releasePartitions(partitions, reason);
  }

  /** Records failed attempts: attempts rows, failure groups by fingerprint, partition state and events. */
  recordFailures(failures: readonly FailureInput[]): Promise<WeftEvent[]> {
    return this.recorder.recordFailures(failures);
  }

  /** Records check results; a failed blocking check of the current data version marks the partition. */
  recordCheckResults(results: readonly CheckResultInput[]): Promise<WeftEvent[]> {
    return this.recorder.recordCheckResults(results);
  }

  /** Records source observations: only partitions whose data version changed produce an event. */
  recordSourceObservations(assetKey: string, observations: ReadonlyArray<{ partitionKey: PartitionKey; dataVersion: string; reported?: unknown }>): Promise<WeftEvent[]> {
    return this.sources.recordSourceObservations(assetKey, observations);
  }

  /** Adds keys to a dynamic partitions definition (existing keys are ignored), in order. */
  addDynamicKeys(name: string, keys: readonly PartitionKey[]): Promise<WeftEvent[]> {
    return this.sources.addDynamicKeys(name, keys);
  }

  /** Removes keys from a dynamic partitions definition (later keys move down; planners rebuild). */
  removeDynamicKeys(name: string, keys: readonly PartitionKey[]): Promise<WeftEvent[]> {
    return this.sources.removeDynamicKeys(name, keys);
  }

  /** The keys of every dynamic partitions definition, in order. */
  dynamicKeys(): Promise<Record<string, PartitionKey[]>> {
    return this.sources.dynamicKeys();
  }

  /** Submits a user request (materialize, backfill, retry). */
  submitRequest(request: PlannerRequest, requestedBy: string | null = null): Promise<WeftEvent[]> {
    return this.requests.submitRequest(request, requestedBy);
  }

  /** Submits several requests in one transaction: all, or none. */
  submitRequests(requests: readonly PlannerRequest[], requestedBy: string | null = null): Promise<WeftEvent[]> {
    return this.requests.submitRequests(requests, requestedBy);
  }

  /** Records requests' progress (partitions by status); a request whose partitions are all settled is done. */
  saveRequestProgress(progress: ReadonlyArray<{ id: string; total: number; byStatus: Readonly<Record<string, number>> }>): Promise<void> {
    return this.requests.saveRequestProgress(progress);
  }

  /** Cancels an open request (see `Requests.cancelRequest`); undefined when there is none with that id here. */
  cancelRequest(id: string): Promise<{ status: string; cancelled: boolean } | undefined> {
    return this.requests.cancelRequest(id);
  }

  /** A request and its recorded progress. */
  request(id: string): Promise<{ id: string; status: string; total: number | null; progress: Record<string, number> | null } | undefined> {
    return this.requests.request(id);
  }

  /**
   * The planner snapshot: partition state as columns indexed by each definition's partitions in
   * `ctx`, the dynamic keys, open requests and this location's cursor.
   */
  loadSnapshot(graph: AssetGraph, ctxFor: (dynamicKeys: Readonly<Record<string, readonly PartitionKey[]>>) => PartitionContext): Promise<PlannerSnapshot> {
    return this.plannerState.loadSnapshot(graph, ctxFor);
  }

  /**
   * Persists a plan: the partitions' new statuses (with reasons when `reasonsFor` gives them), the
   * partitions started, and the cursor — atomically.
   */
  savePlan(result: PlanResult, graph: AssetGraph, ctx: PartitionContext, reasonsFor?: (assetKey: string, partitionKey: PartitionKey) => readonly Reason[]): Promise<void> {
    return this.plannerState.savePlan(result, graph, ctx, reasonsFor);
  }

  /** How many partitions of each asset are in each status, and which assets are sources (observed, never computed). */
  statusCounts(): Promise<{ counts: Array<{ assetKey: string; status: PartitionStatus; count: number }>; sources: string[] }> {
    return this.queries.statusCounts();
  }

  /** One page of an asset's partitions with their state, ordered by partition key. */
  partitions(assetKey: string, options: { offset?: number; limit?: number; status?: PartitionStatus } = {}): Promise<PartitionRow[]> {
    return this.queries.partitions(assetKey, options);
  }

  /**
   * Runs of consecutive partitions (in the definition's order) with one status, from the
   * partition-state table (never the event log); partitions without a state row are `missing`.
   */
  statusSummary(assetKey: string, graph: AssetGraph, ctx: PartitionContext): Promise<StatusRange[]> {
    return this.queries.statusSummary(assetKey, graph, ctx);
  }

  /** Every partition's status code by index (`PARTITION_STATUSES`), from one read of the asset's state rows. */
  statusCodes(assetKey: string, def: PartitionsDefinition, ctx: PartitionContext): Promise<Uint8Array> {
    return this.queries.statusCodes(assetKey, def, ctx);
  }

  /** Status codes of several assets in one statement. */
  statusCodesOf(assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<Map<string, Uint8Array>> {
    return this.queries.statusCodesOf(assets, ctx);
  }

  /** {@link statusCodesOf} with the database snapshot it read in: {@link statusChangesSince} reads what changed after it. */
  statusCodesRead(assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<StatusCodesRead> {
    return this.queries.statusCodesRead(assets, ctx);
  }

  /**
   * The partitions of each asset whose state changed since an earlier read's snapshot (and the
   * partitions from `fromIndex` on, whole), with the snapshot of this read. A few changes cost a
   * few rows, however many partitions the assets have; when the location changed in more than
   * `limit` rows since the oldest of those snapshots, every asset answers `undefined`.
   */
  statusChangesSince(asks: readonly StatusChangesAsk[], ctx: PartitionContext, limit: number): Promise<StatusChangesRead> {
    return this.queries.statusChangesSince(asks, ctx, limit);
  }

  /** Provenance of a partition's current (or a given) materialization, `depth` levels up or down. */
  lineage(graph: AssetGraph, ctx: PartitionContext, options: { assetKey: string; partitionKey: PartitionKey; direction: 'upstream' | 'downstream'; depth: number; materializationId?: number }): Promise<Lineage> {
    return this.queries.lineage(graph, ctx, options);
  }

  /** Failures grouped by fingerprint, with the partitions currently failed by each. */
  failureGroups(assetKey?: string): Promise<FailureGroup[]> {
    return this.queries.failureGroups(assetKey);
  }

  /** Every attempt of a partition, newest first, with exact error messages. */
  attempts(assetKey: string, partitionKey: PartitionKey): Promise<AttemptRow[]> {
    return this.queries.attempts(assetKey, partitionKey);
  }

  /** Which of these tokens are committed (each has its one materialization). */
  committedTokens(tokens: readonly string[]): Promise<Set<string>> {
    return this.queries.committedTokens(tokens);
  }

  /** Tokens with an outcome recorded by this workflow run already (a failure or a release): its retry skips them. */
  tokensSettledInRun(tokens: readonly string[], workflowId: string, runId: string): Promise<Set<string>> {
    return this.queries.tokensSettledInRun(tokens, workflowId, runId);
  }

  /** How many failed attempts each token has (for the backoff of a retry). */
  failedAttempts(tokens: readonly string[]): Promise<Map<string, number>> {
    return this.queries.failedAttempts(tokens);
  }

  /** The current data version and stored object (or inline value) of each partition (in order; nulls where none): what inputs are read from. */
  currentValues(assetKey: string, partitionKeys: readonly PartitionKey[]): Promise<CurrentValue[]> {
    return this.queries.currentValues(assetKey, partitionKeys);
  }

  /**
   * Prunes old events and superseded detail; never events after the lowest planner cursor, nor a
   * current materialization or any materialization reachable upstream from one.
   */
  prune(policy: RetentionPolicy, now: number, options: PruneOptions = {}): Promise<PruneResult> {
    return this.retention.prune(policy, now, options);
  }

  /** Every code location's planner cursor, the one holding retention back most first. */
  plannerCursors(): Promise<PlannerCursor[]> {
    return this.retention.plannerCursors();
  }

  /**
   * Forgets a code location that is gone: removes its planner cursor, so retention no longer waits
   * for it. With `idleSince`, a cursor saved after that time is kept: its planner looks alive.
   */
  forgetLocation(location: string, options: { idleSince?: number } = {}): Promise<'forgotten' | 'unknown' | 'active'> {
    return this.retention.forgetLocation(location, options);
  }

  /** Creates an API token; returns its secret once (only its sha256 is stored). */
  createApiToken(name: string, roles: Readonly<Record<string, string>>, expiresAt: number | null = null): Promise<{ id: string; secret: string }> {
    return this.auth.createApiToken(name, roles, expiresAt);
  }

  /** The token a secret belongs to, if it is valid now. */
  verifyApiToken(secret: string, now: number): Promise<{ id: string; name: string; roles: Record<string, string> } | undefined> {
    return this.auth.verifyApiToken(secret, now);
  }

  /** Revokes an API token (recording `now` as when): its secret no longer verifies; false when no live token has that id. */
  revokeApiToken(id: string, now: number): Promise<boolean> {
    return this.auth.revokeApiToken(id, now);
  }

  /** Appends an entry to the audit log: who (`actor`) did what (`action`) to what (`target`). */
  audit(actor: string, action: string, target: string | null, details: unknown = null): Promise<void> {
    return this.auth.audit(actor, action, target, details);
  }
}
