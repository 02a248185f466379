import type { PartitionKey, PartitionStatus } from '@weft/core';
import { StorePart } from './context.js';
import { MATERIALIZATION_SELECT, STATE_COLUMNS, materializationDetail, num, partitionDetail, requestDetail, time, type MaterializationRow, type RequestRow, type StateRow } from './explorer-rows.js';
import type { AuditEntry, ApiTokenRow, CheckResultDetail, CodeVersionStep, DeploymentRow, InputEdgeDetail, MaterializationDetail, PartitionDetail, RequestDetail } from './explorer-types.js';
import { logsOf } from './log-reader.js';
import { rangeSetColumn } from './range-edges.js';
import type { LogLine } from './types.js';
import { messageText } from './validate.js';

/** Page sizes are capped here whatever the caller asks. */
const MAX_PAGE = 1000;
const page = (n: number | undefined, fallback = 100): number => Math.max(1, Math.min(n ?? fallback, MAX_PAGE));

/**
 * What the API reads besides the planner's own queries: deployments and their catalogs,
 * partition detail, materializations with their edges and checks, requests, tokens and the audit
 * log. Every list is paged (keyset, capped at 1,000), and every lookup of many takes them at once
 * (one statement per call, for dataloaders).
 */
export class Explorer extends StorePart {
  /** This location's deployments, newest first (`before`: a deployment id's creation as cursor). */
  async deployments(options: { first?: number; before?: string } = {}): Promise<DeploymentRow[]> {
    const rows = await this.db.query<{ id: string; location: string; created_at: Date; event_id: string | null; code_versions: Record<string, string> }>(
      `SELECT id, location, created_at, event_id, code_versions FROM weft_deployments
       WHERE location = $1 AND ($2::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM weft_deployments WHERE id = $2))
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [this.location, options.before ?? null, page(options.first)],
    );
    return rows.map((r) => ({ id: r.id, location: r.location, createdAt: time(r.created_at) as number, eventSeq: num(r.event_id), codeVersions: r.code_versions }));
  }

  /** One deployment of this location, without its catalog. */
  async deployment(id: string): Promise<DeploymentRow | undefined> {
    const rows = await this.db.query<{ id: string; location: string; created_at: Date; event_id: string | null; code_versions: Record<string, string> }>(
      'SELECT id, location, created_at, event_id, code_versions FROM weft_deployments WHERE id = $1 AND location = $2',
      [id, this.location],
    );
    const r = rows[0];
    return r && { id: r.id, location: r.location, createdAt: time(r.created_at) as number, eventSeq: num(r.event_id), codeVersions: r.code_versions };
  }

  /** A deployment's recorded definitions (its catalog), or undefined when there is none with that id here. */
  async deploymentDefinitions(id: string): Promise<unknown> {
    const rows = await this.db.query<{ definitions: unknown }>('SELECT definitions FROM weft_deployments WHERE id = $1 AND location = $2', [id, this.location]);
    return rows[0]?.definitions;
  }

  /** Every code location with a deployment, and when it last deployed. */
  async locations(): Promise<Array<{ location: string; deployments: number; lastDeployedAt: number }>> {
    const rows = await this.db.query<{ location: string; n: string; last: Date }>('SELECT location, count(*) AS n, max(created_at) AS last FROM weft_deployments GROUP BY location ORDER BY location');
    return rows.map((r) => ({ location: r.location, deployments: Number(r.n), lastDeployedAt: time(r.last) as number }));
  }

  /** An asset's code versions in deployment order: a step for each deployment that changed it. */
  async codeVersionHistory(assetKey: string): Promise<CodeVersionStep[]> {
    const rows = await this.db.query<{ id: string; created_at: Date; version: string | null }>(
      'SELECT id, created_at, code_versions->>$2 AS version FROM weft_deployments WHERE location = $1 ORDER BY created_at, id',
      [this.location, assetKey],
    );
    const steps: CodeVersionStep[] = [];
    for (const r of rows) {
      if (r.version === null || steps.at(-1)?.codeVersion === r.version) continue;
      steps.push({ codeVersion: r.version, deploymentId: r.id, deployedAt: time(r.created_at) as number });
    }
    return steps;
  }

  /** The state of these partitions of one asset, in the order given (`missing` where there is no row). */
  async partitionDetails(assetKey: string, partitionKeys: readonly PartitionKey[]): Promise<PartitionDetail[]> {
    if (partitionKeys.length === 0) return [];
    const rows = await this.db.query<StateRow>(
      // (One key lookup per partition, whatever the statistics say: see KEYED_LOOKUP in context.ts.)
      `SELECT $1::text AS asset_key, given.k AS partition_key, ${STATE_COLUMNS} FROM unnest($2::text[]) WITH ORDINALITY AS given(k, n)
       LEFT JOIN LATERAL (SELECT * FROM weft_partition_state state WHERE state.location = $3 AND state.asset_key = $1 AND state.partition_key = given.k LIMIT 1) ps ON true ORDER BY given.n`,
      [assetKey, partitionKeys, this.location],
    );
    return rows.map(partitionDetail);
  }

  /** The state of partitions of several assets in one statement, in the order given. */
  async partitionDetailsOf(partitions: ReadonlyArray<{ assetKey: string; partitionKey: PartitionKey }>): Promise<PartitionDetail[]> {
    if (partitions.length === 0) return [];
    const rows = await this.db.query<StateRow>(
      `SELECT given.a AS asset_key, given.k AS partition_key, ${STATE_COLUMNS} FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS given(a, k, n)
       LEFT JOIN LATERAL (SELECT * FROM weft_partition_state state WHERE state.location = $3 AND state.asset_key = given.a AND state.partition_key = given.k LIMIT 1) ps ON true ORDER BY given.n`,
      [partitions.map((p) => p.assetKey), partitions.map((p) => p.partitionKey), this.location],
    );
    return rows.map(partitionDetail);
  }

  /** Partitions of an asset in one status, by key, after `after` (keyset paging). */
  async partitionsInStatus(assetKey: string, status: PartitionStatus, options: { first?: number; after?: PartitionKey } = {}): Promise<PartitionDetail[]> {
    const rows = await this.db.query<StateRow>(
      // (`status <> 'fresh'` lets the unsettled partitions' partial index answer any other status)
      `SELECT ps.asset_key, ps.partition_key, ${STATE_COLUMNS} FROM weft_partition_state ps
       WHERE ps.location = $1 AND ps.asset_key = $2 AND ps.status = $3 ${status === 'fresh' ? '' : "AND ps.status <> 'fresh'"} AND ($4::text IS NULL OR ps.partition_key > $4)
       ORDER BY ps.partition_key LIMIT $5`,
      [this.location, assetKey, status, options.after ?? null, page(options.first)],
    );
    return rows.map(partitionDetail);
  }

  /** How many partitions of an asset are in a status (a status filter's total). */
  async countInStatus(assetKey: string, status: PartitionStatus): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM weft_partition_state WHERE location = $1 AND asset_key = $2 AND status = $3 ${status === 'fresh' ? '' : "AND status <> 'fresh'"}`,
      [this.location, assetKey, status],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** A partition's materializations, newest first (`before`: a materialization id as cursor). */
  async materializationHistory(assetKey: string, partitionKey: PartitionKey, options: { first?: number; before?: number } = {}): Promise<MaterializationDetail[]> {
    const rows = await this.db.query<MaterializationRow>(`${MATERIALIZATION_SELECT} WHERE asset_key = $1 AND partition_key = $2 AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`, [
      assetKey,
      partitionKey,
      options.before ?? null,
      page(options.first, 20),
    ]);
    return rows.map(materializationDetail);
  }

  /** Materializations by id (those not stored, e.g. pruned, are absent). */
  async materializations(ids: readonly number[]): Promise<MaterializationDetail[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<MaterializationRow>(`${MATERIALIZATION_SELECT} WHERE id = ANY($1::bigint[])`, [ids]);
    return rows.map(materializationDetail);
  }

  /** An asset's latest materializations, newest first, whichever partitions they were of (`before`: an id as cursor). */
  async recentMaterializations(assetKey: string, options: { first?: number; before?: number } = {}): Promise<MaterializationDetail[]> {
    const rows = await this.db.query<MaterializationRow>(`${MATERIALIZATION_SELECT} WHERE asset_key = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`, [assetKey, options.before ?? null, page(options.first, 20)]);
    return rows.map(materializationDetail);
  }

  /** The value a materialization kept inline (null when it kept none, or is not stored). */
  async inlineValue(materializationId: number): Promise<Uint8Array | null> {
    const [row] = await this.db.query<{ inline_value: Uint8Array | null }>('SELECT inline_value FROM weft_materializations WHERE id = $1', [materializationId]);
    return row?.inline_value == null ? null : new Uint8Array(row.inline_value);
  }

  /** The materialization committed with a token, if any. */
  async materializationByToken(token: string): Promise<MaterializationDetail | undefined> {
    const rows = await this.db.query<MaterializationRow>(`${MATERIALIZATION_SELECT} WHERE token = $1`, [token]);
    return rows[0] && materializationDetail(rows[0]);
  }

  /** The input edges of these materializations, by input name. */
  async inputEdges(materializationIds: readonly number[]): Promise<InputEdgeDetail[]> {
    if (materializationIds.length === 0) return [];
    const rows = await this.db.query<{
      materialization_id: string;
      input_name: string;
      upstream_asset: string;
      upstream_partition: string | null;
      upstream_materialization_id: string | null;
      data_version: string | null;
      range_first: string | null;
      range_last: string | null;
      range_count: number | null;
      combined_hash: string | null;
      range_set: unknown;
    }>(
      `SELECT materialization_id, input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last, range_count, combined_hash, range_set
       FROM weft_input_edges WHERE materialization_id = ANY($1::bigint[]) ORDER BY materialization_id, input_name, upstream_partition`,
      [materializationIds],
    );
    return rows.map((r) => ({
      materializationId: Number(r.materialization_id),
      inputName: r.input_name,
      upstreamAsset: r.upstream_asset,
      upstreamPartition: r.upstream_partition,
      upstreamMaterializationId: num(r.upstream_materialization_id),
      dataVersion: r.data_version,
      range:
        r.range_first === null || r.range_last === null
          ? null
          : { first: r.range_first, last: r.range_last, count: r.range_count ?? 0, combinedHash: r.combined_hash ?? '', set: rangeSetColumn(r.range_set) ?? null },
    }));
  }

  /** The log lines of these tokens (materialized or failed), at most `first` per token. */
  async logs(tokens: readonly string[], options: { first?: number; after?: { attempt: number; line: number } } = {}): Promise<Map<string, LogLine[]>> {
    return logsOf(this.db, this.location, tokens, options);
  }

  /** The check results of these data versions of partitions (the latest result of each check first). */
  async checkResults(versions: ReadonlyArray<{ assetKey: string; partitionKey: PartitionKey; dataVersion: string }>): Promise<CheckResultDetail[]> {
    if (versions.length === 0) return [];
    const rows = await this.db.query<{ asset_key: string; partition_key: string; data_version: string; check_name: string; passed: boolean; blocking: boolean; message: Uint8Array | null; metadata: Record<string, unknown> | null; at: Date }>(
      `SELECT cr.asset_key, cr.partition_key, cr.data_version, cr.check_name, cr.passed, cr.blocking, cr.message, cr.metadata, cr.at
       FROM unnest($1::text[], $2::text[], $3::text[]) AS given(a, p, v)
       JOIN weft_check_results cr ON cr.asset_key = given.a AND cr.partition_key = given.p AND cr.data_version = given.v
       ORDER BY cr.asset_key, cr.partition_key, cr.check_name, cr.id DESC`,
      [versions.map((v) => v.assetKey), versions.map((v) => v.partitionKey), versions.map((v) => v.dataVersion)],
    );
    return rows.map((r) => ({
      assetKey: r.asset_key,
      partitionKey: r.partition_key,
      dataVersion: r.data_version,
      check: r.check_name,
      passed: r.passed,
      blocking: r.blocking,
      message: r.message === null ? null : messageText(r.message),
      metadata: r.metadata,
      at: time(r.at) as number,
    }));
  }

  /** Requests of this location, newest first, optionally in one status (`before`: a request id as cursor). */
  async requests(options: { first?: number; before?: string; status?: string; assetKey?: string } = {}): Promise<RequestDetail[]> {
    const rows = await this.db.query<RequestRow>(
      `SELECT id, action, asset_key, partition_keys, priority, status, created_at, finished_at, requested_by, total, progress FROM weft_requests
       WHERE location = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR asset_key = $3)
         AND ($4::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM weft_requests WHERE id = $4))
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [this.location, options.status ?? null, options.assetKey ?? null, options.before ?? null, page(options.first, 50)],
    );
    return rows.map(requestDetail);
  }

  /** Requests by id (of this location). */
  async requestsById(ids: readonly string[]): Promise<RequestDetail[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<RequestRow>(
      'SELECT id, action, asset_key, partition_keys, priority, status, created_at, finished_at, requested_by, total, progress FROM weft_requests WHERE location = $1 AND id = ANY($2::text[])',
      [this.location, ids],
    );
    return rows.map(requestDetail);
  }

  /** API tokens, newest first (never their secrets). */
  async apiTokens(): Promise<ApiTokenRow[]> {
    const rows = await this.db.query<{ id: string; name: string; roles: Record<string, string>; created_at: Date; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null }>(
      'SELECT id, name, roles, created_at, expires_at, revoked_at, last_used_at FROM weft_api_tokens ORDER BY created_at DESC, id',
    );
    return rows.map((r) => ({ id: r.id, name: r.name, roles: r.roles, createdAt: time(r.created_at) as number, expiresAt: time(r.expires_at), revokedAt: time(r.revoked_at), lastUsedAt: time(r.last_used_at) }));
  }

  /** Audit-log entries, newest first (`before`: an entry id as cursor). */
  async auditLog(options: { first?: number; before?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.db.query<{ id: string; at: Date; actor: string; action: string; target: string | null; details: unknown }>(
      'SELECT id, at, actor, action, target, details FROM weft_audit_log WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2',
      [options.before ?? null, page(options.first)],
    );
    return rows.map((r) => ({ id: Number(r.id), at: time(r.at) as number, actor: r.actor, action: r.action, target: r.target, details: r.details }));
  }

  /**
   * How far this location has moved: its newest event id and when its planner last saved a plan
   * (events of other locations leave it alone).
   * Anything derived from partition state is current while both stay the same.
   */
  async stateVersion(): Promise<string> {
    const rows = await this.db.query<{ e: string | null; p: Date | null; c: string | null }>(
      'SELECT (SELECT max(id) FROM weft_events WHERE location = $1) AS e, (SELECT updated_at FROM weft_planner_cursors WHERE location = $1) AS p, (SELECT cursor FROM weft_planner_cursors WHERE location = $1) AS c',
      [this.location],
    );
    const r = rows[0];
    return `${r?.e ?? 0}/${r?.c ?? -1}/${time(r?.p ?? null) ?? 0}`;
  }
}
