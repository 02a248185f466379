/**
 * Code versions: what an asset's code is, so that a code change (in the asset's module or in any
 * project-local module it imports, transitively) makes its partitions stale, while edits elsewhere
 * do not. Never `fn.toString()`, which changes with the toolchain and misses the helpers a function
 * calls.
 *
 * Uses node:fs and esbuild: nothing in the pure hashing modules imports this file, so they stay
 * importable from Temporal workflow code.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { build, type BuildFailure, type Message, type Plugin } from 'esbuild';
import { compareCodePoints, DefinitionError, hashCanonical, sha256Hex, type Canonical } from '@weft/core';

/** Domain prefix: the first element of every code version's canonical form. */
export const CODE_VERSION_DOMAIN = 'weft/code-version/v1';

/** What a code version is computed from. */
export interface CodeVersionRequest {
  /** The asset's module: absolute, or relative to `projectRoot`. */
  readonly entry: string;
  /** The project's root folder; module paths are recorded relative to it. */
  readonly projectRoot: string;
  /** The asset's options (anything that changes what it computes besides its code). */
  readonly options?: Canonical;
  /** The asset's explicit `version`: when given, the module graph is not read at all. */
  readonly explicitVersion?: string;
  /** Cache to use; defaults to {@link defaultCodeVersionCache}. */
  readonly cache?: CodeVersionCache;
}

/** A code version and what went into it, for deployments to record. */
export interface CodeVersionResult {
  /** 64 lower-case hex characters. */
  readonly codeVersion: string;
  /** Project-local modules of the graph, paths relative to `projectRoot` with `/`, sorted. Empty for explicit versions. */
  readonly modules: string[];
  /** SHA-256 hex of each module's contents, by the same paths (to tell which module changed). */
  readonly moduleHashes: Record<string, string>;
  /** npm packages the graph imports → resolved version (several versions of one package are joined by `, `). */
  readonly packages: Record<string, string>;
  /** The explicit version, when one was given. */
  readonly explicitVersion?: string;
}

interface Stamped {
  readonly abs: string;
  readonly stamp: string;
}

interface CachedGraph {
  readonly modules: readonly (Stamped & { readonly rel: string })[];
  readonly packageFiles: readonly Stamped[];
}

interface Graph {
  readonly modules: readonly { readonly rel: string; readonly hash: string }[];
  readonly packages: Record<string, string>;
}

