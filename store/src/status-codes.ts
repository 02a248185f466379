/**
 * Partition status codes read whole, or as the rows changed since an earlier read: the status
 * summary a heatmap draws, kept current without reading a million rows after every event.
 *
 * A read returns the database snapshot it saw (`pg_current_snapshot()`, taken in the same
 * statement). Every write of a partition-state row stamps `changed_xid` with its transaction id
 * (the column's default on insert, `changed_xid = pg_current_xact_id()` on update), so the rows
 * changed since a read are exactly those whose `changed_xid` that read's snapshot does not see:
 * committed after it, or in progress when it was taken. This holds however transactions
 * interleave, which a counter cannot promise (a plan stamps `updated_event_id` with its cursor, lower
 * than events a reader already saw; a sequence value is taken before its transaction commits). Rows
 * are never deleted (their history stays), so changed rows are the whole difference.
 */
import { PARTITION_STATUSES, type PartitionContext, type PartitionsDefinition, type PartitionStatus } from '@weft/core';
import type { SqlClient } from './sql-client.js';

/** Status codes of assets as one snapshot of the database saw them. */
export interface StatusCodesRead {
  /** That snapshot (`pg_current_snapshot()` as text): {@link readStatusChanges} reads what changed after it. */
  readonly snapshot: string;
  /** Per asset, a code per partition (an index of `PARTITION_STATUSES`) by the definition's index in the context. */
  readonly codes: Map<string, Uint8Array>;
}

/** What a caller holding an asset's codes asks {@link readStatusChanges}. */
export interface StatusChangesAsk {
  readonly assetKey: string;
  readonly def: PartitionsDefinition;
  /** The snapshot of the read the caller's codes come from. */
  readonly since: string;
  /**
   * Partitions from this index on are read whole, changed or not (a time window or a dynamic
   * definition that grew since: the caller's codes end before it). @default the count (none)
   */
  readonly fromIndex?: number;
  /** The most changed rows worth reading: past it the asset's answer is `undefined` (a whole read costs less). */
  readonly limit: number;
}

/** An asset's partitions whose status changed since the snapshot asked about, with their codes now. */
export interface StatusChanges {
  /** Partition indices in the context (partitions from `fromIndex` on are all here when they have a row; those without one are `missing`). */
  readonly indices: Uint32Array;
  /** The code of each, an index of `PARTITION_STATUSES`. */
  readonly codes: Uint8Array;
}

/** The answer of {@link readStatusChanges}: the snapshot it read in, and each asset's changes. */
export interface StatusChangesRead {
  readonly snapshot: string;
  /** Per asset asked, its changes; `undefined` when more than its limit of rows changed. */
  readonly changes: Map<string, StatusChanges | undefined>;
}

const MISSING = PARTITION_STATUSES.indexOf('missing');
/** (Stored partition keys hold no control characters: a newline separates them.) */
const SEPARATOR = '\n';

/**
 * Every partition's status code of each asset, in one statement: one row per asset and status
 * with its keys as one newline-separated string (at a million partitions the driver parses a few
 * strings instead of a million rows, about twice as fast, and a split is ~30% cheaper than JSON).
 * Partitions without a row are `missing`; rows of keys the definition no longer has are left out.
 */
