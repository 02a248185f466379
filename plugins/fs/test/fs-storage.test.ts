import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
