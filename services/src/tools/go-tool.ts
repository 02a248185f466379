import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolMissingError } from '../errors.js';
import { isExecutable, runStreaming, which } from '../exec.js';
import { binDir } from '../paths.js';

/** A command-line tool that Weft builds from source with `go install` at a pinned version. */
export interface GoToolSpec {
  /** Human name used in messages. */
  readonly tool: string;
  /** Name of the binary `go install` produces. */
  readonly binary: string;
  /** Go package path to install. */
  readonly goPackage: string;
  /** Pinned version (a tag or pseudo-version) accepted by `go install`. */
  readonly version: string;
  /** Environment variable holding an explicit path to the binary. */
  readonly envVar: string;
}

/** Where a tool was found. */
export interface LocatedTool {
  readonly path: string;
  readonly origin: 'env' | 'path' | 'cache' | 'built';
}

const LOCK_STALE_MS = 45 * 60_000;

/** The cached location of a pinned go tool, whether or not it has been built yet. */
export function cachedGoToolPath(spec: GoToolSpec): string {
  return join(binDir(), `${spec.binary}-${spec.version}`, spec.binary);
}

/** Finds a go tool without building it: the env var, then PATH, then the cache. */
export function findGoTool(spec: GoToolSpec): LocatedTool | undefined {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new ToolMissingError(spec.tool, `${spec.envVar}=${fromEnv} is not an executable file. Fix or unset ${spec.envVar}.`);
    }
    return { path: fromEnv, origin: 'env' };
  }
  const onPath = which(spec.binary);
  if (onPath) return { path: onPath, origin: 'path' };
  const cached = cachedGoToolPath(spec);
  if (isExecutable(cached)) return { path: cached, origin: 'cache' };
  return undefined;
}

/**
 * Describes a located tool for logs: `go install` builds embed no release version, so the pinned
 * version is added for binaries from the cache.
 */
export function describeTool(spec: GoToolSpec, tool: LocatedTool, printed: string): string {
  const pinned = tool.origin === 'cache' || tool.origin === 'built' ? `, built from ${spec.goPackage}@${spec.version}` : '';
  return `${printed} (${tool.origin}: ${tool.path}${pinned})`;
}

/** The Go toolchain: WEFT_GO when set (an explicit choice, missing if not executable), else PATH, else the usual install folders. */
function findGo(): string | undefined {
  const explicit = process.env['WEFT_GO'];
  if (explicit !== undefined) return isExecutable(explicit) ? explicit : undefined;
  return which('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find(isExecutable);
}

/**
 * Finds a go tool, building it with `go install <package>@<version>` into the cache when it is
 * nowhere to be found. Concurrent callers wait for one build (a lock directory in the cache).
 */
export async function ensureGoTool(spec: GoToolSpec, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<LocatedTool> {
  const found = findGoTool(spec);
  if (found) return found;

  const go = findGo();
  const howTo =
    `put \`${spec.binary}\` on PATH, set ${spec.envVar} to its path, or install Go (apt-get install golang-go, or https://go.dev/dl) ` +
    `so Weft can build it with \`go install ${spec.goPackage}@${spec.version}\``;
  if (!go) throw new ToolMissingError(spec.tool, `not found, and Go is not installed to build it: ${howTo}.`);

  const target = cachedGoToolPath(spec);
  const targetDir = join(target, '..');
  mkdirSync(binDir(), { recursive: true });
  const lock = `${targetDir}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (isExecutable(target)) return { path: target, origin: 'cache' };
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(2000);
    }
  }
  try {
    if (isExecutable(target)) return { path: target, origin: 'cache' };
    const staging = `${targetDir}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    log(`weft: building ${spec.tool} with go install ${spec.goPackage}@${spec.version} (takes several minutes on 2 cores; cached in ${targetDir})`);
    const started = Date.now();
    try {
      await runStreaming(go, ['install', `${spec.goPackage}@${spec.version}`], {
        env: { ...process.env, GOBIN: staging, GOFLAGS: `${process.env['GOFLAGS'] ?? ''} -trimpath`.trim() },
      });
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw new ToolMissingError(spec.tool, `go install ${spec.goPackage}@${spec.version} failed; ${howTo}.`, { cause: error });
    }
    rmSync(targetDir, { recursive: true, force: true });
    renameSync(staging, targetDir);
    log(`weft: built ${spec.tool} in ${Math.round((Date.now() - started) / 1000)} s`);
    return { path: target, origin: 'built' };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
