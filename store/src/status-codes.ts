/**
 * Partition status codes read whole, or as the rows changed since an earlier read: the status
 * summary a heatmap draws, kept current without reading a million rows after every event.
 *
 * A read returns the database snapshot it saw (`pg_current_snapshot()`, taken in the same
 * statement). Every write of a partition-state row stamps `changed_xid` with its transaction id
 * (the column's default on insert, `changed_xid = pg_current_xact_id()` on update), so the rows
 * changed since a read are those whose `changed_xid` that read's snapshot does not see: from its
 * xmax on, or in progress when it was taken (its xip list; top-level transaction ids, as
 * `pg_current_xact_id` gives). This holds however transactions interleave, which a counter cannot promise (a plan stamps
 * `updated_event_id` with its cursor, lower than events a reader already saw; a sequence value is
 * taken before its transaction commits). Rows are never deleted (their history stays), so changed
 * rows are the whole difference.
 */
import { PARTITION_STATUSES, WeftError, type PartitionContext, type PartitionsDefinition, type PartitionStatus } from '@weft/core';
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
}

/** An asset's partitions whose row was written since the snapshot asked about (a few may be unchanged), with their codes now. */
export interface StatusChanges {
  /** Partition indices in the context (partitions from `fromIndex` on are all here when they have a row; those without one are `missing`). */
  readonly indices: Uint32Array;
  /** The code of each, an index of `PARTITION_STATUSES`. */
  readonly codes: Uint8Array;
}

/** The answer of {@link readStatusChanges}: the snapshot it read in, and each asset's changes. */
export interface StatusChangesRead {
  readonly snapshot: string;
  /** Per asset asked, its changes; all `undefined` when the location changed in more rows than the limit. */
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
 * read, and the rows of partitions from `fromIndex` on; in one statement, with the snapshot it read
 * in. A snapshot does not see exactly the transactions from its xmax on and those in progress when
 * it was taken (its xip list), so the rows written since are one range of the
 * `(location, changed_xid)` index and a few keys of it. They are read once for every asset asked
 * (from the lowest xmax, with every xip: a row one of the snapshots saw may come along, and
 * patching a code with the status it already has changes nothing), at most `limit` rows, and the
 * asked assets' rows kept. When the location changed in more rows than `limit` (a big plan of
 * another asset, a read long ago), every asset answers `undefined`: reading them whole costs less.
 *
 * (The range's start is a constant, so PostgreSQL weighs it by the column's statistics: computed
 * from the snapshots in SQL it assumed a third of the location's rows, and once a location had
 * several large assets it preferred an asset's primary-key range.)
 */
export async function readStatusChanges(q: SqlClient, location: string, asks: readonly StatusChangesAsk[], ctx: PartitionContext, limit: number): Promise<StatusChangesRead> {
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
  const unseen = asks.map((a) => unseenBy(a.since));
  const from = unseen.map((u) => u.xmax).reduce((a, b) => (b < a ? b : a));
  const running = [...new Set(unseen.flatMap((u) => u.xip).filter((x) => x < from))].map(String);
  // (The transactions in progress only when there are some: PostgreSQL plans `= ANY('{}')` as a
  // scan of whichever index of the location is smallest.)
  const recent = `SELECT * FROM (
       SELECT state.asset_key, state.partition_key, state.status FROM weft_partition_state state WHERE state.location = $4 AND state.changed_xid >= $5::xid8
       ${running.length === 0 ? '' : 'UNION ALL SELECT state.asset_key, state.partition_key, state.status FROM weft_partition_state state WHERE state.location = $4 AND state.changed_xid = ANY($7::xid8[])'}
     ) unseen LIMIT $6`;
  const rows = await q.query<{ asset_key: string | null; whole: boolean | null; status: PartitionStatus | null; keys: string; scanned: string | null }>(
    `SELECT changed.asset_key, changed.whole, changed.status, string_agg(changed.partition_key, E'\\n') AS keys, NULL::bigint AS scanned FROM (
       SELECT recent.asset_key, false AS whole, recent.partition_key, recent.status FROM (${recent}) recent WHERE recent.asset_key = ANY($1::text[])
       UNION ALL
       SELECT given.asset_key, true, stored.partition_key, stored.status
       FROM unnest($2::text[], $3::text[]) AS given(asset_key, partition_key)
       CROSS JOIN LATERAL (SELECT state.partition_key, state.status FROM weft_partition_state state WHERE state.location = $4 AND state.asset_key = given.asset_key AND state.partition_key = given.partition_key LIMIT 1) stored
     ) changed GROUP BY changed.asset_key, changed.whole, changed.status
     UNION ALL SELECT NULL, NULL, NULL, pg_current_snapshot()::text, (SELECT count(*) FROM (${recent}) recent)`,
    [asks.map((a) => a.assetKey), wholeAssets, wholeKeys, location, from.toString(), limit + 1, ...(running.length === 0 ? [] : [running])],
  );
  let snapshot = '';
  let over = false;
  const found = new Map<string, { indices: number[]; codes: number[] }>(asks.map((a) => [a.assetKey, { indices: [], codes: [] }]));
  for (const r of rows) {
    if (r.asset_key === null) {
      snapshot = r.keys;
      over = Number(r.scanned) > limit;
      continue;
    }
    const ask = byAsset.get(r.asset_key) as StatusChangesAsk;
    const into = found.get(r.asset_key) as { indices: number[]; codes: number[] };
    const count = ask.def.count(ctx);
    const code = PARTITION_STATUSES.indexOf(r.status as PartitionStatus);
    for (const key of r.keys.split(SEPARATOR)) {
      const i = ask.def.indexOf(key, ctx);
      if (i === undefined || i >= count) continue;
      into.indices.push(i);
      into.codes.push(code);
    }
  }
  const changes = new Map<string, StatusChanges | undefined>();
  for (const [assetKey, f] of found) changes.set(assetKey, over ? undefined : { indices: Uint32Array.from(f.indices), codes: Uint8Array.from(f.codes) });
  return { snapshot, changes };
}

/**
 * What a snapshot's text (`xmin:xmax:xip,…`, see `pg_current_snapshot`) does not see: transactions
 * from `xmax` on, and those of `xip` (in progress when it was taken).
 */
function unseenBy(snapshot: string): { xmax: bigint; xip: bigint[] } {
  const match = /^\d+:(\d+):([\d,]*)$/.exec(snapshot);
  if (!match) throw new WeftError('internal', `not a database snapshot: ${JSON.stringify(snapshot)}`);
  return { xmax: BigInt(match[1] as string), xip: match[2] ? match[2].split(',').map((x) => BigInt(x)) : [] };
}
