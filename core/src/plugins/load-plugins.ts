/**
 * The plugins of a project's `weft.config.ts`: checked together (each built for this Weft, no
 * name twice, one storage at most, compute names unique), and what they provide, created when the
 * worker starts.
 */
import type { ObjectStorage } from '../storage/object-storage.js';
import { PluginError } from '../errors.js';
import type { ComputeProvider } from './compute.js';
import type { MaterializationListener } from './listener.js';
import { checkCompatible, isPluginInstance, WEFT_VERSION, type PluginInstance } from './define-plugin.js';

/** A project's checked plugins. */
export interface LoadedPlugins {
  readonly plugins: readonly PluginInstance[];
  /** The storage a plugin provides, if one does (undefined otherwise). */
  storage(): Promise<ObjectStorage | undefined>;
  /** Every compute provider the plugins provide, by name. */
  compute(): Promise<Record<string, ComputeProvider>>;
  /** Every listener of every plugin. */
  listeners(): Promise<MaterializationListener[]>;
}

/**
 * Checks `plugins` (the config's `plugins` list). `configured` names what the config sets itself:
 * a `storage` (then no plugin may provide one too) and `compute` names (a plugin's must differ).
 */
export function loadPlugins(plugins: unknown, configured: { storage?: boolean; compute?: readonly string[] } = {}, weftVersion: string = WEFT_VERSION): LoadedPlugins {
  if (plugins === undefined) plugins = [];
  if (!Array.isArray(plugins)) throw new PluginError('plugin.bad_option', 'weft.config: plugins must be a list of configured plugins, e.g. plugins: [s3({ … })]', { plugin: 'weft.config', field: 'plugins' });
  const byName = new Map<string, PluginInstance>();
  const computeOwner = new Map<string, string>((configured.compute ?? []).map((n) => [n, 'weft.config compute']));
  let storageOwner: string | undefined = configured.storage ? 'weft.config storage' : undefined;
  plugins.forEach((p: unknown, i) => {
    if (!isPluginInstance(p)) {
      const hint = typeof p === 'function' ? ' (a plugin not called: write plugin({ …options }))' : '';
      throw new PluginError('plugin.bad_option', `weft.config: plugins[${i}] is not a configured plugin${hint}`, { plugin: 'weft.config', field: `plugins[${i}]` });
    }
    checkCompatible(p.name, p.weft, weftVersion);
    if (byName.has(p.name)) throw new PluginError('plugin.bad_option', `weft.config: plugin ${p.name} is listed twice`, { plugin: p.name, field: `plugins[${i}]` });
    byName.set(p.name, p);
    if (p.provides.storage) {
      if (storageOwner) throw new PluginError('plugin.bad_option', `weft.config: plugin ${p.name} provides storage, and so does ${storageOwner}: a project stores its values in one place`, { plugin: p.name, field: 'storage' });
      storageOwner = `plugin ${p.name}`;
    }
    for (const n of p.provides.compute) {
      const owner = computeOwner.get(n);
      if (owner) throw new PluginError('plugin.bad_option', `weft.config: compute provider ${JSON.stringify(n)} of plugin ${p.name} is also provided by ${owner}`, { plugin: p.name, field: `compute.${n}` });
      computeOwner.set(n, `plugin ${p.name}`);
    }
  });
  const list = [...byName.values()];
  return {
    plugins: list,
    storage: async () => {
      const provider = list.find((p) => p.provides.storage);
      return provider ? await provider.storage() : undefined;
    },
    compute: async () => Object.assign({}, ...(await Promise.all(list.map((p) => p.compute())))) as Record<string, ComputeProvider>,
    listeners: async () => (await Promise.all(list.map((p) => p.listeners()))).flat(),
  };
}
