/**
 * `npm run bench -- all` writes what it measured to `bench/results/latest.json`: every result, the
 * machine (cores, CPU model, memory, Node) and its load average when the run started and ended, so
 * a figure is never read without the conditions it was measured under.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `all` writes its results (gitignored). */
export const LATEST_RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'latest.json');

/** The machine a run measured on. */
export function machine(): Record<string, unknown> {
  const cores = cpus();
  return { cores: cores.length, cpu: cores[0]?.model ?? 'unknown', memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, platform: `${process.platform} ${process.arch}` };
}

/** The 1-, 5- and 15-minute load averages, rounded. */
export function load(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Writes the run's results atomically (a temporary file renamed into place) and returns the path. */
export function writeLatest(run: { startedAt: Date; loadAtStart: number[]; smoke: boolean; scale: number | undefined; results: ReadonlyArray<Record<string, unknown>>; failed: readonly string[] }, path = LATEST_RESULTS): string {
  mkdirSync(dirname(path), { recursive: true });
  const body = {
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machine(),
    loadAverage: { atStart: run.loadAtStart, atEnd: load() },
    mode: run.smoke ? 'smoke' : run.scale === undefined ? 'default scales' : `scale ${run.scale}`,
    failed: run.failed,
    results: run.results,
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
