import type { WeftEvent } from '../planner/types.js';
import type { NewEvent } from './types.js';

/** A row of weft_events as the drivers return it. */
export interface EventRow {
  readonly id: string | number;
  readonly at: Date | string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
}

/** The event a stored row holds. */
export function eventFromRow(row: EventRow): WeftEvent {
  const at = row.at instanceof Date ? row.at.getTime() : Date.parse(row.at);
  return { ...(row.payload as object), kind: row.kind, seq: Number(row.id), at } as WeftEvent;
}

/** The columns of a new event: its kind, the asset and partition it is about, the rest as JSON. */
export function eventColumns(event: NewEvent): { kind: string; assetKey: string | null; partitionKey: string | null; payload: string; at: Date | null } {
  const { kind, at, ...payload } = event as NewEvent & { assetKey?: string; partitionKey?: string };
  const assetKey = typeof payload.assetKey === 'string' ? payload.assetKey : kind === 'request.submitted' ? (event as { request: { assetKey: string } }).request.assetKey : null;
  const partitionKey = typeof payload.partitionKey === 'string' ? payload.partitionKey : null;
  return { kind, assetKey, partitionKey, payload: JSON.stringify(payload), at: at === undefined ? null : new Date(at) };
}
