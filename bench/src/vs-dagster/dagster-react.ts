/** Dagster's default interval between evaluations of the automation condition sensor (DEFAULT_SENSOR_DAEMON_INTERVAL). */
export const SENSOR_INTERVAL_MS = 30_000;

/** One tick as the Python side answers it: the evaluation, what it requested, the runs that followed. */
export interface DagsterTick {
  readonly evalMs: number;
  readonly requested: Record<string, unknown>;
  readonly runsMs: readonly number[];
}

/** Wall time from a source change until its last affected partition is materialized, computed. */
export interface DagsterReaction {
  /** With the change landing at a uniformly random moment of the interval: half an interval before the first tick. */
  readonly expectedMs: number;
  /** The change lands just before a tick. */
  readonly bestMs: number;
  /** The change lands just after a tick. */
  readonly worstMs: number;
  /** Ticks that requested something (the chain of evaluations the change needs). */
  readonly ticks: number;
  readonly method: string;
}

/**
 * Dagster's reaction computed from measured parts: the sensor evaluates every
 * {@link SENSOR_INTERVAL_MS}; a tick's requested runs must finish before the next tick can see their
 * materializations, so tick k+1 comes a whole number of intervals after tick k (one, or more when
 * tick k's evaluation and runs take longer than an interval). The last requesting tick ends with its
 * evaluation and runs. Not included: launching a run through the daemon's run coordinator and
 * launcher (a process per run), which the in-process runs measured here do not pay.
 */
export function dagsterReaction(ticks: readonly DagsterTick[]): DagsterReaction {
  const requesting = ticks.filter((t) => Object.keys(t.requested).length > 0);
  const work = (t: DagsterTick): number => t.evalMs + t.runsMs.reduce((a, b) => a + b, 0);
  let end = 0;
  requesting.forEach((t, i) => {
    if (i < requesting.length - 1) end += SENSOR_INTERVAL_MS * Math.max(1, Math.ceil(work(t) / SENSOR_INTERVAL_MS));
    else end += work(t);
  });
  return {
    expectedMs: Math.round(SENSOR_INTERVAL_MS / 2 + end),
    bestMs: Math.round(end),
    worstMs: Math.round(SENSOR_INTERVAL_MS + end),
    ticks: requesting.length,
    method: `computed: half the default sensor interval (${SENSOR_INTERVAL_MS / 1000} s) before the first tick, whole intervals between requesting ticks, then the last tick's measured evaluation and in-process runs`,
  };
}
