import { type Canonical, type Definition } from '@weft/core';
import { computeCodeVersion } from './code-version.js';

/** Code versions of every asset, with what went into each (for the deployment record). */
export interface DeploymentCode {
  readonly codeVersions: Record<string, string>;
  readonly details: Record<string, { modules: string[]; packages: Record<string, string>; explicit: boolean }>;
}

/**
 * Computes each asset's code version: its explicit `version`, else the hash of its module graph
 * (project modules it imports, resolved npm versions) and its options.
 */
export async function deploymentCode(definitions: readonly Definition[], projectRoot: string): Promise<DeploymentCode> {
  const codeVersions: Record<string, string> = {};
  const details: DeploymentCode['details'] = {};
  for (const def of definitions) {
    if (def.kind !== 'asset') continue;
    const options = JSON.parse(JSON.stringify({ ...def.options, partitions: def.partitions.toSpec(), inputs: Object.fromEntries(Object.entries(def.inputs).map(([name, spec]) => [name, spec.kind === 'input' ? { upstream: spec.upstream.key, mapping: spec.mapping?.toSpec() ?? null } : { upstream: spec.key }])) })) as Canonical;
    if (def.options.version === undefined && def.module === undefined) {
      throw new Error(`asset ${def.key}: cannot tell which module defines it; give it a version or a module`);
    }
    const result = await computeCodeVersion({
      entry: def.module ?? '',
      projectRoot,
      options,
      ...(def.options.version !== undefined ? { explicitVersion: def.options.version } : {}),
    });
    codeVersions[def.key] = result.codeVersion;
    details[def.key] = { modules: result.modules, packages: result.packages, explicit: def.options.version !== undefined };
  }
  return { codeVersions, details };
}
