import type { WeftEvent } from '@weft/core';
import type { NewEvent } from './types.js';

/** A row of weft_events as the drivers return it. */
export interface EventRow {
  readonly id: string | number;
  readonly at: Date | string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
}

/** A `materialization.succeeded` event read from its materialization row (payload null). */
export interface MaterializationEventRow {
  readonly id: string | number;
  readonly at: Date | string;
  readonly payload: null;
  readonly asset_key: string;
  readonly partition_key: string;
  readonly token: string;
  readonly data_version: string;
  readonly code_version: string;
  readonly inputs_as_of: string | number;
  readonly became_current: boolean | null;
}

/** The event a materialization row stands for. */
export function materializationEventFromRow(row: MaterializationEventRow): WeftEvent {
  const at = timeOf(row.at);
  return {
    kind: 'materialization.succeeded',
    seq: Number(row.id),
    at,
    assetKey: row.asset_key,
    partitionKey: row.partition_key,
    token: row.token,
    dataVersion: row.data_version,
    codeVersion: row.code_version,
    inputsAsOf: Number(row.inputs_as_of),
    ...(row.became_current === false ? { current: false } : {}),
  } as WeftEvent;
}

/** The event a stored row holds. */
export function eventFromRow(row: EventRow): WeftEvent {
  const at = timeOf(row.at);
  return { ...(row.payload as object), kind: row.kind, seq: Number(row.id), at } as WeftEvent;
}

/** The columns of a new event: its kind, the asset and partition it is about, the rest as JSON. */
export function eventColumns(event: NewEvent): { kind: string; assetKey: string | null; partitionKey: string | null; payload: string; at: Date | null } {
  const { kind, at, ...payload } = event as NewEvent & { assetKey?: string; partitionKey?: string };
  const assetKey = typeof payload.assetKey === 'string' ? payload.assetKey : kind === 'request.submitted' ? (event as { request: { assetKey: string } }).request.assetKey : null;
  const partitionKey = typeof payload.partitionKey === 'string' ? payload.partitionKey : null;
  return { kind, assetKey, partitionKey, payload: JSON.stringify(payload), at: at === undefined ? null : new Date(at) };
}

/** Milliseconds of a timestamptz as either driver returns it. */
function timeOf(at: Date | string): number {
  return at instanceof Date ? at.getTime() : Date.parse(at);
}
