/** What retention removes; the provenance of every partition's current materialization is always kept. */
export interface RetentionPolicy {
  /** Drop events older than this many ms (the planner cursors are never passed). */
  readonly eventsOlderThanMs?: number;
  /** Drop attempts (and superseded materializations with their edges) older than this many ms. */
  readonly detailOlderThanMs?: number;
  /** Drop check results of data versions no longer current, older than this many ms. */
  readonly checksOlderThanMs?: number;
}
