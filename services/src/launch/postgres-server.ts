import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import getPort from 'get-port';
import pg from 'pg';
import { ToolMissingError } from '../errors.js';
import { run } from '../exec.js';
import { findPostgresBinaries, postgresVersion } from '../tools/postgres.js';
import { ManagedProcess } from './managed-process.js';
import { makeTempDir } from './temp-dir.js';

/** A running PostgreSQL server (throwaway, or external through DATABASE_URL). */
export interface PostgresServer {
  /** Connection string of a superuser on the `postgres` database. */
  readonly adminUrl: string;
  /** `PostgreSQL 15.18 …` as the server reports it (`SELECT version()`). */
  readonly version: string;
  /** Whether the server was started here (true) or came from DATABASE_URL (false). */
  readonly owned: boolean;
  /** Whether initdb ran now (false for an existing `dataDir` and for DATABASE_URL). */
  readonly created?: boolean;
  /** URL of another database on the same server with the same credentials. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** Options for {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * `fast` turns off fsync, synchronous commit and full-page writes (fine for throwaway test data);
   * `default` keeps PostgreSQL's defaults (benchmarks).
   * @default 'fast'
   */
  readonly durability?: 'fast' | 'default';
  /** @default 200 */
  readonly maxConnections?: number;
  /** Use this server instead of starting one. @default process.env.DATABASE_URL */
  readonly databaseUrl?: string | undefined;
  /**
   * Keep the cluster in this folder across runs (initdb only when it holds none; never removed).
   * The folder must be reachable by the unprivileged account when running as root.
   * @default a temporary folder removed on stop
   */
  readonly dataDir?: string;
  /** Listen on this port (a restart on the same port keeps clients' connection strings valid). @default a free port */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
}

interface Account {
  uid: number;
  gid: number;
  name: string;
}

/** initdb refuses to run as root: pick an unprivileged account (Debian's `postgres`, else `nobody`). */
export async function unprivilegedAccount(): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number((await run('id', ['-u', name])).trim());
      const gid = Number((await run('id', ['-g', name])).trim());
      return { uid, gid, name };
    } catch {
      // try the next account
    }
  }
  throw new ToolMissingError('PostgreSQL', 'running as root and no unprivileged account (postgres or nobody) exists to run initdb; create one with `useradd --system postgres`.');
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ version: string }>('SELECT version() AS version');
    return r.rows[0]?.version ?? 'unknown';
  } finally {
    await client.end();
  }
}

/**
 * Starts a throwaway PostgreSQL server on a free loopback port (initdb into a temp folder, as an
 * unprivileged user when running as root), or adopts DATABASE_URL when it is set.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const external = options.databaseUrl ?? process.env['DATABASE_URL'];
  if (external) {
    const version = await serverVersion(external);
    return { adminUrl: external, version, owned: false, urlFor: (db) => withDatabase(external, db), stop: async () => {} };
  }

  const bins = findPostgresBinaries();
  const account = await unprivilegedAccount();
  const spawnIds = account ? { uid: account.uid, gid: account.gid } : {};
  const temp = makeTempDir('pg');
  const dataDir = options.dataDir ?? join(temp.path, 'data');
  const socketDir = join(temp.path, 'sock');
  mkdirSync(socketDir);
  if (account) {
    chownSync(temp.path, account.uid, account.gid);
    chownSync(socketDir, account.uid, account.gid);
  }
  const env = { ...process.env, LC_ALL: 'C', ...(account ? { HOME: temp.path } : {}) };
  const created = !existsSync(join(dataDir, 'PG_VERSION'));
  try {
    if (created) {
      if (options.dataDir) {
        // A kept folder is initialized only when it is missing or empty: never over someone's files.
        if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
          throw new Error(`startPostgres: ${dataDir} holds files but no PostgreSQL cluster (no PG_VERSION); refusing to initialize a cluster over them — give an empty or missing folder`);
        }
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        if (account) chownSync(dataDir, account.uid, account.gid);
      }
      await run(bins.initdb, ['-D', dataDir, '-U', 'weft', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { env, ...spawnIds });
    }
  } catch (error) {
    temp.remove();
    throw error;
  }

  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const settings: string[] = [
    `max_connections=${options.maxConnections ?? 200}`,
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${socketDir}`,
  ];
  if ((options.durability ?? 'fast') === 'fast') settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  const proc = new ManagedProcess({
    name: 'PostgreSQL',
    command: bins.postgres,
    args: ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])],
    env,
    logFile: join(temp.path, 'postgres.log'),
    ...spawnIds,
  });
  const adminUrl = `postgres://weft@127.0.0.1:${port}/postgres`;
  try {
    await proc.waitUntilReady(async () => {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    }, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await proc.stop('SIGKILL', 0);
    temp.remove();
    throw error;
  }
  const version = await serverVersion(adminUrl);
  const binaryVersion = await postgresVersion(bins);
  return {
    adminUrl,
    version: `${version} [${binaryVersion} from ${bins.binDir}]`,
    owned: true,
    created,
    urlFor: (db) => withDatabase(adminUrl, db),
    stop: async () => {
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions and exit (a kept
      // cluster may need a long shutdown checkpoint after a big load).
      await proc.stop('SIGINT', options.dataDir ? 120_000 : 15_000);
      temp.remove();
    },
  };
}
