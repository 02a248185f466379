/**
 * Benchmark entry point.
 *
 *   npm run bench -- <name> [--json] [--scale N]   one benchmark; with --json the last line is its JSON result
 *   npm run bench -- all --smoke                   every benchmark at its toy scale (CI's smoke test)
 *   npm run bench -- --list                        names and descriptions
 */
import { parseArgs } from 'node:util';
import type { Benchmark } from './benchmark.js';
import { benchmarks } from './benchmarks/index.js';

function usage(): string {
  return `usage: npm run bench -- <name>|all [--json] [--scale N] [--smoke]\n\nbenchmarks:\n${benchmarks
    .map((b) => `  ${b.name.padEnd(20)} ${b.description} (scale ${b.defaultScale}, smoke ${b.smokeScale})`)
    .join('\n')}\n`;
}

async function runOne(bench: Benchmark, scale: number, json: boolean): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[${bench.name}] ${line}\n`);
  log(`scale ${scale}`);
  const started = performance.now();
  const result = { bench: bench.name, scale, ...(await bench.run({ scale, log })), wallMs: Math.round(performance.now() - started) };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(24)} ${String(value)}\n`);
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
  for (const bench of selected) await runOne(bench, scale ?? (values.smoke ? bench.smokeScale : bench.defaultScale), values.json ?? false);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
