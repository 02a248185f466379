import { Client, Connection } from '@temporalio/client';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { builtUi } from '../ui.js';
import { connectionOptions, temporalSettings } from '@weft/workers';
import pg from 'pg';
import { pgDatabase } from '@weft/store';
import type { Output } from '../database.js';

/** Options of `weft server`. */
export interface ServerOptions {
  /** @default 0.0.0.0 */
  readonly host?: string;
  /** @default 4000 */
  readonly port?: number;
  /** Serve without API tokens (everyone is admin): only behind something else that authenticates. */
  readonly insecureNoAuth?: boolean;
  /** Stop after starting (tests): resolve with the running server instead of waiting for a signal. */
  readonly signal?: AbortSignal;
  readonly onListening?: (server: ApiServer) => void;
}

/**
 * `weft server`: the GraphQL API on the PostgreSQL store at DATABASE_URL, waking reconcile loops
 * through Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*: the workers' settings).
 * API tokens are required unless started with `--insecure-no-auth`.
 */
export async function runServer(options: ServerOptions, out: Output): Promise<number> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    out.error('weft server: set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:5432/db)');
    return 1;
  }
  const db = pgDatabase(new pg.Pool({ connectionString: url, max: 10 }));
  const settings = temporalSettings();
  let connection: Connection | undefined;
  let client: Client | undefined;
  if (settings.address) {
    try {
      connection = await Connection.connect(connectionOptions({ ...settings, address: settings.address }));
      client = new Client({ connection, namespace: settings.namespace ?? 'default' });
    } catch (e) {
      out.error(`weft server: Temporal at ${settings.address} does not answer (${(e as Error).message}); serving without it: requests wait for each loop's next tick`);
    }
  } else out.error('weft server: TEMPORAL_ADDRESS is not set; serving without Temporal: requests wait for each loop’s next tick');
  let server: ApiServer | undefined;
  // Listening for signals from the start: a stop during start-up still closes everything.
  let stopped: () => void = () => {};
  const stopping = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (): void => stopped();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (options.signal?.aborted) stopped();
  options.signal?.addEventListener('abort', onSignal);
  const ui = builtUi();
  try {
    server = await startApiServer({
      ...(ui.dir ? { uiDir: ui.dir } : {}),
      db,
      auth: options.insecureNoAuth ? 'off' : 'tokens',
      ...(client ? { temporal: { client } } : {}),
      production: true,
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 4000,
    });
    out.log(options.insecureNoAuth ? 'weft server: AUTH IS OFF (--insecure-no-auth): every request is admin' : 'weft server: API tokens required (create one with `weft token create`)');
    out.log(ui.dir ? `weft server: UI: ${server.url}/` : `weft server: UI not served: ${ui.reason}`);
    out.log(`weft server: GraphQL: ${server.url}/graphql`);
    options.onListening?.(server);
    await stopping;
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server?.close();
    await connection?.close();
    await db.close();
    out.log('weft server: stopped');
  }
}
