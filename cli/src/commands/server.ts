import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { closeClientConnection, connectionOptions, temporalSettings } from '@weft/workers';
import pg from 'pg';
import { pgDatabase } from '@weft/store';
import { builtUi } from '../ui.js';
import type { Output } from '../database.js';
import { EXIT } from '../exit-codes.js';
import { Readiness } from '../health.js';
import { applyOrCheckMigrations } from '../migrations.js';

/** Options of `weft server`. */
export interface ServerOptions {
  /** @default 0.0.0.0 */
  readonly host?: string | undefined;
  /** @default 4000 */
  readonly port?: number | undefined;
  /** Serve without API tokens (everyone is admin): only behind something else that authenticates. */
  readonly insecureNoAuth?: boolean | undefined;
  /** Apply pending migrations at start instead of refusing to start. */
  readonly migrate?: boolean | undefined;
  /** How long a stop waits for requests being answered, ms. @default 10000 */
  readonly drainMs?: number | undefined;
  /** Stop after starting (tests): resolve with the running server instead of waiting for a signal. */
  readonly signal?: AbortSignal;
  readonly onListening?: (server: ApiServer) => void;
}

/**
 * `weft server`: the GraphQL API on the PostgreSQL store at DATABASE_URL, waking reconcile loops
 * through Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*: the workers' settings).
 * API tokens are required unless started with `--insecure-no-auth`. `/healthz` and `/readyz`
 * answer liveness and readiness (PostgreSQL and, when configured, Temporal answer). SIGTERM or
 * SIGINT stop it gracefully: not ready at once, no new connections, requests being answered get
 * `drainMs` to finish (live subscriptions are then closed), pools closed, exit code 0.
 */
export async function runServer(options: ServerOptions, out: Output): Promise<number> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    out.error('weft server: set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:5432/db)');
    return EXIT.failed;
  }
  const db = pgDatabase(new pg.Pool({ connectionString: url, max: 10 }));
  const settings = temporalSettings();
  let connection: Connection | undefined;
  let client: Client | undefined;
  let server: ApiServer | undefined;
  // Listening for signals from the start: a stop during start-up still closes everything.
  let stopped: () => void = () => {};
  let signalled: string | undefined;
  const stopping = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      out.error(`weft server: ${signal} again: stopping now`);
      process.exit(EXIT.interrupted);
    }
    signalled = signal;
    stopped();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onAbort = (): void => stopped();
  if (options.signal?.aborted) stopped();
  options.signal?.addEventListener('abort', onAbort);
  const readiness = new Readiness({
    postgres: async () => void (await db.query('SELECT 1')),
    ...(settings.address ? { temporal: async () => void (await (connection ? connection.healthService.check({}) : Promise.reject(new Error(`not connected to ${settings.address}`)))) } : {}),
  });
  // Requests being answered (live subscriptions aside): a stop lets them finish.
  let active = 0;
  const ui = builtUi();
  try {
    await applyOrCheckMigrations(db, options.migrate ?? false);
    if (settings.address) {
      try {
        connection = await Connection.connect(connectionOptions({ ...settings, address: settings.address }));
        client = new Client({ connection, namespace: settings.namespace ?? 'default' });
      } catch (e) {
        out.error(`weft server: Temporal at ${settings.address} does not answer (${(e as Error).message}); serving without it: requests wait for each loop's next tick`);
      }
    } else out.error('weft server: TEMPORAL_ADDRESS is not set; serving without Temporal: requests wait for each loop’s next tick');
    server = await startApiServer({
      ...(ui.dir ? { uiDir: ui.dir } : {}),
      db,
      auth: options.insecureNoAuth ? 'off' : 'tokens',
      ...(client ? { temporal: { client } } : {}),
      production: true,
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 4000,
      extra: (req, res) => {
        if (readiness.handle(req, res)) return true;
        if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
          active++;
          res.once('close', () => active--);
        }
        return false;
      },
    });
    readiness.ready();
    out.log(options.insecureNoAuth ? 'weft server: AUTH IS OFF (--insecure-no-auth): every request is admin' : 'weft server: API tokens required (create one with `weft token create`)');
    out.log(ui.dir ? `weft server: UI: ${server.url}/` : `weft server: UI not served: ${ui.reason}`);
    out.log(`weft server: health ${server.url}/healthz (live), ${server.url}/readyz (ready)`);
    out.log(`weft server: GraphQL: ${server.url}/graphql`);
    options.onListening?.(server);
    await stopping;
    readiness.stopping();
    out.log(`weft server: ${signalled ?? 'stop'}: stopping: no new connections; requests being answered have ${(options.drainMs ?? 10_000) / 1000} s`);
    server.server.close();
    server.server.closeIdleConnections();
    const deadline = Date.now() + (options.drainMs ?? 10_000);
    while (active > 0 && Date.now() < deadline) await sleep(50);
    return EXIT.ok;
  } finally {
    readiness.stopping();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onAbort);
    await server?.close();
    if (connection) await closeClientConnection(connection);
    await db.close();
    out.log('weft server: stopped');
  }
}
