/**
 * Benchmark entry point.
 *
 *   npm run bench -- <name> [--json] [--scale N]   one benchmark; with --json the last line is its JSON result
 *   npm run bench -- all --smoke                   every benchmark at its toy scale (CI's smoke test)
 *   npm run bench -- all                           every benchmark; both write bench/results/latest.json
 *   npm run bench -- --list                        names and descriptions
 *
 * Exits non-zero when a benchmark throws or its own correctness check fails (its result says
 * `ok: false` or `exact: false`, or it throws `CheckFailed`); with `all`, the others still run.
 */
import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { CheckFailed, type Benchmark } from './benchmark.js';
import { benchmarks } from './benchmarks/index.js';
import { load, writeLatest } from './results-file.js';

function usage(): string {
  return `usage: npm run bench -- <name>|all [--json] [--scale N] [--smoke]\n\nbenchmarks:\n${benchmarks
    .map((b) => `  ${b.name.padEnd(20)} ${b.description} (scale ${b.defaultScale}, smoke ${b.smokeScale})`)
    .join('\n')}\n`;
}

/** Whether a result reports a failed check of its own. */
function failedCheck(result: Record<string, unknown>): boolean {
  return result['ok'] === false || result['exact'] === false;
}

function print(result: Record<string, unknown>, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(24)} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}\n`);
}

/** Runs one benchmark and prints its result; returns whether it ran and its checks passed, and the result. */
async function runOne(bench: Benchmark, scale: number, json: boolean): Promise<{ passed: boolean; result: Record<string, unknown> }> {
  const log = (line: string): void => void process.stderr.write(`[${bench.name}] ${line}\n`);
  log(`scale ${scale}`);
  const started = performance.now();
  let measured: Record<string, unknown>;
  let failure: string | undefined;
  try {
    measured = await bench.run({ scale, log });
  } catch (error) {
    if (!(error instanceof CheckFailed)) {
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { passed: false, result: { bench: bench.name, scale, threw: error instanceof Error ? error.message : String(error) } };
    }
    measured = { ...error.result, ok: false };
    failure = error.message;
  }
  const result: Record<string, unknown> = { bench: bench.name, scale, ...measured, wallMs: Math.round(performance.now() - started) };
  print(result, json);
  if (failure === undefined && failedCheck(result)) failure = `its result says ${result['ok'] === false ? 'ok: false' : 'exact: false'}`;
  if (failure !== undefined) log(`CHECK FAILED: ${failure}`);
  return { passed: failure === undefined, result };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, scale: { type: 'string' }, smoke: { type: 'boolean', default: false }, list: { type: 'boolean', default: false } },
  });
  if (values.list) {
    process.stdout.write(usage());
    return 0;
  }
  const [name] = positionals;
  if (!name || positionals.length > 1) {
    process.stderr.write(usage());
    return 2;
  }
  const scale = values.scale === undefined ? undefined : Number(values.scale);
  if (scale !== undefined && !(Number.isFinite(scale) && scale > 0)) {
    process.stderr.write(`--scale must be a positive number, got ${JSON.stringify(values.scale)}\n`);
    return 2;
  }
  const selected = name === 'all' ? benchmarks : benchmarks.filter((b) => b.name === name);
  if (selected.length === 0) {
    process.stderr.write(`unknown benchmark ${JSON.stringify(name)}\n${usage()}`);
    return 2;
  }
  const failed: string[] = [];
  const results: Array<Record<string, unknown>> = [];
  const startedAt = new Date();
  const loadAtStart = load();
  for (const bench of selected) {
    const { passed, result } = await runOne(bench, scale ?? (values.smoke ? bench.smokeScale : bench.defaultScale), values.json ?? false);
    results.push(result);
    if (!passed) failed.push(bench.name);
  }
  if (name === 'all') {
    const path = writeLatest({ startedAt, loadAtStart, smoke: values.smoke ?? false, scale, results, failed });
    process.stderr.write(`bench: results written to ${path}\n`);
  }
  if (failed.length > 0) {
    process.stderr.write(`bench: ${failed.length} of ${selected.length} failed: ${failed.join(', ')}\n`);
    return 1;
  }
  return 0;
}

/**
 * Node's default heap is about 4 GB here, and the largest scales need more (vs-dagster at 100,000
 * days holds ~2 million partitions in one process: the in-memory planner run, the worker and the
 * exact check): below 60% of the machine's memory, the runner starts itself again with that much
 * (unless `--max-old-space-size` was given). Resolves to the child's exit code, or undefined here.
 */
function withMachineHeap(): Promise<number> | undefined {
  const wantedMb = Math.floor((totalmem() * 0.6) / 2 ** 20);
  if (process.env['WEFT_BENCH_HEAP_MB'] !== undefined || getHeapStatistics().heap_size_limit / 2 ** 20 >= wantedMb * 0.9) return undefined;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${wantedMb}`, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, WEFT_BENCH_HEAP_MB: String(wantedMb) },
    });
    // (Ctrl-C reaches the child with its process group: it stops its services itself.)
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

(withMachineHeap() ?? main()).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
