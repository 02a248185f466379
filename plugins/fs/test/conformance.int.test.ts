/** The fs plugin against the conformance suites of its kinds, on the real file system. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeConnectorConformance, describeStorageConformance } from '@weft/plugin-testkit';
import { fsFiles, fsStorage } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'weft-fs-conformance-'));

describeStorageConformance('fs', async () => ({ storage: fsStorage({ root }), cleanup: async () => rmSync(root, { recursive: true, force: true }) }), {
  streaming: true,
  crashWriter: { module: new URL('../src/index.ts', import.meta.url), exportName: 'fsStorage', args: [{ root }] },
});

function filesUnderTest(pattern: string, path: (key: string) => string) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-fs-files-'));
    return {
      connector: fsFiles({ root: dir, key: pattern }),
      write: async (key: string, bytes: Uint8Array) => {
        const file = join(dir, path(key));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, bytes);
      },
      remove: (key: string) => rm(join(dir, path(key))),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  };
}

// Versions are size and modification time: a rewrite of the same bytes may change them.
describeConnectorConformance('fs files by date', filesUnderTest('readings/{date}.csv', (k) => `readings/${k}.csv`), { keys: ['2024-01-01', '2024-01-02', '2024-01-03'], contentVersions: false, settleMs: 20 });
describeConnectorConformance('fs files by key', filesUnderTest('{key}.txt', (k) => `${k}.txt`), { keys: ['alpha', 'beta', 'gamma'], contentVersions: false, dynamicKeys: ['customer-acme', 'customer-zen'], settleMs: 20 });
