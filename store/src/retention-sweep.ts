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
     ) history
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
      `WITH range_reads AS (
         SELECT edge.upstream_asset AS asset, reader.inputs_as_of AS t, edge.range_first AS first, edge.range_last AS last, edge.upstream_asset = ANY($2::text[]) AS ordered
         FROM weft_prune_kept kept JOIN weft_input_edges edge ON edge.materialization_id = kept.id JOIN weft_materializations reader ON reader.id = kept.id
         WHERE kept.level = $1 AND edge.range_count IS NOT NULL
       ),
       whole AS (
         INSERT INTO weft_prune_reads (asset, t) SELECT DISTINCT asset, t FROM range_reads WHERE NOT (ordered AND first IS NOT NULL AND last IS NOT NULL)
         RETURNING 1),
       ranges AS (
         INSERT INTO weft_prune_ranges (asset, t, first, last) SELECT DISTINCT asset, t, first, last FROM range_reads WHERE ordered AND first IS NOT NULL AND last IS NOT NULL
         RETURNING 1)
       SELECT (SELECT count(*) FROM whole) AS whole, (SELECT count(*) FROM ranges) AS ranges`,
      [level, ordered],
    );
    const wholeAssets =
      Number(reads[0]?.whole ?? 0) === 0
        ? ''
        : `UNION
           SELECT life.id, $1 + 1 FROM (
             SELECT mat.id, mat.asset_key, coalesce(mat.event_id, 0) AS born,
                    lead(coalesce(mat.event_id, 0)) OVER (PARTITION BY mat.asset_key, mat.partition_key ORDER BY mat.id) AS died
             FROM weft_materializations mat WHERE mat.asset_key IN (SELECT DISTINCT asset FROM weft_prune_reads)
           ) life
           WHERE EXISTS (SELECT 1 FROM weft_prune_reads rd WHERE rd.asset = life.asset_key AND rd.t >= life.born AND (life.died IS NULL OR rd.t < life.died))`;
    // Each partition of the range: its latest materialization as of the read (index order, newest first).
    const inRanges =
      Number(reads[0]?.ranges ?? 0) === 0
        ? ''
        : `UNION
           SELECT latest.id, $1 + 1 FROM weft_prune_ranges rng CROSS JOIN LATERAL (
             SELECT DISTINCT ON (mat.partition_key) mat.id FROM weft_materializations mat
             WHERE mat.asset_key = rng.asset AND mat.partition_key >= rng.first AND mat.partition_key <= rng.last AND coalesce(mat.event_id, 0) <= rng.t
             ORDER BY mat.partition_key, mat.id DESC
           ) latest`;
    const added = await tx.query<{ n: string }>(
      `WITH added AS (
         INSERT INTO weft_prune_kept (id, level)
         SELECT edge.upstream_materialization_id, $1 + 1
         FROM weft_prune_kept kept JOIN weft_input_edges edge ON edge.materialization_id = kept.id
         WHERE kept.level = $1 AND edge.upstream_materialization_id IS NOT NULL
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
    `WITH doomed AS (SELECT mat.id FROM weft_materializations mat WHERE mat.id <= $1 AND NOT EXISTS (SELECT 1 FROM weft_prune_kept kept WHERE kept.id = mat.id)),
     edges AS (DELETE FROM weft_input_edges edge USING doomed WHERE edge.materialization_id = doomed.id RETURNING 1),
     gone AS (DELETE FROM weft_materializations mat USING doomed WHERE mat.id = doomed.id RETURNING 1)
     SELECT (SELECT count(*) FROM gone) AS n, (SELECT count(*) FROM edges) AS e`,
    [maxId],
  );
  return Number(gone[0]?.n ?? 0);
}
