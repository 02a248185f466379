import type { PartitionContext, PartitionsDefinition } from '@weft/core';
import { InvalidInputError, InvalidPartitionError } from './errors.js';
import type { AssetRef } from './request-scope.js';

/** At most this many partitions in one materialize or backfill request. */
export const MAX_REQUEST_PARTITIONS = 1_000_000;

/** The index of a key in a definition, or an InvalidPartition error that says why not. */
export function indexOfKey(ref: AssetRef, def: PartitionsDefinition, ctx: PartitionContext, key: string): number {
  if (typeof key !== 'string' || key.length > 1024) throw new InvalidPartitionError(ref.asset.key, String(key).slice(0, 100), `partition key of asset ${ref.asset.key} must be a string of at most 1024 characters`);
  const malformed = def.checkKey(key);
  if (malformed) throw new InvalidPartitionError(ref.asset.key, key, `asset ${ref.asset.key} has no partition ${JSON.stringify(key)}: ${malformed}`);
  const index = def.indexOf(key, ctx);
  if (index === undefined) throw new InvalidPartitionError(ref.asset.key, key, `asset ${ref.asset.key} has no partition ${JSON.stringify(key)} (yet): it is outside ${def.describe()} now`);
  return index;
}

/** A selection of partitions as GraphQL takes it: keys, an inclusive range, or every partition. */
export interface PartitionSelection {
  readonly keys?: readonly string[] | null;
  readonly range?: { readonly first: string; readonly last: string } | null;
  readonly all?: boolean | null;
}

/**
 * The partition keys a selection names, checked against the asset's partitions (null: every
 * partition). Exactly one of keys, range, all; a range goes first → last in the definition's order.
 */
export function selectedKeys(ref: AssetRef, def: PartitionsDefinition, ctx: PartitionContext, selection: PartitionSelection): string[] | null {
  const given = [selection.keys != null, selection.range != null, selection.all === true].filter(Boolean).length;
  if (given !== 1) throw new InvalidInputError('partitions', 'name the partitions with exactly one of keys, range or all');
  if (selection.all) return null;
  if (selection.keys) {
    if (selection.keys.length === 0) throw new InvalidInputError('partitions.keys', 'keys must name at least one partition');
    if (selection.keys.length > MAX_REQUEST_PARTITIONS) throw new InvalidInputError('partitions.keys', `at most ${MAX_REQUEST_PARTITIONS} partitions per request`);
    for (const k of selection.keys) indexOfKey(ref, def, ctx, k);
    return [...new Set(selection.keys)];
  }
  const range = selection.range!;
  const a = indexOfKey(ref, def, ctx, range.first);
  const b = indexOfKey(ref, def, ctx, range.last);
  if (b < a) throw new InvalidPartitionError(ref.asset.key, range.last, `range of asset ${ref.asset.key} ends (${range.last}) before it starts (${range.first})`);
  if (b - a + 1 > MAX_REQUEST_PARTITIONS) throw new InvalidInputError('partitions.range', `the range holds ${b - a + 1} partitions; at most ${MAX_REQUEST_PARTITIONS} per request`);
  const keys: string[] = [];
  for (let i = a; i <= b; i++) keys.push(def.keyAt(i, ctx));
  return keys;
}

/** An opaque page cursor over partition indices. */
export const indexCursor = (index: number): string => Buffer.from(`i:${index}`).toString('base64url');

export function cursorIndex(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return -1;
  const text = Buffer.from(cursor, 'base64url').toString();
  const n = text.startsWith('i:') ? Number(text.slice(2)) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidInputError('after', `not a cursor of this list: ${JSON.stringify(cursor.slice(0, 100))}`);
  return n;
}
