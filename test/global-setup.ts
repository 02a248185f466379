/**
 * Global setup of the `services` vitest project: starts real PostgreSQL, the Temporal dev server
 * and MinIO once per run, migrates the template database, bundles the workflows, and hands their
 * coordinates to the test files (`useServices()` and friends in @weft/services/harness).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, pgDatabase } from '@weft/store';
import { startTestServices } from '@weft/services/harness';
import pg from 'pg';
import { bundleWorkflows } from '@weft/workers';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bundleDir = mkdtempSync(join(tmpdir(), 'weft-bundle-'));
  const services = await startTestServices({
    // Every test file's database is a copy of this template, migrated once per run.
    prepareTemplate: async (url) => {
      const db = pgDatabase(new pg.Pool({ connectionString: url, max: 2 }));
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
    },
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
