import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type * as hashing from '../../src/hashing/index.js';
import { computeToken, RangeHashTree, dataVersionOf, canonicalJson, sourceDataVersion } from '../../src/hashing/index.js';

const hashingDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/hashing');
const NOT_PURE = new Set(['code-version.ts', 'index.ts']);

async function pureFiles(): Promise<string[]> {
  return (await readdir(hashingDir)).filter((f) => f.endsWith('.ts') && !NOT_PURE.has(f)).sort();
}

describe('workflow safety of the pure hashing modules', () => {
  it('import neither node:* modules, Buffer, nor code-version', async () => {
    for (const file of await pureFiles()) {
      const source = await readFile(path.join(hashingDir, file), 'utf8');
      expect(source, file).not.toMatch(/from ['"](node:|fs|path|crypto|esbuild)/);
      expect(source, file).not.toMatch(/code-version/);
      expect(source, file).not.toMatch(/\bBuffer\.\w/);
    }
  });

  it('bundle for a neutral platform and give the same hashes without node:crypto', async () => {
    const entry = (await pureFiles()).map((f) => `export * from './${f.replace(/\.ts$/, '.js')}';`).join('\n');
    const result = await build({
      stdin: { contents: entry, resolveDir: hashingDir, loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'iife',
      globalName: 'hashing',
      logLevel: 'silent',
    });
    // A bare context like Temporal's workflow sandbox: no `process`, no `require`, no Buffer.
    const sandbox: Record<string, unknown> = { TextEncoder, TextDecoder };
    vm.runInNewContext(result.outputFiles[0]!.text, sandbox);
    const pure = sandbox.hashing as typeof hashing;
    expect(pure.nativeSha256Available).toBe(false);

    const bytes = new TextEncoder().encode('{"a":1}');
    expect(pure.dataVersionOf(bytes)).toBe(dataVersionOf(bytes));
    expect(pure.sourceDataVersion({ etag: 'x' })).toBe(sourceDataVersion({ etag: 'x' }));
    expect(pure.canonicalJson({ b: [1], a: 'é' })).toBe(canonicalJson({ b: [1], a: 'é' }));
    const versions = Array.from({ length: 5000 }, (_, i) => dataVersionOf(new Uint8Array([i, i >> 8])));
    const nativeTree = new RangeHashTree();
    const pureTree = new pure.RangeHashTree();
    nativeTree.setLeaves(0, versions);
    pureTree.setLeaves(0, versions);
    pureTree.setLeaf(7, 'etag-not-a-digest');
    nativeTree.setLeaf(7, 'etag-not-a-digest');
    expect(pureTree.rangeHash(3, 4999)).toBe(nativeTree.rangeHash(3, 4999));
    const request = {
      assetKey: 'a',
      codeVersion: 'c',
      partitionKey: '2024-01-01',
      inputs: [
        { name: 'x', assetKey: 'u', partitionKey: null, dataVersion: versions[0]! },
        { name: 'r', assetKey: 'v', count: 4996, combinedHash: nativeTree.rangeHash(3, 4999) },
      ],
    };
    expect(pure.computeToken(request)).toBe(computeToken(request));
  });
});
