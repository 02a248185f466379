import { run } from '../exec.js';
import { ensureGoTool, findGoTool, type GoToolSpec, type LocatedTool } from './go-tool.js';

/**
 * The MinIO server. Its repository publishes source only now; this pseudo-version is the newest
 * commit the Go module proxy serves (2026-02-12), built with `go install`.
 */
export const MINIO_SERVER: GoToolSpec = {
  tool: 'MinIO server',
  binary: 'minio',
  goPackage: 'github.com/minio/minio',
  version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  envVar: 'MINIO_PATH',
};

/** Finds the MinIO server (MINIO_PATH, PATH, cache), building it when missing. */
export function ensureMinio(): Promise<LocatedTool> {
  return ensureGoTool(MINIO_SERVER);
}

/** Finds the MinIO server without building it. */
export function findMinio(): LocatedTool | undefined {
  return findGoTool(MINIO_SERVER);
}

/** The first line `minio --version` prints. */
export async function minioVersion(path: string): Promise<string> {
  return ((await run(path, ['--version'])).split('\n')[0] ?? '').trim();
}
