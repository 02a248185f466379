/**
 * Each location's planner cursor with how far it has read the whole log (`read_through`): a
 * planner reads only its own location's events, so up to its next unread event of its own (the
 * first seq of that row: a batch row stands for a run of seqs) it has nothing to read, and with
 * none, everything up to the highest id visible (event ids commit in order, under the event lock).
 * A location whose workers are gone writes nothing, so it never holds retention back for others.
 * `behind` counts the events of its own it has yet to read. One statement: one snapshot.
 */
export const CURSORS_SQL = `
  SELECT cur.location, cur.cursor, cur.updated_at,
    greatest(cur.cursor, coalesce(nxt.first_seq - 1, (SELECT coalesce(max(id), 0) FROM weft_events))) AS read_through,
    (SELECT coalesce(sum(CASE WHEN evt.kind = 'materializations.recorded' THEN least((evt.payload->>'count')::bigint, evt.id - cur.cursor) ELSE 1 END), 0)
       FROM weft_events evt WHERE evt.location = cur.location AND evt.id > cur.cursor) AS behind
  FROM weft_planner_cursors cur
  LEFT JOIN LATERAL (
    SELECT CASE WHEN evt.kind = 'materializations.recorded' THEN evt.id - (evt.payload->>'count')::bigint + 1 ELSE evt.id END AS first_seq
    FROM weft_events evt WHERE evt.location = cur.location AND evt.id > cur.cursor ORDER BY evt.id LIMIT 1
  ) nxt ON true`;
/** The highest event id every planner has read through (0 before any planner saved a cursor). */
export const READ_BY_ALL_SQL = `(SELECT coalesce(min(read_through), 0) FROM (${CURSORS_SQL}) cursors)`;
