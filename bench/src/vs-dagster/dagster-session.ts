import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startPostgres, type PostgresServer } from '@weft/services';
import pg from 'pg';
import type { DagsterVenv } from './python-env.js';

const SCRIPT = fileURLToPath(new URL('../../python/vs_dagster.py', import.meta.url));

/** An answer of the Python side: its figures, `ok`, and its peak RSS. */
export type DagsterAnswer = Record<string, unknown> & { readonly ok: boolean; readonly maxRssMb: number; readonly error?: string };

/** A command that did not answer within its limit: the process was stopped. */
export class DagsterTimeout extends Error {
  constructor(
    readonly command: string,
    readonly limitMs: number,
    /** The Python process's peak RSS when it was stopped (VmHWM), MB; 0 where /proc cannot tell. */
    readonly peakRssMb: number,
  ) {
    super(`dagster ${command}: no answer within ${limitMs / 1000} s (stopped)`);
    this.name = 'DagsterTimeout';
  }
}

/**
 * Dagster's side of the benchmark: `bench/python/vs_dagster.py` in the pinned virtualenv, on a
 * `DAGSTER_HOME` whose instance stores runs, events and schedules in a PostgreSQL server of its own
 * (Dagster's production storage; started like Weft's, PostgreSQL defaults). Commands are sent one
 * at a time; Dagster's log goes to a file (its last lines are shown when a command fails).
 */
export class DagsterSession {
  private buffer = '';
  private waiting: ((line: string) => void) | undefined;
  private exited: string | undefined;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly postgres: PostgresServer,
    /** The Dagster instance's home (dagster.yaml) and the log of the Python process. */
    readonly home: string,
    readonly logFile: string,
    /** The PostgreSQL server's data folder (its postmaster.pid names the process to sample). */
    readonly postgresDataDir: string,
  ) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      const nl = this.buffer.indexOf('\n');
      if (nl >= 0 && this.waiting) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(line);
      }
    });
    child.on('exit', (code, signal) => {
      this.exited = `exited (${signal ?? code})`;
      this.waiting?.('');
    });
  }

  /** Starts Dagster's PostgreSQL and the Python process. */
  static async start(venv: DagsterVenv): Promise<DagsterSession> {
    const postgres = await startPostgres({ durability: 'default', databaseUrl: '' });
    try {
      const admin = new pg.Client({ connectionString: postgres.adminUrl });
      await admin.connect();
      await admin.query('CREATE DATABASE dagster');
      const [dir] = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows;
      await admin.end();
      const home = mkdtempSync(join(tmpdir(), 'weft-bench-dagster-home-'));
      // (SQLAlchemy 2 reads a bare postgresql:// as psycopg 3; dagster-postgres ships psycopg2.)
      const url = postgres.urlFor('dagster').replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
      writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: "${url}"\ntelemetry:\n  enabled: false\n`);
      const logFile = join(home, 'python.log');
      const log = createWriteStream(logFile);
      const child = spawn(venv.python, ['-u', SCRIPT], { env: { ...process.env, DAGSTER_HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stderr.pipe(log);
      return new DagsterSession(child as unknown as ChildProcessByStdio<Writable, Readable, null>, postgres, home, logFile, dir?.data_directory ?? '');
    } catch (error) {
      await postgres.stop();
      throw error;
    }
  }

  /** The Python process's id. */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The last lines of Dagster's log. */
  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /**
   * Sends `command` and waits for its answer, at most `limitMs`; past it, the process is stopped
   * and {@link DagsterTimeout} thrown (the session is then unusable).
   */
  async send(command: Record<string, unknown> & { cmd: string }, limitMs: number): Promise<DagsterAnswer> {
    if (this.exited) throw new Error(`dagster ${command.cmd}: the Python process ${this.exited}\n${this.logTail()}`);
    const nl = this.buffer.indexOf('\n');
    const line = new Promise<string>((resolve) => {
      if (nl >= 0) {
        const first = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        resolve(first);
      } else this.waiting = resolve;
    });
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const peakRssMb = this.peakRssMb();
        this.child.kill('SIGKILL');
        reject(new DagsterTimeout(command.cmd, limitMs, peakRssMb));
      }, limitMs);
    });
    try {
      const text = await Promise.race([line, timeout]);
      if (!text) throw new Error(`dagster ${command.cmd}: the Python process ${this.exited ?? 'closed its output'}\n${this.logTail()}`);
      const answer = JSON.parse(text) as DagsterAnswer;
      if (!answer.ok) throw new Error(`dagster ${command.cmd} failed: ${answer.error ?? 'no reason given'}\n${this.logTail()}`);
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The Python process's peak RSS so far (VmHWM of /proc/<pid>/status), MB; 0 once it exited or off Linux. */
  peakRssMb(): number {
    try {
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return kb === undefined ? 0 : Math.round(Number(kb) / 1024);
    } catch {
      return 0;
    }
  }

  /**
   * What Dagster's runs have written to its event log so far, by event type (runless events, such
   * as the source reports, left out): how far a run stopped at its limit had come. Counted on
   * Dagster's PostgreSQL, which stays up until {@link close}.
   */
  async runEventCounts(): Promise<Record<string, number>> {
    const client = new pg.Client({ connectionString: this.postgres.urlFor('dagster') });
    await client.connect();
    try {
      const { rows } = await client.query<{ type: string | null; n: string }>("SELECT dagster_event_type AS type, count(*) AS n FROM event_logs WHERE run_id <> '' GROUP BY 1 ORDER BY 1");
      return Object.fromEntries(rows.map((r) => [r.type ?? 'none', Number(r.n)]));
    } finally {
      await client.end();
    }
  }

  /** Stops the Python process (waiting for it to be gone) and Dagster's PostgreSQL, and removes the home. */
  async close(): Promise<void> {
    if (!this.exited) {
      const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    }
    await this.postgres.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}
