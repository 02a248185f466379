/**
 * Fresh instances of a project's modules for `weft dev`'s reloads: registers the hooks of
 * `fresh-modules-hooks.ts` for a project root and names the URLs that load generation N of a
 * module (see there for how a generation reaches the modules it imports).
 */
import { randomUUID } from 'node:crypto';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { GENERATION_PARAM, type FreshModulesData } from './fresh-modules-hooks.js';

const registered = new Set<string>();

/**
 * Makes project-local modules under `root` loadable afresh (once per root and process). Must run
 * after tsx's loader is registered (the `weft` bin does that first): the hooks are TypeScript.
 */
export function registerFreshModules(root: string): void {
  if (registered.has(root)) return;
  const data: FreshModulesData = { roots: [root] };
  // (A query of its own per registration: each registration is its own instance in the chain.)
  register(`./fresh-modules-hooks.ts?${randomUUID()}`, { parentURL: import.meta.url, data });
  registered.add(root);
}

/** The URL that imports generation `generation` of the module at `path` (and, through it, of what it imports). */
export function freshUrl(path: string, generation: number): string {
  const url = pathToFileURL(path);
  url.searchParams.set(GENERATION_PARAM, String(generation));
  return url.href;
}

/** `text` without the generation queries of module URLs (error messages and stacks read as plain paths). */
export function withoutGenerations(text: string): string {
  return text.replace(new RegExp(`\\?${GENERATION_PARAM}=\\d+`, 'g'), '');
}
