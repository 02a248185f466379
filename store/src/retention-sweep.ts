import type { SqlClient } from './sql-client.js';
import { READ_BY_ALL_SQL } from './cursors.js';
import { checkStoredText } from './validate.js';

/**
 * Removes the superseded materializations (with their input edges) that nothing kept depends on,
 * and returns how many went. Kept: every partition's current (latest) materialization; every
 * materialization that finished or was superseded (its successor finished) after `cutoff`, so a
 * computation still running on it records its provenance whole; every one whose event some
 * planner has not read yet (the log reads `materialization.succeeded` events from these rows);
 * and, level by level, everything a
 * kept one read. A single input names its upstream row. A range input read its upstream asset as
 * of the reader's `inputs_as_of`: the materializations current then (born at or before it, not yet
 * superseded) are kept. For an asset in `orderedAssets` (its keys sort in definition order as
 * text: see `textOrderedAssets`), those of the partitions from the range's first key to its last;
 * for any other, those of every partition of the asset (its definition's order is unknown here:
 * more than the range, never less).
 *
 * Each level is a few set-based statements over a temporary table: indexed joins for single
 * inputs, and for range inputs one pass over the read assets' rows in index order, each row's
 * lifetime probed against the read times by index. Work grows with the rows, not with the square
 * of them.
 */
export async function sweepMaterializations(tx: SqlClient, cutoff: Date, orderedAssets: Iterable<string>): Promise<number> {
  // Each statement below sees the rows committed before it started (READ COMMITTED): a recording
  // that commits during the sweep must not be taken for unkept. Ids are reserved under the event
  // lock that is held until commit, so every id up to the highest visible now is committed already
  // and visible to the statements after this one; rows above it are left alone.
  const ordered = [...new Set(orderedAssets)];
  for (const asset of ordered) checkStoredText(asset, 'ordered asset key');
  const [bound] = await tx.query<{ max: string }>('SELECT coalesce(max(id), 0) AS max FROM weft_materializations');
  const maxId = Number(bound?.max ?? 0);
  await tx.query('CREATE TEMP TABLE weft_prune_kept (id bigint PRIMARY KEY, level integer NOT NULL) ON COMMIT DROP');
  await tx.query('CREATE INDEX ON weft_prune_kept (level)');
  await tx.query('CREATE TEMP TABLE weft_prune_reads (asset text NOT NULL, t bigint NOT NULL, PRIMARY KEY (asset, t)) ON COMMIT DROP');
  await tx.query('CREATE TEMP TABLE weft_prune_ranges (asset text NOT NULL, t bigint NOT NULL, first text NOT NULL, last text NOT NULL, PRIMARY KEY (asset, t, first, last)) ON COMMIT DROP');
  await tx.query(
    `INSERT INTO weft_prune_kept (id, level)
     SELECT materialization_id, 0 FROM weft_partition_state WHERE materialization_id IS NOT NULL
     UNION
     SELECT id, 0 FROM (
       SELECT id, finished_at, event_id, lead(finished_at) OVER (PARTITION BY asset_key, partition_key ORDER BY id) AS superseded_at
       FROM weft_materializations
     ) m
     WHERE superseded_at IS NULL OR superseded_at >= $1 OR finished_at >= $1
        OR coalesce(event_id, 0) > ${READ_BY_ALL_SQL}
     ON CONFLICT (id) DO NOTHING`,
    [cutoff],
  );
  // Autovacuum never analyzes temporary tables: without statistics the joins below are planned blind.
  await tx.query('ANALYZE weft_prune_kept');
  for (let level = 0; ; level++) {
    await tx.query('DELETE FROM weft_prune_reads');
    await tx.query('DELETE FROM weft_prune_ranges');
    // Range reads of this level: of an ordered asset, its range; of any other, the whole asset.
    const reads = await tx.query<{ whole: string; ranges: string }>(
      `WITH r AS (
         SELECT e.upstream_asset AS asset, d.inputs_as_of AS t, e.range_first AS first, e.range_last AS last, e.upstream_asset = ANY($2::text[]) AS ordered
         FROM weft_prune_kept k JOIN weft_input_edges e ON e.materialization_id = k.id JOIN weft_materializations d ON d.id = k.id
         WHERE k.level = $1 AND e.range_count IS NOT NULL
       ),
       whole AS (
         INSERT INTO weft_prune_reads (asset, t) SELECT DISTINCT asset, t FROM r WHERE NOT (ordered AND first IS NOT NULL AND last IS NOT NULL)
         RETURNING 1),
       ranges AS (
         INSERT INTO weft_prune_ranges (asset, t, first, last) SELECT DISTINCT asset, t, first, last FROM r WHERE ordered AND first IS NOT NULL AND last IS NOT NULL
         RETURNING 1)
       SELECT (SELECT count(*) FROM whole) AS whole, (SELECT count(*) FROM ranges) AS ranges`,
      [level, ordered],
    );
    const wholeAssets =
      Number(reads[0]?.whole ?? 0) === 0
        ? ''
        : `UNION
           SELECT l.id, $1 + 1 FROM (
             SELECT m.id, m.asset_key, coalesce(m.event_id, 0) AS born,
                    lead(coalesce(m.event_id, 0)) OVER (PARTITION BY m.asset_key, m.partition_key ORDER BY m.id) AS died
             FROM weft_materializations m WHERE m.asset_key IN (SELECT DISTINCT asset FROM weft_prune_reads)
           ) l
           WHERE EXISTS (SELECT 1 FROM weft_prune_reads r WHERE r.asset = l.asset_key AND r.t >= l.born AND (l.died IS NULL OR r.t < l.died))`;
    // Each partition of the range: its latest materialization as of the read (index order, newest first).
    const inRanges =
      Number(reads[0]?.ranges ?? 0) === 0
        ? ''
        : `UNION
           SELECT x.id, $1 + 1 FROM weft_prune_ranges r CROSS JOIN LATERAL (
             SELECT DISTINCT ON (m.partition_key) m.id FROM weft_materializations m
             WHERE m.asset_key = r.asset AND m.partition_key >= r.first AND m.partition_key <= r.last AND coalesce(m.event_id, 0) <= r.t
             ORDER BY m.partition_key, m.id DESC
           ) x`;
    const added = await tx.query<{ n: string }>(
      `WITH added AS (
         INSERT INTO weft_prune_kept (id, level)
         SELECT e.upstream_materialization_id, $1 + 1
         FROM weft_prune_kept k JOIN weft_input_edges e ON e.materialization_id = k.id
         WHERE k.level = $1 AND e.upstream_materialization_id IS NOT NULL
         ${wholeAssets}
         ${inRanges}
         ON CONFLICT (id) DO NOTHING
         RETURNING 1)
       SELECT count(*) AS n FROM added`,
      [level],
    );
    if (Number(added[0]?.n ?? 0) === 0) break;
  }
  const gone = await tx.query<{ n: string }>(
    `WITH doomed AS (SELECT m.id FROM weft_materializations m WHERE m.id <= $1 AND NOT EXISTS (SELECT 1 FROM weft_prune_kept k WHERE k.id = m.id)),
     edges AS (DELETE FROM weft_input_edges e USING doomed WHERE e.materialization_id = doomed.id RETURNING 1),
     gone AS (DELETE FROM weft_materializations m USING doomed WHERE m.id = doomed.id RETURNING 1)
     SELECT (SELECT count(*) FROM gone) AS n, (SELECT count(*) FROM edges) AS e`,
    [maxId],
  );
  return Number(gone[0]?.n ?? 0);
}
