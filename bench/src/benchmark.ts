/** What a benchmark receives. */
export interface BenchContext {
  /** Problem size; each benchmark documents its unit (partitions, rows, iterations…). */
  readonly scale: number;
  /** Progress and commentary for humans (stderr), never mixed into the JSON result. */
  log(line: string): void;
}

/** A benchmark: `npm run bench -- <name> [--json] [--scale N]`. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  /** Scale of a real measurement. */
  readonly defaultScale: number;
  /** Toy scale at which CI runs it as a smoke test. */
  readonly smokeScale: number;
  /**
   * Runs the measurement; the result is printed as one JSON object with `bench` set to the name.
   * A benchmark that checks what it measured says so with `ok` (and throws {@link CheckFailed}
   * when the check fails): the run then exits non-zero, at any scale.
   */
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}

/**
 * A benchmark's own correctness check failed (a mismatch, a duplicate, a missing partition): the
 * measurement is not worth its figures. Carries the result, which is still printed (with `ok: false`).
 */
export class CheckFailed extends Error {
  constructor(
    message: string,
    readonly result: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CheckFailed';
  }
}

/** Returns `result` with `ok` set, or throws {@link CheckFailed} naming `problems` when there are any. */
export function checked(result: Record<string, unknown>, problems: readonly string[]): Record<string, unknown> {
  const out = { ok: problems.length === 0, ...result };
  if (problems.length > 0) throw new CheckFailed(`${problems.length} problem(s): ${problems.slice(0, 20).join('; ')}`, out);
  return out;
}
