import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import getPort from 'get-port';
import { describeTool } from '../tools/go-tool.js';
import { ensureMinio, MINIO_SERVER, minioVersion } from '../tools/minio.js';
import { ManagedProcess } from './managed-process.js';
import { makeTempDir } from './temp-dir.js';

/** Connection settings of an S3-compatible endpoint. */
export interface S3Endpoint {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
}

/** A running MinIO server. */
export interface MinioServer {
  readonly endpoint: S3Endpoint;
  /** `minio version …`. */
  readonly version: string;
  readonly owned: boolean;
  readonly process: ManagedProcess | undefined;
  stop(): Promise<void>;
}

/** Options for {@link startMinio}. */
export interface StartMinioOptions {
  /** Keep objects in this folder (survives restarts); else a temp folder removed on stop. */
  readonly dataDir?: string;
  readonly port?: number;
  /** The root password (user `weft-test`): give the same one to restart on a kept `dataDir`. @default random */
  readonly secretKey?: string;
  readonly readyTimeoutMs?: number;
}

/** Starts the pinned MinIO server on free loopback ports, building it when missing. */
export async function startMinio(options: StartMinioOptions = {}): Promise<MinioServer> {
  const bin = await ensureMinio();
  const version = await minioVersion(bin.path);
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const consolePort = await getPort({ host: '127.0.0.1' });
  const temp = makeTempDir('minio');
  const dataDir = options.dataDir ?? join(temp.path, 'data');
  const accessKey = 'weft-test';
  const secretKey = options.secretKey ?? randomBytes(18).toString('base64url');
  const proc = new ManagedProcess({
    name: 'MinIO',
    command: bin.path,
    args: ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    env: {
      ...process.env,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
    },
    logFile: join(temp.path, 'minio.log'),
  });
  try {
    // live/ready answer before the storage is up; the cluster health endpoint waits for it.
    await proc.waitUntilReady(async () => (await fetch(`http://127.0.0.1:${port}/minio/health/cluster`)).status === 200, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await proc.stop('SIGKILL', 0);
    temp.remove();
    throw error;
  }
  return {
    endpoint: { endPoint: '127.0.0.1', port, useSSL: false, accessKey, secretKey, region: 'us-east-1' },
    version: describeTool(MINIO_SERVER, bin, version),
    owned: true,
    process: proc,
    stop: async () => {
      await proc.stop('SIGTERM', 10_000);
      temp.remove();
    },
  };
}
