import type { PartitionStatus, Reason } from '@weft/core';
import type { MaterializationDetail, PartitionDetail, RequestDetail } from './explorer-types.js';

/** Row shapes of the explorer's reads and how each becomes its API type. */

export const time = (v: Date | string | null): number | null => (v === null ? null : new Date(v).getTime());
export const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

export type StateRow = {
  asset_key: string;
  partition_key: string;
  status: PartitionStatus | null;
  token: string | null;
  data_version: string | null;
  code_version: string | null;
  materialization_id: string | null;
  reasons: Reason[] | null;
  failure: { token: string; failureClass: string; fingerprint: string; message: string; retryAt: number | null } | null;
  check_failure: { check: string; message: string } | null;
  running_token: string | null;
  running_since: Date | null;
  running_batch: string | null;
  verified_seq: string | null;
  changed_seq: string | null;
  planned_seq: string | null;
  updated_event_id: string | null;
};
export const STATE_COLUMNS = 'ps.status, ps.token, ps.data_version, ps.code_version, ps.materialization_id, ps.reasons, ps.failure, ps.check_failure, ps.running_token, ps.running_since, ps.running_batch, ps.verified_seq, ps.changed_seq, ps.planned_seq, ps.updated_event_id';

export function partitionDetail(r: StateRow): PartitionDetail {
  return {
    assetKey: r.asset_key,
    partitionKey: r.partition_key,
    status: r.status ?? 'missing',
    token: r.token,
    dataVersion: r.data_version,
    codeVersion: r.code_version,
    materializationId: num(r.materialization_id),
    reasons: r.reasons,
    failure: r.failure,
    checkFailure: r.check_failure,
    runningToken: r.running_token,
    runningSince: time(r.running_since),
    runningBatch: r.running_batch,
    verifiedSeq: Number(r.verified_seq ?? -1),
    changedSeq: Number(r.changed_seq ?? -1),
    plannedSeq: Number(r.planned_seq ?? -1),
    updatedSeq: Number(r.updated_event_id ?? 0),
  };
}

export type MaterializationRow = {
  id: string;
  token: string;
  asset_key: string;
  partition_key: string;
  code_version: string;
  data_version: string;
  storage_uri: string | null;
  inline: boolean;
  bytes: string | null;
  started_at: Date | null;
  finished_at: Date;
  attempt: number;
  worker: string | null;
  compute_provider: string | null;
  workflow_id: string | null;
  run_id: string | null;
  inputs_as_of: string;
  deployment_id: string | null;
  event_id: string | null;
  became_current: boolean;
};
export const MATERIALIZATION_SELECT =
  'SELECT id, token, asset_key, partition_key, code_version, data_version, storage_uri, inline_value IS NOT NULL AS inline, bytes, started_at, finished_at, attempt, worker, compute_provider, workflow_id, run_id, inputs_as_of, deployment_id, event_id, became_current FROM weft_materializations';

export function materializationDetail(r: MaterializationRow): MaterializationDetail {
  return {
    id: Number(r.id),
    token: r.token,
    assetKey: r.asset_key,
    partitionKey: r.partition_key,
    codeVersion: r.code_version,
    dataVersion: r.data_version,
    storageUri: r.storage_uri,
    storedInline: r.inline,
    bytes: num(r.bytes),
    startedAt: time(r.started_at),
    finishedAt: time(r.finished_at) as number,
    attempt: r.attempt,
    worker: r.worker,
    computeProvider: r.compute_provider,
    workflowId: r.workflow_id,
    runId: r.run_id,
    inputsAsOf: Number(r.inputs_as_of),
    deploymentId: r.deployment_id,
    seq: num(r.event_id),
    becameCurrent: r.became_current,
  };
}


export type RequestRow = {
  id: string;
  action: string;
  asset_key: string;
  partition_keys: string[] | null;
  priority: number;
  status: string;
  created_at: Date;
  finished_at: Date | null;
  requested_by: string | null;
  total: number | null;
  progress: Record<string, number> | null;
};

export function requestDetail(r: RequestRow): RequestDetail {
  return {
    id: r.id,
    action: r.action,
    assetKey: r.asset_key,
    partitionKeys: r.partition_keys,
    priority: r.priority,
    status: r.status,
    createdAt: time(r.created_at) as number,
    finishedAt: time(r.finished_at),
    requestedBy: r.requested_by,
    total: r.total,
    progress: r.progress,
  };
}
