import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceStartError } from '../errors.js';

const TAIL_LINES = 40;

/** Options for a long-running service process. */
export interface ManagedProcessOptions {
  /** Service name for messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** File receiving the process's stdout and stderr. */
  readonly logFile?: string;
  /** Run as this user/group (root only). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * A child process running a service: its output goes to a log file and a bounded tail (shown
 * when start-up fails), and `stop()` asks it to exit, then kills it after a grace period.
 */
export class ManagedProcess {
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private readonly log: WriteStream | undefined;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;

  constructor(readonly options: ManagedProcessOptions) {
    this.log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    this.child = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    const onData = (chunk: Buffer): void => {
      this.log?.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
      this.child.on('error', (error) => {
        this.tail.push(`spawn error: ${error.message}`);
        this.exited = { code: -1, signal: null };
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines the process printed. */
  logTail(): string {
    return this.tail.join('\n');
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  /**
   * Polls `probe` until it resolves true, failing when the process exits or `timeoutMs` passes.
   */
  async waitUntilReady(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new ServiceStartError(this.options.name, `exited during start-up (${this.exited.signal ?? `code ${this.exited.code}`})`, this.logTail());
      }
      try {
        if (await probe()) return;
      } catch (error) {
        lastError = error;
      }
      await sleep(100);
    }
    const why = lastError instanceof Error ? ` (last probe error: ${lastError.message})` : '';
    throw new ServiceStartError(this.options.name, `not ready after ${timeoutMs} ms${why}`, this.logTail());
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs. Resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (!this.exited) {
      this.child.kill(signal);
      const grace = new AbortController();
      const timedOut = await Promise.race([
        this.exitPromise.then(() => false),
        sleep(graceMs, true, { signal: grace.signal }).catch(() => false),
      ]);
      grace.abort();
      if (timedOut && !this.exited) {
        this.child.kill('SIGKILL');
        await this.exitPromise;
      }
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }

  /** Kills the process at once (used to simulate crashes in tests). */
  async kill(): Promise<void> {
    await this.stop('SIGKILL', 0);
  }
}
