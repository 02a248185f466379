import { resolve } from 'node:path';
import type { Output } from '../database.js';
import { loadProject } from '../project.js';
import type { PluginInstance } from '@weft/core';

/** `weft plugins`: the project's plugins, their versions, the Weft versions they work with and what they provide. */
export async function runPlugins(options: { dir: string; json: boolean }, out: Output): Promise<number> {
  const project = await loadProject(resolve(options.dir));
  const rows = project.plugins.plugins.map((p) => ({ name: p.name, version: p.version, weft: p.weft, provides: p.provides, options: p.options }));
  if (options.json) {
    out.log(JSON.stringify(rows));
    return 0;
  }
  if (rows.length === 0) {
    out.log(`no plugins in ${project.configPath} (storage: ${project.config.storage ? project.config.storage.scheme : 'the local folder .weft/objects'})`);
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) out.log(`${r.name.padEnd(width)}  ${r.version.padEnd(8)} weft ${r.weft.padEnd(10)} ${describeProvides(r.provides)}`);
  return 0;
}

/** What a plugin provides, in words (`storage; compute kubernetes; connectors table`). */
export function describeProvides(provides: PluginInstance['provides']): string {
  const parts = [provides.storage ? 'storage' : '', provides.compute.length ? `compute ${provides.compute.join(', ')}` : '', provides.connectors.length ? `connectors ${provides.connectors.join(', ')}` : '', provides.checks.length ? `checks ${provides.checks.join(', ')}` : '', provides.listeners.length ? `listeners ${provides.listeners.join(', ')}` : ''].filter(Boolean);
  return parts.join('; ') || 'nothing';
}
