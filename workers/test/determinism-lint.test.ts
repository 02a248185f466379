import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint rules of eslint.config.js that keep DESIGN.md's dependency rules: checked here so a
// config change that silently drops one fails the tests, not only a later review.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}@${m.line}`);
}

describe('lint rules of the dependency boundaries', () => {
  it('keeps workflow code free of non-deterministic imports', async () => {
    const code = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { WeftError } from '@weft/core/workflow';",
      "import { helper } from './helper.js';",
      "import type { SmokeActivities } from '../activities/smoke.js';",
      "import { readFileSync } from 'node:fs';",
      "import { createSmokeActivities } from '../activities/smoke.js';",
      "import { WeftError as E2 } from '@weft/core';",
      'export const x = [proxyActivities, WeftError, helper, readFileSync, createSmokeActivities, E2, setTimeout, {} as SmokeActivities];',
    ].join('\n');
    const ids = await ruleIds(code, 'workers/src/workflows/probe.ts');
    expect(ids).toEqual(['no-restricted-imports@5', 'no-restricted-imports@6', 'no-restricted-imports@7', 'no-restricted-globals@8']);
  });

  it('keeps core free of other Weft packages, Temporal and the wall clock', async () => {
    const code = ["import { x } from '@weft/workers';", "import { Client } from '@temporalio/client';", 'export const t = [x, Client, Date.now(), new Date(), new Date(0)];'].join('\n');
    expect(await ruleIds(code, 'core/src/probe.ts')).toEqual([
      'no-restricted-imports@1',
      'no-restricted-imports@2',
      'no-restricted-properties@3',
      'no-restricted-syntax@3',
    ]);
  });

  it('lets plugins import only core, and nobody import src/ files of a package', async () => {
    const code = ["import { a } from '@weft/core';", "import { b } from '@weft/workers';", "import { c } from '@weft/plugin-s3';", "import { d } from '@weft/core/src/errors.js';", 'export const x = [a, b, c, d];'].join('\n');
    expect(await ruleIds(code, 'plugins/fs/src/probe.ts')).toEqual(['no-restricted-imports@2', 'no-restricted-imports@3', 'no-restricted-imports@4']);
    expect(await ruleIds("import { d } from '@weft/core/src/errors.js';\nexport const x = d;", 'cli/src/probe.ts')).toEqual(['no-restricted-imports@1']);
  });
});
