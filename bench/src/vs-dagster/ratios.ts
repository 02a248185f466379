import type { DagsterTick } from './dagster-react.js';

/** A Dagster step stopped at its limit, as the benchmark records it (`dagster.scratch`, `dagster.change`). */
export interface TimedOutStep {
  readonly timedOut: true;
  readonly limitMs: number;
  /** The command that was stopped: `tick` (an evaluation) or `runs` (the runs a tick requested). */
  readonly command: string;
  /** The ticks finished before it; when `runs` was stopped, the last of them is the tick that requested them (without `runsMs`). */
  readonly completed?: ReadonlyArray<Omit<DagsterTick, 'runsMs'> & { readonly runsMs?: readonly number[] }>;
}

/** Dagster's time ÷ Weft's, one decimal; null where either is not a time (missing, or Weft's 0). */
export function ratio(dagster: number | null | undefined, weft: number | null | undefined): number | null {
  return dagster == null || weft == null || !(weft > 0) ? null : Math.round((dagster / weft) * 10) / 10;
}

/** Whether `value` is a {@link TimedOutStep}. */
export function isTimedOut(value: unknown): value is TimedOutStep {
  return typeof value === 'object' && value !== null && (value as { timedOut?: unknown }).timedOut === true;
}

/**
 * The least Dagster's deciding and materializing from scratch can have taken when that part was
 * stopped at its limit: what finished before, plus the whole limit for the step that was stopped
 * (its evaluation for `tick`, its runs for `runs`). A lower bound, never a measured time: the
 * ratios built from it are named `…AtLeast`.
 */
export function dagsterAtLeast(step: TimedOutStep): { planMs: number; materializeMs: number } {
  const done = step.completed ?? [];
  const requesting = done.filter((t) => Object.keys(t.requested).length > 0);
  const planMs = requesting.reduce((n, t) => n + t.evalMs, 0) + (step.command === 'tick' ? step.limitMs : 0);
  const materializeMs = done.reduce((n, t) => n + (t.runsMs ?? []).reduce((a, b) => a + b, 0), 0) + (step.command === 'runs' ? step.limitMs : 0);
  return { planMs: Math.round(planMs * 10) / 10, materializeMs: Math.round(materializeMs * 10) / 10 };
}

/** The figures {@link vsRatios} compares, each side's. */
export interface SideFigures {
  readonly planMs?: number | null;
  readonly firstDecisionMs?: number | null;
  readonly replanMs?: number | null;
  readonly reactMs?: number | null;
  readonly materializeMs?: number | null;
}

/**
 * Dagster's time ÷ Weft's for each measure. Where Dagster's from-scratch part timed out
 * (`scratch`), `plan` and `materialize` are null (no time to compare) and `planAtLeast` /
 * `materializeAtLeast` give the lower bounds from {@link dagsterAtLeast} where it allows one.
 */
export function vsRatios(weft: SideFigures, dagster: SideFigures, scratch: unknown): Record<string, number | null | string> {
  const out: Record<string, number | null | string> = {
    plan: ratio(dagster.planMs, weft.planMs),
    firstDecision: ratio(dagster.firstDecisionMs, weft.firstDecisionMs),
    replan: ratio(dagster.replanMs, weft.replanMs),
    react: ratio(dagster.reactMs, weft.reactMs),
    materialize: ratio(dagster.materializeMs, weft.materializeMs),
  };
  if (isTimedOut(scratch)) {
    const least = dagsterAtLeast(scratch);
    if (out['plan'] === null && least.planMs > 0) out['planAtLeast'] = ratio(least.planMs, weft.planMs);
    if (out['materialize'] === null && least.materializeMs > 0) out['materializeAtLeast'] = ratio(least.materializeMs, weft.materializeMs);
  }
  out['meaning'] =
    "Dagster time ÷ Weft time (above 1: Weft faster); null where Dagster timed out (see dagster.<step>.timedOut). planAtLeast/materializeAtLeast (only when Dagster's from-scratch part timed out): lower bounds, Dagster's finished steps plus the whole limit for the stopped one, ÷ Weft's time. firstDecision: each one's first decision after the sources arrived (Dagster's also takes rolling_7d, which it may run in the same run: see firstDecisionPartitions)";
  return out;
}
