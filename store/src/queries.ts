import type { AssetGraph, PartitionContext, PartitionKey, PartitionsDefinition, PartitionStatus, Reason } from '@weft/core';
import { statusRuns } from '@weft/core';
import { StorePart } from './context.js';
import { readLineage } from './lineage.js';
import type { SqlClient } from './sql-client.js';
import { readStatusChanges, readStatusCodes, type StatusChangesAsk, type StatusChangesRead, type StatusCodesRead } from './status-codes.js';
import type { AttemptRow, FailureGroup, Lineage, PartitionRow, StatusRange } from './types.js';
import { messageText } from './validate.js';

/** What workers, the CLI and the API read: partitions, summaries, failures, attempts, lineage, current values. */
export class Queries extends StorePart {
  /** How many partitions of each asset are in each status, and which assets are sources (observed, never computed). */
  async statusCounts(): Promise<{ counts: Array<{ assetKey: string; status: PartitionStatus; count: number }>; sources: string[] }> {
    const rows = await this.db.query<{ asset_key: string; status: PartitionStatus; n: string }>('SELECT asset_key, status, count(*) AS n FROM weft_partition_state WHERE location = $1 GROUP BY 1, 2', [this.location]);
    const sources = await this.db.query<{ asset_key: string }>('SELECT DISTINCT asset_key FROM weft_source_observations WHERE location = $1', [this.location]);
    return { counts: rows.map((r) => ({ assetKey: r.asset_key, status: r.status, count: Number(r.n) })), sources: sources.map((r) => r.asset_key) };
  }

  /** One page of an asset's partitions with their state, ordered by partition key. */
  async partitions(assetKey: string, options: { offset?: number; limit?: number; status?: PartitionStatus } = {}): Promise<PartitionRow[]> {
    const rows = await this.db.query<{ partition_key: string; status: PartitionStatus; token: string | null; data_version: string | null; code_version: string | null; materialization_id: string | null; reasons: Reason[] | null }>(
      // (`status <> 'fresh'` lets the unsettled partitions' partial index answer a filter on any other status)
      `SELECT partition_key, status, token, data_version, code_version, materialization_id, reasons FROM weft_partition_state
       WHERE location = $5 AND asset_key = $1 ${options.status === undefined ? 'AND $2::text IS NULL' : options.status === 'fresh' ? "AND status = $2 AND status = 'fresh'" : "AND status = $2 AND status <> 'fresh'"}
       ORDER BY partition_key OFFSET $3 LIMIT $4`,
      [assetKey, options.status ?? null, options.offset ?? 0, Math.min(options.limit ?? 100, 10_000), this.location],
    );
    return rows.map((r) => ({ partitionKey: r.partition_key, status: r.status, token: r.token, dataVersion: r.data_version, codeVersion: r.code_version, materializationId: r.materialization_id === null ? null : Number(r.materialization_id), reasons: r.reasons }));
  }

  /**
   * A range-compressed status summary: runs of consecutive partitions (in the definition's order)
   * with one status, from the partition-state table (never the event log). Partitions without a
   * state row are `missing`.
   */
  async statusSummary(assetKey: string, graph: AssetGraph, ctx: PartitionContext): Promise<StatusRange[]> {
    const def = graph.node(assetKey).partitions;
    const codes = await this.statusCodes(assetKey, def, ctx);
    return statusRuns(codes).map((r) => ({ firstKey: def.keyAt(r.fromIndex, ctx), lastKey: def.keyAt(r.toIndex - 1, ctx), count: r.toIndex - r.fromIndex, status: r.status }));
  }

  /**
   * Every partition's status as a code (an index of `PARTITION_STATUSES`), by the definition's
   * index in `ctx`: one read of the asset's state rows. Partitions without a row are `missing`;
   * rows of keys the definition no longer has are left out.
   */
  async statusCodes(assetKey: string, def: PartitionsDefinition, ctx: PartitionContext): Promise<Uint8Array> {
    return (await this.statusCodesOf([{ assetKey, def }], ctx)).get(assetKey) as Uint8Array;
  }

