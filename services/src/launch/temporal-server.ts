import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import getPort from 'get-port';
import { describeTool } from '../tools/go-tool.js';
import { ensureTemporalCli, TEMPORAL_CLI, temporalVersion } from '../tools/temporal.js';
import { ManagedProcess } from './managed-process.js';
import { makeTempDir } from './temp-dir.js';

/** A running Temporal dev server (`temporal server start-dev`). */
export interface TemporalServer {
  /** gRPC address, `127.0.0.1:<port>`. */
  readonly address: string;
  readonly namespace: string;
  /** Web UI URL when started with the UI, else undefined. */
  readonly uiUrl: string | undefined;
  /** `temporal version 1.5.1 (Server …, UI …)`. */
  readonly version: string;
  readonly owned: boolean;
  /** The managed process (undefined for an external server): tests use it to simulate crashes. */
  readonly process: ManagedProcess | undefined;
  stop(): Promise<void>;
}

/** Options for {@link startTemporal}. */
export interface StartTemporalOptions {
  /** Keep state in this SQLite file (survives restarts) instead of in memory. */
  readonly dbFilename?: string;
  /** Serve the web UI. @default false */
  readonly ui?: boolean;
  /** Fixed gRPC port. @default a free port */
  readonly port?: number;
  /** Extra `--dynamic-config-value key=value` settings. */
  readonly dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Use this server instead of starting one. @default process.env.TEMPORAL_ADDRESS */
  readonly existingAddress?: string | undefined;
  readonly namespace?: string;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly readyTimeoutMs?: number;
}

/** Waits until the frontend answers for `namespace`. */
async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

/**
 * Starts `temporal server start-dev` on free loopback ports (building the pinned CLI when it is
 * missing), or adopts TEMPORAL_ADDRESS when it is set.
 */
export async function startTemporal(options: StartTemporalOptions = {}): Promise<TemporalServer> {
  const namespace = options.namespace ?? process.env['TEMPORAL_NAMESPACE'] ?? 'default';
  const existing = options.existingAddress ?? process.env['TEMPORAL_ADDRESS'];
  if (existing) {
    await namespaceReady(existing, namespace);
    return { address: existing, namespace, uiUrl: undefined, version: `external server at ${existing}`, owned: false, process: undefined, stop: async () => {} };
  }

  const cli = await ensureTemporalCli();
  const version = await temporalVersion(cli.path);
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const uiPort = await getPort({ host: '127.0.0.1' });
  const httpPort = await getPort({ host: '127.0.0.1' });
  const metricsPort = await getPort({ host: '127.0.0.1' });
  const temp = makeTempDir('temporal');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--log-level', options.logLevel ?? 'warn',
  ];
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (!options.ui) args.push('--headless');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  const proc = new ManagedProcess({ name: 'Temporal dev server', command: cli.path, args, logFile: join(temp.path, 'temporal.log') });
  const address = `127.0.0.1:${port}`;
  try {
    await proc.waitUntilReady(() => namespaceReady(address, namespace), options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await proc.stop('SIGKILL', 0);
    temp.remove();
    throw error;
  }
  return {
    address,
    namespace,
    uiUrl: options.ui ? `http://127.0.0.1:${uiPort}` : undefined,
    version: describeTool(TEMPORAL_CLI, cli, version),
    owned: true,
    process: proc,
    stop: async () => {
      await proc.stop('SIGTERM', 15_000);
      temp.remove();
    },
  };
}
