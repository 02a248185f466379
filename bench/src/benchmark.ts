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
  /** Runs the measurement; the result is printed as one JSON object with `bench` set to the name. */
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}
