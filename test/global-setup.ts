/**
 * Global setup of the `services` vitest project: starts real PostgreSQL, the Temporal dev server
 * and MinIO once per run, migrates the template database, bundles the workflows, and hands their
 * coordinates to the test files (`useServices()` and friends in @weft/services/harness).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServices } from '@weft/services/harness';
import { bundleWorkflows } from '@weft/workers';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bundleDir = mkdtempSync(join(tmpdir(), 'weft-bundle-'));
  const services = await startTestServices({
    bundleWorkflows: async () => {
      const bundle = await bundleWorkflows();
      const path = join(bundleDir, 'workflows.js');
      writeFileSync(path, bundle.code);
      return path;
    },
  });
  project.provide('weft', services.info);
  return async () => {
    await services.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  };
}
