import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectDefinitions, DefinitionError, loadDefinitions, loadPlugins, type Definition, type LoadedPlugins, type WeftConfig } from '@weft/core';
import { glob } from 'tinyglobby';
import { freshUrl, registerFreshModules } from './dev/fresh-modules.js';

/** A loaded project: its config, its definitions and where it lives. */
export interface Project {
  readonly root: string;
  readonly configPath: string;
  readonly config: WeftConfig;
  readonly definitions: Definition[];
  readonly location: string;
  /** The config's plugins, checked (built for this Weft, no clashes). */
  readonly plugins: LoadedPlugins;
}

const CONFIG_NAMES = ['weft.config.ts', 'weft.config.mts', 'weft.config.js', 'weft.config.mjs'];

/** Options of {@link loadProject}. */
export interface LoadProjectOptions {
  /**
   * Load generation N of the project's modules: fresh instances of weft.config.ts, the asset
   * modules and every project-local module they import (packages stay shared), so a project
   * edited since an earlier load is loaded as it is now (`weft dev` reloads this way).
   * @default the modules as Node caches them (a second load returns the first one's code)
   */
  readonly generation?: number;
}

/**
 * Loads `weft.config.ts` from `dir` and the asset modules its `assets` globs name (TypeScript is
 * compiled on load by the tsx loader the `weft` command registers), and validates the definitions.
 */
export async function loadProject(dir: string, options: LoadProjectOptions = {}): Promise<Project> {
  const root = resolve(dir);
  const { generation } = options;
  if (generation !== undefined) registerFreshModules(root);
  const url = (path: string): string => (generation === undefined ? pathToFileURL(path).href : freshUrl(path, generation));
  const configPath = CONFIG_NAMES.map((n) => join(root, n)).find((p) => existsSync(p));
  if (!configPath) throw new DefinitionError('definition.bad_option', `no weft.config.ts in ${root} (create one with defineConfig({ assets: ['./assets/**/*.ts'] }))`, { field: 'config' });
  const loaded = (await import(url(configPath))) as { default?: WeftConfig };
  const config = loaded.default;
  if (!config || typeof config !== 'object') throw new DefinitionError('definition.bad_option', `${configPath} must export default defineConfig({ … })`, { field: 'config' });
  const patterns = config.assets ?? ['./assets/**/*.ts'];
  const files = (await glob([...patterns], { cwd: dirname(configPath), absolute: true })).sort();
  if (files.length === 0) throw new DefinitionError('definition.bad_option', `no asset modules match ${JSON.stringify(patterns)} in ${dirname(configPath)}`, { field: 'assets' });
  const modules: Array<Record<string, unknown>> = [];
  for (const file of files) modules.push((await import(url(file))) as Record<string, unknown>);
  const definitions = collectDefinitions(modules);
  loadDefinitions(definitions); // validates: throws a DefinitionError naming the asset and field
  const plugins = loadPlugins(config.plugins, { storage: config.storage !== undefined, compute: Object.keys(config.compute ?? {}) });
  return { root, configPath, config, definitions, location: config.location ?? 'default', plugins };
}