export async function readStatusCodes(q: SqlClient, location: string, assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<StatusCodesRead> {
  const codes = new Map<string, Uint8Array>();
  const defs = new Map<string, PartitionsDefinition>();
  for (const { assetKey, def } of assets) {
    codes.set(assetKey, new Uint8Array(def.count(ctx)).fill(MISSING));
    defs.set(assetKey, def);
  }
  // (The snapshot's row comes from the same statement: the same snapshot as the keys.)
  const rows = await q.query<{ asset_key: string | null; status: PartitionStatus | null; keys: string }>(
    `SELECT asset_key, status, string_agg(partition_key, E'\\n') AS keys FROM weft_partition_state WHERE location = $2 AND asset_key = ANY($1::text[]) GROUP BY asset_key, status
     UNION ALL SELECT NULL, NULL, pg_current_snapshot()::text`,
    [[...defs.keys()], location],
  );
  let snapshot = '';
  for (const r of rows) {
    if (r.asset_key === null) {
      snapshot = r.keys;
      continue;
    }
    const into = codes.get(r.asset_key) as Uint8Array;
    const def = defs.get(r.asset_key) as PartitionsDefinition;
    const code = PARTITION_STATUSES.indexOf(r.status as PartitionStatus);
    for (const key of r.keys.split(SEPARATOR)) {
      const i = def.indexOf(key, ctx);
      if (i !== undefined && i < into.length) into[i] = code;
    }
  }
  return { snapshot, codes };
}

/**
 * The partitions of each asset whose state row changed since the snapshot `since` of an earlier
 * read (through the `(location, changed_xid)` index: a few rows cost a few rows, however
 * many the asset has), and the rows of partitions from `fromIndex` on; in one statement, with the
 * snapshot it read in. An asset with more than `limit` changed rows answers `undefined`.
 *
 * (Each asset's range starts at its own snapshot's xmin, a value PostgreSQL cannot see when it
 * plans; the lowest of them is also given as a constant, so the plan weighs the index range by the
 * column's statistics, not a default third of the rows, which made the asset's primary-key range
 * look cheaper once a location has several large assets.)
 */
export async function readStatusChanges(q: SqlClient, location: string, asks: readonly StatusChangesAsk[], ctx: PartitionContext): Promise<StatusChangesRead> {
  if (asks.length === 0) return { snapshot: (await q.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s'))[0]?.s ?? '', changes: new Map() };
  const byAsset = new Map(asks.map((a) => [a.assetKey, a]));
  const wholeAssets: string[] = [];
  const wholeKeys: string[] = [];
  for (const a of asks) {
    const count = a.def.count(ctx);
    for (let i = a.fromIndex ?? count; i < count; i++) {
      wholeAssets.push(a.assetKey);
      wholeKeys.push(a.def.keyAt(i, ctx));
    }
  }
  const lowest = asks.map((a) => BigInt(a.since.split(':')[0] as string)).reduce((a, b) => (b < a ? b : a));
  const rows = await q.query<{ asset_key: string | null; whole: boolean | null; status: PartitionStatus | null; keys: string }>(
    `SELECT changed.asset_key, changed.whole, changed.status, string_agg(changed.partition_key, E'\\n') AS keys FROM (
       SELECT given.asset_key, false AS whole, stored.partition_key, stored.status
       FROM unnest($1::text[], $2::text[], $3::int[]) AS given(asset_key, since, most)
       CROSS JOIN LATERAL (
         SELECT state.partition_key, state.status FROM weft_partition_state state
         WHERE state.location = $6 AND state.asset_key = given.asset_key AND state.changed_xid >= $7::xid8
           AND state.changed_xid >= pg_snapshot_xmin(given.since::pg_snapshot) AND NOT pg_visible_in_snapshot(state.changed_xid, given.since::pg_snapshot)
         LIMIT given.most) stored
       UNION ALL
       SELECT given.asset_key, true, stored.partition_key, stored.status
       FROM unnest($4::text[], $5::text[]) AS given(asset_key, partition_key)
       CROSS JOIN LATERAL (SELECT state.partition_key, state.status FROM weft_partition_state state WHERE state.location = $6 AND state.asset_key = given.asset_key AND state.partition_key = given.partition_key LIMIT 1) stored
     ) changed GROUP BY changed.asset_key, changed.whole, changed.status
     UNION ALL SELECT NULL, NULL, NULL, pg_current_snapshot()::text`,
    [asks.map((a) => a.assetKey), asks.map((a) => a.since), asks.map((a) => a.limit + 1), wholeAssets, wholeKeys, location, lowest.toString()],
  );
  let snapshot = '';
  const found = new Map<string, { changed: number; indices: number[]; codes: number[] }>(asks.map((a) => [a.assetKey, { changed: 0, indices: [], codes: [] }]));
  for (const r of rows) {
    if (r.asset_key === null) {
      snapshot = r.keys;
      continue;
    }
    const ask = byAsset.get(r.asset_key) as StatusChangesAsk;
    const into = found.get(r.asset_key) as { changed: number; indices: number[]; codes: number[] };
    const count = ask.def.count(ctx);
    const code = PARTITION_STATUSES.indexOf(r.status as PartitionStatus);
    const keys = r.keys.split(SEPARATOR);
    if (!r.whole) into.changed += keys.length;
    for (const key of keys) {
      const i = ask.def.indexOf(key, ctx);
      if (i === undefined || i >= count) continue;
      into.indices.push(i);
      into.codes.push(code);
    }
  }
  const changes = new Map<string, StatusChanges | undefined>();
  for (const [assetKey, f] of found) changes.set(assetKey, f.changed > (byAsset.get(assetKey) as StatusChangesAsk).limit ? undefined : { indices: Uint32Array.from(f.indices), codes: Uint8Array.from(f.codes) });
  return { snapshot, changes };
}
