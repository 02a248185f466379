import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { WeftError, type TemporalSettings } from '@weft/core';

/** TLS and auth options shared by the worker and client connections. */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls?: boolean | { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  readonly apiKey?: string;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new WeftError('definition.bad_option', `temporal.tls.${what}: cannot read ${path} (${(error as Error).message})`, { field: `temporal.tls.${what}` });
  }
}

/**
 * Temporal settings from the config, overridden by the environment: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS (1 for TLS with system roots),
 * TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY (file paths), TEMPORAL_TLS_SERVER_NAME.
 */
export function temporalSettings(config: TemporalSettings = {}, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const tlsFromEnv = env['TEMPORAL_TLS_CA'] || env['TEMPORAL_TLS_CERT'] || env['TEMPORAL_TLS_KEY'] || env['TEMPORAL_TLS_SERVER_NAME'] || env['TEMPORAL_TLS'] === '1';
  const tls = tlsFromEnv
    ? {
        ...(env['TEMPORAL_TLS_CA'] ? { caPath: env['TEMPORAL_TLS_CA'] } : {}),
        ...(env['TEMPORAL_TLS_CERT'] ? { certPath: env['TEMPORAL_TLS_CERT'] } : {}),
        ...(env['TEMPORAL_TLS_KEY'] ? { keyPath: env['TEMPORAL_TLS_KEY'] } : {}),
        ...(env['TEMPORAL_TLS_SERVER_NAME'] ? { serverName: env['TEMPORAL_TLS_SERVER_NAME'] } : {}),
      }
    : config.tls;
  const address = env['TEMPORAL_ADDRESS'] ?? config.address;
  const namespace = env['TEMPORAL_NAMESPACE'] ?? config.namespace;
  const apiKey = env['TEMPORAL_API_KEY'] ?? config.apiKey;
  return { ...(address ? { address } : {}), ...(namespace ? { namespace } : {}), ...(apiKey ? { apiKey } : {}), ...(tls !== undefined ? { tls } : {}) };
}

/** Connection options for a Temporal cluster (TLS files read, mTLS pair checked). */
export function connectionOptions(settings: TemporalSettings & { address: string }): TemporalConnectionOptions {
  const tls = settings.tls;
  let tlsOption: TemporalConnectionOptions['tls'];
  if (tls === true) tlsOption = true;
  else if (tls && typeof tls === 'object') {
    if (Boolean(tls.certPath) !== Boolean(tls.keyPath)) {
      throw new WeftError('definition.bad_option', 'temporal.tls: certPath and keyPath go together (mutual TLS needs both)', { field: 'temporal.tls' });
    }
    tlsOption = {
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.caPath ? { serverRootCACertificate: read(tls.caPath, 'caPath') } : {}),
      ...(tls.certPath && tls.keyPath ? { clientCertPair: { crt: read(tls.certPath, 'certPath'), key: read(tls.keyPath, 'keyPath') } } : {}),
    };
  }
  // An API key is sent over TLS only (Temporal Cloud and most clusters require it).
  if (settings.apiKey && tlsOption === undefined) tlsOption = true;
  return { address: settings.address, ...(tlsOption !== undefined ? { tls: tlsOption } : {}), ...(settings.apiKey ? { apiKey: settings.apiKey } : {}) };
}

/** Connects a worker connection and a client to the cluster the settings name. */
export async function connectTemporal(settings: TemporalSettings & { address: string }): Promise<{ native: NativeConnection; connection: Connection; client: Client; close(): Promise<void> }> {
  const options = connectionOptions(settings);
  const native = await NativeConnection.connect(options);
  const connection = await Connection.connect(options);
  const client = new Client({ connection, namespace: settings.namespace ?? 'default' });
  return {
    native,
    connection,
    client,
    async close() {
      await closeClientConnection(connection);
      await native.close();
    },
  };
}

/**
 * Closes a client connection. `@temporalio/client` retries a failed call from a timer that closing
 * does not clear: when one fires after the close, gRPC throws "Channel has been shut down" from
 * that timer, outside any awaited call, and the process would end before it has stopped what it
 * runs (seen at `weft dev`'s SIGINT: the dev server was left running). From the first close on,
 * exactly that error from a retry timer is ignored; every other uncaught error still ends the
 * process as Node would.
 */
export async function closeClientConnection(connection: Connection): Promise<void> {
  if (!process.listeners('uncaughtException').includes(ignoreClosedChannelRetry)) process.on('uncaughtException', ignoreClosedChannelRetry);
  await connection.close();
}

function ignoreClosedChannelRetry(error: unknown): void {
  if (error instanceof Error && error.message === 'Channel has been shut down' && /grpc-retry|createCall/.test(error.stack ?? '')) return;
  // (Anything else: what Node does without a listener, unless another listener handles it.)
  if (process.listenerCount('uncaughtException') > 1) return;
  process.off('uncaughtException', ignoreClosedChannelRetry);
  console.error(error);
  process.exit(1);
}
