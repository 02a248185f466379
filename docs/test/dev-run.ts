/**
 * Running the README's main command (`npm run dev`) as a user would, on a fresh copy of the taxi
 * example, and asking the `weft dev` it starts over HTTP. Used by the README test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO } from './shell-blocks.js';

/** A copy of examples/taxi without its state, resolving packages from the repository. */
export function copyTaxiExample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-taxi-'));
  cpSync(join(REPO, 'examples', 'taxi'), dir, { recursive: true, filter: (src) => !['.weft', 'node_modules'].includes(basename(src)) });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** A TCP port free at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A running `npm run dev …` (its own process group, so a signal reaches npm and weft alike). */
export interface DevProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Waits until `pattern` is printed; returns the match. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /**
   * Ctrl-C to the whole group (as a terminal does), then waits until every process of it closed
   * its output (npm itself may exit first, on the signal); returns what was printed.
   */
  stop(): Promise<string>;
}

/** Starts `npm <args>` in the repository, as typed in a terminal. */
export function startNpm(args: readonly string[]): DevProcess {
  const child = spawn('npm', [...args], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    child,
    output: () => printed,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(printed);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`npm ${args.join(' ')} exited (${child.exitCode}) before printing ${pattern}:\n${printed}`);
        if (Date.now() > deadline) throw new Error(`npm ${args.join(' ')} did not print ${pattern} in ${timeoutMs} ms:\n${printed}`);
        await sleep(100);
      }
    },
    async stop() {
      signalGroup('SIGINT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 60_000);
      await closed;
      clearTimeout(timer);
      return printed;
    },
  };
}

/** Posts a GraphQL query and returns `data` (throwing on errors). */
export async function graphql<T>(url: string, query: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || body.data === undefined) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Partition counts by status of every asset, as `{ key: 'n status, …' }` (zero counts left out). */
export async function statusLines(url: string): Promise<Record<string, string>> {
  const data = await graphql<{ assets: { nodes: Array<{ key: string; statusCounts: Record<string, number> }> } }>(
    url,
    '{ assets { nodes { key statusCounts { fresh stale missing running failed blocked checkFailed } } } }',
  );
  return Object.fromEntries(
    data.assets.nodes.map((a) => [
      a.key,
      Object.entries(a.statusCounts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${n} ${status}`)
        .join(', '),
    ]),
  );
}

const same = (a: Record<string, string>, b: Record<string, string>): boolean => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Polls the statuses until they equal `expected`; returns how long it took. */
export async function waitForStatuses(url: string, expected: Record<string, string>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let last: Record<string, string> = {};
  while (Date.now() - start < timeoutMs) {
    last = await statusLines(url).catch(() => last);
    if (same(last, expected)) return Date.now() - start;
    await sleep(250);
  }
  throw new Error(`statuses did not settle in ${timeoutMs} ms: last ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
}
