/**
 * A PostgreSQL server whose data folder persists between benchmark runs (a generated database that
 * takes minutes to build is kept in a cache folder), started like `startPostgres({ durability:
 * 'default' })`: PostgreSQL's default settings, loopback only, as an unprivileged user when root.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findPostgresBinaries, ManagedProcess } from '@weft/services';
import pg from 'pg';

const exec = promisify(execFile);

interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** initdb refuses to run as root: the account startPostgres uses (Debian's `postgres`, else `nobody`). */
export async function unprivilegedAccount(): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number((await exec('id', ['-u', name])).stdout.trim());
      const gid = Number((await exec('id', ['-g', name])).stdout.trim());
      return { uid, gid };
    } catch {
      // try the next account
    }
  }
  throw new Error('running as root and no unprivileged account (postgres or nobody) exists to run PostgreSQL');
}

/** Whether `account` can reach `dir` (every existing ancestor searchable by it). */
export function reachableBy(dir: string, account: Account | undefined): boolean {
  if (!account) return true;
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) {
      const s = statSync(d);
      const searchable = s.uid === account.uid ? (s.mode & 0o100) !== 0 : s.gid === account.gid ? (s.mode & 0o010) !== 0 : (s.mode & 0o001) !== 0;
      if (!searchable) return false;
    }
    if (dirname(d) === d) return true;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A running server on a persistent data folder. */
export interface CachedPostgres {
  readonly adminUrl: string;
  readonly version: string;
  /** Whether initdb ran now (the folder was empty). */
  readonly created: boolean;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL on `dataDir`, running initdb first when the folder holds no cluster. */
export async function startCachedPostgres(dataDir: string): Promise<CachedPostgres> {
  const bins = findPostgresBinaries();
  const account = await unprivilegedAccount();
  const ids = account ? { uid: account.uid, gid: account.gid } : {};
  const env = { ...process.env, LC_ALL: 'C' };
  const created = !existsSync(join(dataDir, 'PG_VERSION'));
  if (created) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (account) chownSync(dataDir, account.uid, account.gid);
    await exec(bins.initdb, ['-D', dataDir, '-U', 'weft', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { env, ...ids });
  }
  const socketDir = mkdtempSync(join(tmpdir(), 'weft-bench-pgsock-'));
  if (account) chownSync(socketDir, account.uid, account.gid);
  const port = await freePort();
  const proc = new ManagedProcess({
    name: 'PostgreSQL',
    command: bins.postgres,
    args: ['-D', dataDir, '-p', String(port), '-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`],
    env,
    logFile: join(socketDir, 'postgres.log'),
    ...ids,
  });
  const adminUrl = `postgres://weft@127.0.0.1:${port}/postgres`;
  let version = 'unknown';
  try {
    await proc.waitUntilReady(async () => {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        version = (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? 'unknown';
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    }, 120_000);
  } catch (error) {
    await proc.stop('SIGKILL', 0);
    rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }
  return {
    adminUrl,
    version,
    created,
    urlFor: (database) => `postgres://weft@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      // "Fast" shutdown; the shutdown checkpoint after a big load can take a while.
      await proc.stop('SIGINT', 120_000);
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
