import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftError } from '@weft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fsStorage } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'weft-fs-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fsStorage', () => {
  const storage = fsStorage({ root });

  it('round-trips bytes through a file URI', async () => {
    const bytes = new TextEncoder().encode('héllo \u0000 world');
    const uri = await storage.put('assets/daily/2024-01-01.json', bytes);
    expect(uri.startsWith('file://')).toBe(true);
    expect(await storage.get(uri)).toEqual(bytes);
    expect(await storage.exists(uri)).toBe(true);
    await storage.delete(uri);
    expect(await storage.exists(uri)).toBe(false);
    await expect(storage.get(uri)).rejects.toMatchObject({ code: 'storage.not_found' });
  });

  it('overwrites atomically', async () => {
    const a = await storage.put('x/y', new Uint8Array([1]));
    const b = await storage.put('x/y', new Uint8Array([2, 3]));
    expect(a).toBe(b);
    expect(Array.from(await storage.get(b))).toEqual([2, 3]);
  });

  describe('content-addressed puts', () => {
    const bytes = new TextEncoder().encode('{"hour":"2024-01-01T00"}');

    it('creates the object in place and keeps a whole one already there', async () => {
      const uri = await storage.put('ca/ab/abcdef', bytes, { contentAddressed: true });
      expect(await storage.get(uri)).toEqual(bytes);
      const path = fileURLToPath(uri);
      const inode = statSync(path).ino;
      expect(await storage.put('ca/ab/abcdef', bytes, { contentAddressed: true })).toBe(uri);
      // The same file: found whole, not written again.
      expect(statSync(path).ino).toBe(inode);
      // No temporary file left beside it.
      expect(readdirSync(dirname(path))).toEqual(['abcdef']);
    });

    it('replaces a file a crash cut short under the name', async () => {
      const uri = await storage.put('ca/cd/cut', bytes, { contentAddressed: true });
      writeFileSync(fileURLToPath(uri), bytes.subarray(0, 5));
      expect(await storage.put('ca/cd/cut', bytes, { contentAddressed: true })).toBe(uri);
      expect(await storage.get(uri)).toEqual(bytes);
    });

    it('gives every one of many concurrent puts of the same bytes a whole object', async () => {
      const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i % 251);
      const uris = await Promise.all(Array.from({ length: 8 }, () => storage.put('ca/ef/big', big, { contentAddressed: true })));
      expect(new Set(uris).size).toBe(1);
      expect(Buffer.from(await storage.get(uris[0] as string)).equals(big)).toBe(true);
      expect(readdirSync(dirname(fileURLToPath(uris[0] as string)))).toEqual(['big']);
    });
  });

  it.each([
    ['', 'is empty'],
    ['../escape', '".."'],
    ['/abs', 'relative'],
    ['a//b', 'empty'],
    ['nul\0byte', 'NUL'],
  ])('rejects the key %j', async (key, why) => {
    const error = await storage.put(key, new Uint8Array()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeftError);
    expect((error as WeftError).code).toBe('storage.bad_key');
    expect((error as WeftError).message).toContain(why);
  });

  it('refuses URIs outside its folder', async () => {
    await expect(storage.get('file:///etc/passwd')).rejects.toMatchObject({ code: 'storage.bad_key' });
  });
});
