/** Helpers of the CLI tests: run the real `weft` binary as a child process. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The `weft` binary of this checkout. */
export const WEFT = new URL('../bin/weft.js', import.meta.url).pathname;

/** The CLI tests' project (daily orders → clean_orders → daily_revenue → monthly_revenue). */
export const FIXTURE = new URL('./fixture', import.meta.url).pathname;

/** What a finished command printed, and its exit code. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `weft <args>` to the end (stdout is a pipe: not a terminal). */
export function weft(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WEFT, ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`weft ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Runs `weft <args> --json` and parses its output (failing with what it printed when it is not JSON). */
export async function weftJson<T = Record<string, unknown>>(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; json: T; stderr: string }> {
  const ran = await weft([...args, '--json'], env);
  try {
    return { code: ran.code, json: JSON.parse(ran.stdout) as T, stderr: ran.stderr };
  } catch {
    throw new Error(`weft ${args.join(' ')} --json printed no JSON (exit ${ran.code}):\n${ran.stdout}\n${ran.stderr}`);
  }
}

/** A long-running `weft` command (dev, worker, server) and what it has printed so far. */
export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output (rejects if the process exits or time runs out). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `weft <args>` in the background. */
export function start(args: readonly string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [WEFT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async waitFor(pattern, timeoutMs = 150_000) {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        const m = pattern.exec(output);
        if (m) return m;
        if (done) throw new Error(`weft ${args[0]} exited before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`weft ${args[0]} did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await sleep(100);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value (or fails with the last value after `timeoutMs`). */
export async function eventually<T>(what: string, fn: () => Promise<T | false | undefined>, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(500);
  }
}

/** Writes the fixture's order files: two amounts a day, and `bad` on the days given. */
export function orderFiles(dir: string, badDays: readonly string[]): void {
  mkdirSync(`${dir}/orders`, { recursive: true });
  for (let d = 1; d <= 10; d++) {
    const day = `2024-01-${String(d).padStart(2, '0')}`;
    writeFileSync(`${dir}/orders/${day}.csv`, badDays.includes(day) ? '10\nbad\n' : `${d}0\n5\n`);
  }
}

/** A TCP port of 127.0.0.1 free now (nothing listens on it once this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
