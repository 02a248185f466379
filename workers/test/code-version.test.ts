import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DefinitionError, sha256Hex } from '@weft/core';
import { CodeVersionCache, computeCodeVersion, type CodeVersionRequest } from '../src/code-version.js';

const repoNodeModules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules');
let root: string;
let cache: CodeVersionCache;

const files: Record<string, string> = {
  'a.ts': [
    "import { DateTime } from 'luxon';",
    "import { shared } from '@acme/shared';",
    "import { b } from './helpers/b.js';",
    'export const a = () => b() + shared + DateTime.fromMillis(0).year;',
  ].join('\n'),
  'helpers/b.ts': "import { c } from './c.js';\nexport const b = () => c();\n",
  'helpers/c.ts': 'export const c = () => 1;\n',
  'd.ts': 'export const d = 1;\n',
  'packages/shared/package.json': JSON.stringify({ name: '@acme/shared', version: '1.0.0', type: 'module', exports: './index.ts' }),
  'packages/shared/index.ts': 'export const shared = 2;\n',
};

async function write(file: string, contents: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), contents);
}

const version = (request: Partial<CodeVersionRequest> = {}) => computeCodeVersion({ entry: 'a.ts', projectRoot: root, cache, ...request });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'weft-code-version-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'node_modules/@acme'), { recursive: true });
  for (const [file, contents] of Object.entries(files)) await write(file, contents);
  // An npm package (resolves into node_modules) and a workspace package (symlinked project code).
  await symlink(path.join(repoNodeModules, 'luxon'), path.join(root, 'node_modules/luxon'));
  await symlink(path.join(root, 'packages/shared'), path.join(root, 'node_modules/@acme/shared'));
  cache = new CodeVersionCache();
});

describe('computeCodeVersion', () => {
  it('records the project-local module graph, module hashes and npm package versions', async () => {
    const result = await version();
    const luxon = JSON.parse(await readFile(path.join(repoNodeModules, 'luxon/package.json'), 'utf8')) as { version: string };
    expect(result.codeVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(result.modules).toEqual(['a.ts', 'helpers/b.ts', 'helpers/c.ts', 'packages/shared/index.ts']);
    expect(result.moduleHashes['helpers/c.ts']).toBe(sha256Hex(files['helpers/c.ts']!));
    expect(result.packages).toEqual({ luxon: luxon.version });
    expect(await version({ entry: path.join(root, 'a.ts') })).toEqual(result);
  });

  it('changes when a transitively imported helper changes (cached or not)', async () => {
    const before = await version();
    await write('helpers/c.ts', 'export const c = () => 42;\n');
    const after = await version();
    expect(after.codeVersion).not.toBe(before.codeVersion);
    expect(after.moduleHashes['helpers/c.ts']).not.toBe(before.moduleHashes['helpers/c.ts']);
    expect((await version({ cache: new CodeVersionCache() })).codeVersion).toBe(after.codeVersion);
  });

  it('changes when a workspace package the asset imports changes', async () => {
    const before = await version();
    await write('packages/shared/index.ts', 'export const shared = 3;\n');
    expect((await version()).codeVersion).not.toBe(before.codeVersion);
  });

  it('follows a new import added to a module of the graph', async () => {
    const before = await version();
    await write('helpers/c.ts', "import { d } from '../d.js';\nexport const c = () => d;\n");
    const after = await version();
    expect(after.modules).toContain('d.ts');
    expect(after.codeVersion).not.toBe(before.codeVersion);
  });

  it('does not change when an unrelated file changes', async () => {
    const before = await version();
    await write('d.ts', 'export   const d =\n  1 ;\n// reformatted\n');
    await write('e.ts', 'export const e = 1;\n');
    expect(await version()).toEqual(before);
    expect(await version({ cache: new CodeVersionCache() })).toEqual(before);
  });

  it('changes with the options, whatever their key order', async () => {
    const base = await version({ options: { retries: 3, mode: 'fast' } });
    expect((await version({ options: { mode: 'fast', retries: 3 } })).codeVersion).toBe(base.codeVersion);
    expect((await version({ options: { retries: 4, mode: 'fast' } })).codeVersion).not.toBe(base.codeVersion);
    expect((await version()).codeVersion).not.toBe(base.codeVersion);
  });

  it('uses an explicit version instead of the files', async () => {
    const explicit = await version({ explicitVersion: 'v3' });
    expect(explicit).toMatchObject({ modules: [], packages: {}, explicitVersion: 'v3' });
    await write('helpers/c.ts', 'export const c = () => 7;\n');
    await write('a.ts', 'this is not even valid TypeScript {');
    expect((await version({ explicitVersion: 'v3' })).codeVersion).toBe(explicit.codeVersion);
    expect((await version({ explicitVersion: 'v4' })).codeVersion).not.toBe(explicit.codeVersion);
    expect((await version({ explicitVersion: 'v3', options: { x: 1 } })).codeVersion).not.toBe(explicit.codeVersion);
    await expect(version({ explicitVersion: '' })).rejects.toMatchObject({ code: 'definition.bad_option' });
  });

  it('reports a module graph that cannot be built as a DefinitionError', async () => {
    await write('helpers/c.ts', "import { missing } from './nowhere.js';\nexport const c = missing;\n");
    const error: unknown = await version().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error).toMatchObject({ code: 'definition.bad_module', context: { field: 'entry' } });
    expect((error as Error).message).toMatch(/nowhere/);
  });
});
