/**
 * The package is publishable as it stands: `npm pack --dry-run` builds it (prepack) and would ship
 * exactly the compiled modules with their declarations, the README and package.json — no sources,
 * tests or fixtures — and `exports` points at files that are in it.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jsonl } from '../src/index.js';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('the package', () => {
  it('packs the built modules, their declarations and the README, nothing else', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts=false'], { cwd: dir, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ name: string; files: Array<{ path: string }> }>;
    const files = (packed?.files ?? []).map((f) => f.path).sort();
    const modules = readdirSync(new URL('../src', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect(modules.length).toBeGreaterThanOrEqual(4);
    expect(files).toEqual([...modules.flatMap((m) => [`dist/${m}.d.ts`, `dist/${m}.js`]), 'README.md', 'package.json'].sort());
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string; exports: Record<string, Record<string, string>>; peerDependencies: Record<string, string> };
    for (const target of Object.values(pkg.exports['.'] ?? {})) expect(files).toContain(target.replace(/^\.\//, ''));
    // The plugin says what package.json says: its name and version, and the Weft range of the peer dependency.
    expect([jsonl.pluginName, jsonl.version, jsonl.weft]).toEqual([pkg.name, pkg.version, pkg.peerDependencies['@weft/core']]);
  }, 300_000);
});
