/**
 * Module resolution hooks (registered by {@link registerFreshModules}) that let `weft dev` load a
 * project's modules again after an edit. Node caches ES modules by URL, so a module imported
 * again is the old one; these hooks give every project-local module a generation in its URL
 * (`?weft-gen=N`), taken from the module that imports it. `weft dev` imports weft.config.ts and the
 * asset modules as `…?weft-gen=N`, and everything project-local they import, directly or not, comes
 * in as generation N too: fresh instances of the project's code, each reload its own.
 *
 * Packages (anything under `node_modules/`, and workspace packages other than the project's own,
 * such as `@weft/core`) keep their plain URLs and so stay one shared instance: definitions made by
 * a reloaded module are the same classes the worker checks with `instanceof`.
 *
 * These run in Node's hooks thread, after tsx's hooks compiled them: keep them self-contained.
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What {@link registerFreshModules} passes to the hooks. */
export interface FreshModulesData {
  /** Project roots (absolute paths) whose modules are reloaded. */
  readonly roots: readonly string[];
}

/** The query parameter holding a module's generation. */
export const GENERATION_PARAM = 'weft-gen';

interface ResolveContext {
  readonly parentURL?: string | undefined;
  readonly conditions?: readonly string[];
  readonly importAttributes?: Record<string, string>;
}
interface ResolveResult {
  readonly url: string;
  readonly format?: string | null | undefined;
  readonly shortCircuit?: boolean | undefined;
}
type NextResolve = (specifier: string, context?: ResolveContext) => ResolveResult | Promise<ResolveResult>;

let roots: string[] = [];
const packageDirs = new Map<string, string | null>();

/** Receives the roots to reload (a later registration adds its own: the hooks chain). */
export function initialize(data: FreshModulesData): void {
  roots = data.roots.map((r) => (r.endsWith(sep) ? r : r + sep));
}

/** Gives a project-local module imported by a module of generation N the same generation. */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  const resolved = await nextResolve(specifier, context);
  const generation = generationOf(context.parentURL);
  if (generation === undefined || !resolved.url.startsWith('file:')) return resolved;
  const url = new URL(resolved.url);
  if (url.searchParams.has(GENERATION_PARAM)) return resolved;
  const path = fileURLToPath(url);
  const root = roots.find((r) => path.startsWith(r));
  if (root === undefined || path.includes(`${sep}node_modules${sep}`)) return resolved;
  // A workspace package under the project (a monorepo's root as the project) is a package: shared.
  if (packageDir(dirname(path)) !== packageDir(root.slice(0, -1))) return resolved;
  url.searchParams.set(GENERATION_PARAM, generation);
  return { ...resolved, url: url.href };
}

function generationOf(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith('file:')) return undefined;
  return new URL(url).searchParams.get(GENERATION_PARAM) ?? undefined;
}

/** The folder of the nearest package.json at or above `dir` (null: none), remembered per folder. */
function packageDir(dir: string): string | null {
  const known = packageDirs.get(dir);
  if (known !== undefined) return known;
  const parent = dirname(dir);
  const found = existsSync(join(dir, 'package.json')) ? dir : parent === dir ? null : packageDir(parent);
  packageDirs.set(dir, found);
  return found;
}