async function stampOf(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.mtimeNs}:${s.size}:${s.ino}`;
  } catch {
    return undefined;
  }
}

async function readPackageJson(file: string): Promise<{ name?: string; version?: string }> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { name?: unknown; version?: unknown };
    return {
      ...(typeof parsed.name === 'string' ? { name: parsed.name } : {}),
      ...(typeof parsed.version === 'string' ? { version: parsed.version } : {}),
    };
  } catch {
    return {};
  }
}

const INNER = Symbol('weft-code-version-inner');

/** The package root (folder right under the last `node_modules`) of a resolved file, if it is in one. */
function packageRootOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length - 1) return undefined;
  const depth = parts[at + 1]!.startsWith('@') ? 3 : 2;
  return parts.slice(0, at + depth).join(path.sep);
}

function describeFailure(error: unknown): string {
  const messages: Message[] = (error as Partial<BuildFailure>).errors ?? [];
  const first = messages[0];
  if (first === undefined) return error instanceof Error ? error.message : String(error);
  const where = first.location ? ` (${first.location.file}:${first.location.line}:${first.location.column})` : '';
  return `${first.text}${where}${messages.length > 1 ? ` and ${messages.length - 1} more error(s)` : ''}`;
}

/** Runs esbuild over the entry's module graph: project-local files and the package roots it imports. */
async function readGraph(entry: string, root: string): Promise<{ modules: string[]; packageRoots: string[] }> {
  const packageRoots = new Set<string>();
  const plugin: Plugin = {
    name: 'weft-code-version',
    setup(pluginBuild) {
      // Bare specifiers: external when they resolve into node_modules (npm packages); bundled when
      // they resolve elsewhere (workspace packages symlinked into node_modules are project code).
      pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === INNER || args.kind === 'entry-point') return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          namespace: args.namespace,
          resolveDir: args.resolveDir,
          with: args.with,
          pluginData: INNER,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const packageRoot = resolved.external ? undefined : packageRootOf(resolved.path);
        if (packageRoot !== undefined) {
          packageRoots.add(packageRoot);
          return { path: args.path, external: true };
        }
        const { path: resolvedPath, external, namespace, sideEffects, suffix, pluginData, warnings } = resolved;
        return { path: resolvedPath, external, namespace, sideEffects, suffix, pluginData: pluginData as unknown, warnings };
      });
    },
  };
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      plugins: [plugin],
    });
    const modules = Object.keys(result.metafile.inputs)
      .filter((input) => !/^[a-z][\w-]*:/i.test(input))
      .map((input) => path.resolve(root, input));
    return { modules, packageRoots: [...packageRoots] };
  } catch (error) {
    throw new DefinitionError('definition.bad_module', `cannot read the module graph of ${entry}: ${describeFailure(error)}`, {
      field: 'entry',
      entry,
    });
  }
}

/**
 * Remembers module graphs (per project root and entry) and module content hashes (per file) within
 * a process. An entry's graph is reused while every file in it and every imported package's
 * `package.json` keeps its stamp (mtime in ns, size, inode); any change rebuilds it. Known limit: a
 * new file that changes how an unchanged import resolves (adding `c.ts` next to `c/index.ts`) is
 * not noticed until some file of the graph changes or the cache is cleared.
 */
export class CodeVersionCache {
  private readonly graphs = new Map<string, CachedGraph>();
  private readonly contents = new Map<string, { readonly stamp: string; readonly hash: string }>();

  /** Forgets every cached graph and content hash. */
  clear(): void {
    this.graphs.clear();
    this.contents.clear();
  }

  /** The module graph of `entry` with content hashes and package versions (from the cache when still valid). */
  async graph(entry: string, root: string): Promise<Graph> {
    const key = `${root}\0${entry}`;
    let cached = this.graphs.get(key);
    if (cached === undefined || !(await this.stillValid(cached))) {
      const { modules, packageRoots } = await readGraph(entry, root);
      cached = {
        modules: await Promise.all(
          modules.map(async (abs) => ({ abs, rel: path.relative(root, abs).split(path.sep).join('/'), stamp: (await stampOf(abs)) ?? 'missing' })),
        ),
        packageFiles: await Promise.all(
          packageRoots.map(async (dir) => {
            const abs = path.join(dir, 'package.json');
            return { abs, stamp: (await stampOf(abs)) ?? 'missing' };
          }),
        ),
      };
      this.graphs.set(key, cached);
    }
    const modules = await Promise.all(cached.modules.map(async (m) => ({ rel: m.rel, hash: await this.contentHash(m) })));
    modules.sort((a, b) => compareCodePoints(a.rel, b.rel));
    const versions = new Map<string, Set<string>>();
    for (const file of cached.packageFiles) {
      const { name, version } = await readPackageJson(file.abs);
      const packageName = name ?? path.basename(path.dirname(file.abs));
      const set = versions.get(packageName) ?? new Set<string>();
      set.add(version ?? 'unversioned');
      versions.set(packageName, set);
    }
    const packages: Record<string, string> = {};
    for (const name of [...versions.keys()].sort(compareCodePoints)) packages[name] = [...versions.get(name)!].sort().join(', ');
    return { modules, packages };
  }

  private async stillValid(graph: CachedGraph): Promise<boolean> {
    const files = [...graph.modules, ...graph.packageFiles];
    const stamps = await Promise.all(files.map((file) => stampOf(file.abs)));
    return stamps.every((stamp, i) => stamp === files[i]!.stamp);
  }

  private async contentHash(file: Stamped): Promise<string> {
    const known = this.contents.get(file.abs);
    if (known !== undefined && known.stamp === file.stamp) return known.hash;
    const hash = sha256Hex(await readFile(file.abs));
    this.contents.set(file.abs, { stamp: file.stamp, hash });
    return hash;
  }
}

/** The process-wide cache used when a request names none. */
export const defaultCodeVersionCache = new CodeVersionCache();

/**
 * Computes an asset's code version.
 *
 * - With `explicitVersion`: `hashCanonical(['weft/code-version/v1', 'explicit', version, options ?? null])`;
 *   file contents are ignored.
 * - Otherwise esbuild bundles `entry` in memory (`platform: 'node'`, `format: 'esm'`) with every
 *   import that resolves into `node_modules` kept external, and the version is
 *   `hashCanonical(['weft/code-version/v1', 'graph', [[path, sha256(contents)]…], [[package, version]…], options ?? null])`
 *   over every project-local module of the graph (paths relative to `projectRoot`, sorted; files
 *   outside it appear as `../…`), the resolved version of every npm package imported (from the
 *   `package.json` at the package's root) and the options. Node built-ins are not recorded.
 *   Only statically analysable imports are followed (`import(variable)` is not).
 *
 * @throws DefinitionError `definition.bad_module` when the graph cannot be built (syntax error,
 * unresolved import), `definition.bad_option` for an empty explicit version; WeftError
 * `hashing.bad_value` for options outside {@link Canonical}.
 */
export async function computeCodeVersion(request: CodeVersionRequest): Promise<CodeVersionResult> {
  const options = request.options ?? null;
  if (request.explicitVersion !== undefined) {
    if (request.explicitVersion === '') {
      throw new DefinitionError('definition.bad_option', 'an explicit version must be a non-empty string', { field: 'version' });
    }
    const codeVersion = hashCanonical([CODE_VERSION_DOMAIN, 'explicit', request.explicitVersion, options]);
    return { codeVersion, modules: [], moduleHashes: {}, packages: {}, explicitVersion: request.explicitVersion };
  }
  const root = path.resolve(request.projectRoot);
  const entry = path.resolve(root, request.entry);
  const graph = await (request.cache ?? defaultCodeVersionCache).graph(entry, root);
  const codeVersion = hashCanonical([
    CODE_VERSION_DOMAIN,
    'graph',
    graph.modules.map((m) => [m.rel, m.hash]),
    Object.entries(graph.packages).map(([name, version]) => [name, version]),
    options,
  ]);
  const moduleHashes: Record<string, string> = {};
  for (const m of graph.modules) moduleHashes[m.rel] = m.hash;
  return { codeVersion, modules: graph.modules.map((m) => m.rel), moduleHashes, packages: graph.packages };
}
