import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ToolMissingError } from '@weft/services';

/** The pinned requirements (every package `==`), installed as they are. */
export const REQUIREMENTS = fileURLToPath(new URL('../../python/requirements-dagster.txt', import.meta.url));
/** The Dagster version the requirements pin (read from them, for the venv's name and the report). */
export const DAGSTER_VERSION = /^dagster==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'))?.[1] ?? 'unknown';
/** Written last into a venv whose install finished; a venv without it is made again. */
const DONE = 'weft-installed';

/** A virtualenv holding the pinned Dagster. */
export interface DagsterVenv {
  readonly python: string;
  readonly dir: string;
  /** The interpreter the venv was made from, and its version. */
  readonly basePython: string;
  readonly pythonVersion: string;
  /** Milliseconds spent creating it in this run (0 when reused from the cache). */
  readonly createdMs: number;
}

function run(command: string, args: readonly string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer): void => void (tail = (tail + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      log(tail);
      reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${tail.split('\n').slice(-5).join(' | ')}`));
    });
  });
}

/**
 * The machine's Python 3 (`$WEFT_PYTHON`, else `python3` on PATH), checked to be ≥ 3.10 with the
 * `venv` module; a missing one is a {@link ToolMissingError} saying how to get it.
 */
function basePython(): { path: string; version: string } {
  const path = process.env['WEFT_PYTHON'] || 'python3';
  const probe = spawnSync(path, ['-c', 'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? `${path} not found (${probe.error.message})` : `${path} lacks the venv/ensurepip modules: ${probe.stderr.trim().split('\n').at(-1) ?? ''}`;
    throw new ToolMissingError('python3', `${why}. The vs-dagster benchmark installs Dagster from PyPI into a virtualenv: install Python ≥ 3.10 with venv (Debian/Ubuntu: apt-get install python3 python3-venv) or point WEFT_PYTHON at one.`);
  }
  const version = probe.stdout.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 10)) throw new ToolMissingError('python3', `${path} is Python ${version}; Dagster ${DAGSTER_VERSION} needs ≥ 3.10 (set WEFT_PYTHON to a newer one)`);
  return { path, version };
}

/**
 * Makes (once) and returns the virtualenv with the pinned Dagster, under the Weft cache
 * (`~/.cache/weft/dagster-venv-<version>-<hash of the requirements and Python version>`), outside
 * any checkout: later runs reuse it. A venv left half-made by an interrupted install is made again.
 */
export async function ensureDagsterVenv(log: (line: string) => void): Promise<DagsterVenv> {
  const base = basePython();
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS)).update(base.version).digest('hex').slice(0, 10);
  const dir = join(cacheDir(), `dagster-venv-${DAGSTER_VERSION}-${hash}`);
  const python = join(dir, 'bin', 'python');
  if (existsSync(join(dir, DONE))) return { python, dir, basePython: base.path, pythonVersion: base.version, createdMs: 0 };
  log(`creating a virtualenv with Dagster ${DAGSTER_VERSION} in ${dir} (once; reused by later runs)…`);
  const t0 = performance.now();
  rmSync(dir, { recursive: true, force: true });
  await run(base.path, ['-m', 'venv', dir], log);
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS], log);
  writeFileSync(join(dir, DONE), `${new Date().toISOString()}\n`);
  const createdMs = Math.round(performance.now() - t0);
  log(`virtualenv ready in ${(createdMs / 1000).toFixed(1)} s`);
  return { python, dir, basePython: base.path, pythonVersion: base.version, createdMs };
}
