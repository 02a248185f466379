/**
 * The parts of `weft dev`'s redeploy on save that need no services: which weft.config.ts changes a
 * redeploy applies and which need a restart, and the project watcher (real files, real events):
 * bursts reported once, only source files, the state folder, node_modules and dot-folders ignored.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineConfig, type WeftConfig } from '@weft/core';
import { fsStorage } from '@weft/plugin-fs';
import { afterAll, describe, expect, it } from 'vitest';
import { configChanges } from '../src/dev/config-changes.js';
import { watchProject, type ProjectChange } from '../src/dev/watch-project.js';
import { eventually } from './helpers.js';

describe('configChanges', () => {
  const base = (): WeftConfig => defineConfig({ location: 'a', assets: ['./assets/*.ts'], concurrency: { global: 4 }, storage: fsStorage({ root: '/tmp/x' }) });
  it.each<[string, (c: WeftConfig) => WeftConfig, boolean, { reloaded: string[]; needRestart: string[]; mayNeedRestart: string[] }]>([
    ['the same config loaded again (an asset module was edited)', (c) => c, false, { reloaded: [], needRestart: [], mayNeedRestart: [] }],
    ['new assets globs', (c) => ({ ...c, assets: ['./assets/**/*.ts'] }), true, { reloaded: ['assets'], needRestart: [], mayNeedRestart: ['storage'] }],
    ['other concurrency limits', (c) => ({ ...c, concurrency: { global: 8 } }), true, { reloaded: ['concurrency'], needRestart: [], mayNeedRestart: ['storage'] }],
    ['a batch size and retention', (c) => ({ ...c, batchSize: 16, retention: { events: '30d' } }), true, { reloaded: ['batchSize', 'retention'], needRestart: [], mayNeedRestart: ['storage'] }],
    ['another location', (c) => ({ ...c, location: 'b' }), true, { reloaded: [], needRestart: ['location'], mayNeedRestart: ['storage'] }],
    // (fsStorage's root is in a closure: the same shape, so only "may have changed".)
    ['storage with another root', (c) => ({ ...c, storage: fsStorage({ root: '/tmp/y' }) }), true, { reloaded: [], needRestart: [], mayNeedRestart: ['storage'] }],
    ['no storage any more', (c) => ({ ...c, storage: undefined }), true, { reloaded: [], needRestart: ['storage'], mayNeedRestart: [] }],
    ['Temporal settings', (c) => ({ ...c, temporal: { address: 'temporal:7233' } }), true, { reloaded: [], needRestart: ['temporal'], mayNeedRestart: ['storage'] }],
  ])('%s', (_what, change, edited, expected) => {
    expect(configChanges(base(), change(base()), edited)).toEqual(expected);
  });
});

describe('watchProject', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-watch-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reports a burst of edits once, only source files, outside the ignored folders', async () => {
    for (const dir of ['assets', 'lib', '.weft', 'node_modules/pkg', 'dist', '.git']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'assets/a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'lib/old.ts'), 'export {};\n');
    const bursts: ProjectChange[][] = [];
    const errors: Error[] = [];
    const watch = watchProject({ root, ignore: [join(root, '.weft')], debounceMs: 1_000, onChange: (c) => bursts.push(c), onError: (e) => errors.push(e) });
    try {
      await watch.ready;
      // An editor's save: several writes in a row; plus a new helper, a removed one, and noise.
      for (let i = 2; i <= 5; i++) {
        writeFileSync(join(root, 'assets/a.ts'), `export const a = ${i};\n`);
        await sleep(20);
      }
      writeFileSync(join(root, 'lib/helper.mts'), 'export const h = 1;\n');
      unlinkSync(join(root, 'lib/old.ts'));
      writeFileSync(join(root, 'data.json'), '{}\n');
      for (const noise of ['.weft/dev.json', 'node_modules/pkg/index.js', 'dist/a.js', '.git/index.json', 'notes.md', 'assets/.a.ts.swp']) writeFileSync(join(root, noise), 'x');
      await eventually('the burst reported', async () => bursts.length > 0, 30_000);
      // (Quiet for a while more: nothing else comes.)
      await sleep(1_500);
      expect(bursts).toEqual([
        [
          { kind: 'changed', path: 'assets/a.ts' },
          { kind: 'added', path: 'data.json' },
          { kind: 'added', path: 'lib/helper.mts' },
          { kind: 'removed', path: 'lib/old.ts' },
        ],
      ]);
      // A later edit is a burst of its own.
      writeFileSync(join(root, 'weft.config.ts'), 'export default {};\n');
      await eventually('the second burst reported', async () => bursts.length > 1, 30_000);
      expect(bursts[1]).toEqual([{ kind: 'added', path: 'weft.config.ts' }]);
      expect(errors).toEqual([]);
    } finally {
      await watch.close();
    }
  });
});
