/**
 * `loadProject(dir, { generation })` loads the project's modules afresh: after an edit of a helper
 * module an asset imports, the next generation's asset computes with the new helper, while
 * @weft/core stays one shared instance (definitions and errors of the reloaded modules are the
 * running process's classes) and the asset's module path (its code version's entry) is plain.
 * Runs in a child process like the `weft` bin (tsx's loader registered first): vitest's own module
 * runner does not go through Node's loader hooks.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'weft-fresh-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files: Record<string, string> = {
  'package.json': '{ "type": "module" }\n',
  'weft.config.ts': "import { defineConfig } from '@weft/core';\nexport default defineConfig({ location: 'fresh', assets: ['./assets/*.ts'] });\n",
  'lib/factor.ts': 'export const factor = 2;\n',
  'assets/scaled.ts': [
    "import { asset, daily } from '@weft/core';",
    "import { factor } from '../lib/factor.ts';",
    "export { asset as coreAsset };",
    "export const scaled = asset({ key: 'scaled', partitions: daily({ start: '2024-01-01', end: '2024-01-03' }), compute: () => 10 * factor });",
    '',
  ].join('\n'),
  // Loads generation 1, edits the helper, loads generation 2, then 2 again; prints what each gives.
  'driver.ts': [
    "import { writeFileSync } from 'node:fs';",
    "import * as core from '@weft/core';",
    'const { loadProject } = await import(process.env.PROJECT_MODULE!);',
    'const dir = process.cwd();',
    'const run = async (generation: number) => {',
    '  const project = await loadProject(dir, { generation });',
    "  const def = project.definitions.find((d: { key: string }) => d.key === 'scaled');",
    '  const mod = await import(`${dir}/assets/scaled.ts?weft-gen=${generation}`);',
    '  return { value: await def.compute({}, {}), module: def.module, sameCore: mod.coreAsset === core.asset && mod.scaled === def, def };',
    '};',
    'const first = await run(1);',
    "writeFileSync(`${dir}/lib/factor.ts`, 'export const factor = 3;\\n');",
    'const second = await run(2);',
    'const again = await run(2);',
    'const plain = await import(`${dir}/assets/scaled.ts`);',
    'process.stdout.write(JSON.stringify({',
    '  values: [first.value, second.value, again.value], modules: [first.module, second.module],',
    '  sameGenerationCached: again.def === second.def, newGenerationFresh: first.def !== second.def,',
    '  coreShared: first.sameCore && second.sameCore, plainImportUntouched: plain.scaled !== first.def && plain.scaled !== second.def,',
    '}));',
    '',
  ].join('\n'),
};

describe('loadProject with a generation', () => {
  it('loads edited project modules afresh and keeps packages shared', async () => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'driver.ts'], {
      cwd: dir,
      env: { ...process.env, PROJECT_MODULE: new URL('../src/project.ts', import.meta.url).href },
      timeout: 120_000,
    });
    let out: Record<string, unknown>;
    try {
      out = JSON.parse(stdout) as Record<string, unknown>;
    } catch {
      throw new Error(`the driver printed no JSON:\n${stdout}\n${stderr}`);
    }
    expect(out).toEqual({
      values: [20, 30, 30],
      modules: [join(dir, 'assets/scaled.ts'), join(dir, 'assets/scaled.ts')],
      sameGenerationCached: true,
      newGenerationFresh: true,
      coreShared: true,
      plainImportUntouched: true,
    });
  }, 150_000);
});