  /** {@link statusCodes} of several assets in one statement. */
  async statusCodesOf(assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<Map<string, Uint8Array>> {
    if (assets.length === 0) return new Map();
    return (await readStatusCodes(this.db, this.location, assets, ctx)).codes;
  }

  /** {@link statusCodesOf} with the database snapshot it read in (what {@link statusChangesSince} reads changes after). */
  statusCodesRead(assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<StatusCodesRead> {
    return readStatusCodes(this.db, this.location, assets, ctx);
  }

  /** The partitions whose state changed since an earlier read's snapshot, per asset, in one statement (see status-codes.ts). */
  statusChangesSince(asks: readonly StatusChangesAsk[], ctx: PartitionContext, limit: number): Promise<StatusChangesRead> {
    return readStatusChanges(this.db, this.location, asks, ctx, limit);
  }

  /** Provenance of a partition's current (or a given) materialization, `depth` levels up or down. */
  lineage(graph: AssetGraph, ctx: PartitionContext, options: { assetKey: string; partitionKey: PartitionKey; direction: 'upstream' | 'downstream'; depth: number; materializationId?: number }): Promise<Lineage> {
    return readLineage(this.db, graph, ctx, { ...options, location: this.location });
  }

  /** Failures grouped by fingerprint, with the partitions currently failed by each. */
  async failureGroups(assetKey?: string): Promise<FailureGroup[]> {
    const groups = await this.db.query<{ asset_key: string; fingerprint: string; failure_class: 'transient' | 'actionable'; occurrences: number; first_seen: Date; last_seen: Date; sample_message: Uint8Array; last_stack: Uint8Array | null; partitions: string[] | null }>(
      `SELECT grp.asset_key, grp.fingerprint, grp.failure_class, grp.occurrences, grp.first_seen, grp.last_seen, grp.sample_message, grp.last_stack,
         (SELECT array_agg(ps.partition_key ORDER BY ps.partition_key) FROM weft_partition_state ps
          WHERE ps.location = grp.location AND ps.asset_key = grp.asset_key AND ps.failure_fingerprint = grp.fingerprint AND ps.status = 'failed') AS partitions
       FROM weft_failure_groups grp WHERE grp.location = $2 AND ($1::text IS NULL OR grp.asset_key = $1) ORDER BY grp.last_seen DESC`,
      [assetKey ?? null, this.location],
    );
    return groups.map((g) => ({
      assetKey: g.asset_key,
      fingerprint: g.fingerprint,
      failureClass: g.failure_class,
      occurrences: g.occurrences,
      firstSeen: new Date(g.first_seen).getTime(),
      lastSeen: new Date(g.last_seen).getTime(),
      sampleMessage: messageText(g.sample_message),
      lastStack: g.last_stack === null ? null : messageText(g.last_stack),
      partitions: g.partitions ?? [],
    }));
  }

  /** Every attempt of a partition, newest first, with exact error messages and stack traces. */
  async attempts(assetKey: string, partitionKey: PartitionKey): Promise<AttemptRow[]> {
    // Failed (and started) attempts have their own rows; a success is its materialization row.
    const rows = await this.db.query<{ token: string; attempt: number; status: string; failure_class: string | null; fingerprint: string | null; error_message: Uint8Array | null; error_stack: Uint8Array | null }>(
      `SELECT token, attempt, status, failure_class, fingerprint, error_message, error_stack FROM (
         SELECT token, attempt, status, failure_class, fingerprint, error_message, error_stack, coalesce(finished_at, started_at) AS t, id AS o, 0 AS k FROM weft_attempts WHERE asset_key = $1 AND partition_key = $2
         UNION ALL
         SELECT token, attempt, 'succeeded', NULL, NULL, NULL, NULL, finished_at, id, 1 FROM weft_materializations WHERE asset_key = $1 AND partition_key = $2
       ) tried ORDER BY t DESC NULLS LAST, k DESC, o DESC`,
      [assetKey, partitionKey],
    );
    return rows.map((r) => ({
      token: r.token,
      attempt: r.attempt,
      status: r.status,
      failureClass: r.failure_class,
      fingerprint: r.fingerprint,
      message: r.error_message === null ? null : messageText(r.error_message),
      stack: r.error_stack === null ? null : messageText(r.error_stack),
    }));
  }

  /** Which of these tokens are committed (each has its one materialization). */
  committedTokens(tokens: readonly string[]): Promise<Set<string>> {
    return committedTokensIn(this.db, tokens);
  }

  /**
   * Tokens that already have an outcome recorded by one workflow run (a failure or a release of an
   * earlier activity attempt): a retry of the same run does not do them again.
   */
  async tokensSettledInRun(tokens: readonly string[], workflowId: string, runId: string): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const rows = await this.db.query<{ token: string }>('SELECT DISTINCT token FROM weft_attempts WHERE token = ANY($1::text[]) AND workflow_id = $2 AND run_id = $3', [tokens, workflowId, runId]);
    return new Set(rows.map((r) => r.token));
  }

  /** How many failed attempts each token has (for the backoff of a retry). */
  async failedAttempts(tokens: readonly string[]): Promise<Map<string, number>> {
    if (tokens.length === 0) return new Map();
    const rows = await this.db.query<{ token: string; n: string }>("SELECT token, count(*) AS n FROM weft_attempts WHERE token = ANY($1::text[]) AND status = 'failed' GROUP BY token", [tokens]);
    return new Map(rows.map((r) => [r.token, Number(r.n)]));
  }

  /**
   * The current data version and stored object of each partition (in the order given; nulls where
   * none): what a materialization reads its inputs from.
   */
  async currentValues(assetKey: string, partitionKeys: readonly PartitionKey[]): Promise<CurrentValue[]> {
    const rows = await this.db.query<{ k: string; data_version: string | null; storage_uri: string | null; inline_value: Uint8Array | null }>(
      CURRENT_VALUES_SQL,
      [assetKey, partitionKeys, this.location],
    );
    return rows.map((r) => ({ partitionKey: r.k, dataVersion: r.data_version, storageUri: r.storage_uri, inlineValue: r.inline_value === null ? null : new Uint8Array(r.inline_value) }));
  }
}

/** Where a partition's current value is: its data version, and its object or its bytes (nulls where none). */
export interface CurrentValue {
  readonly partitionKey: PartitionKey;
  readonly dataVersion: string | null;
  readonly storageUri: string | null;
  /** The value itself, when its materialization kept it inline. */
  readonly inlineValue: Uint8Array | null;
}

/**
 * The current data version and stored object of partitions `$2` of asset `$1` in location `$3`: one key
 * lookup per partition, whatever the statistics say (see KEYED_LOOKUP in context.ts).
 */
export const CURRENT_VALUES_SQL = `SELECT given.k, ps.data_version, mat.storage_uri, mat.inline_value FROM unnest($2::text[]) WITH ORDINALITY AS given(k, n)
       LEFT JOIN LATERAL (SELECT state.data_version, state.materialization_id FROM weft_partition_state state WHERE state.location = $3 AND state.asset_key = $1 AND state.partition_key = given.k LIMIT 1) ps ON true
       LEFT JOIN LATERAL (SELECT stored.storage_uri, stored.inline_value FROM weft_materializations stored WHERE stored.id = ps.materialization_id LIMIT 1) mat ON true
       ORDER BY given.n`;

/** Which of these tokens are committed, read through `q` (a transaction, or the database). */
export async function committedTokensIn(q: SqlClient, tokens: readonly string[]): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const rows = await q.query<{ token: string }>('SELECT token FROM weft_materializations WHERE token = ANY($1::text[])', [tokens]);
  return new Set(rows.map((r) => r.token));
}
