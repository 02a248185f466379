/**
 * The storage conformance suite: round trips of any bytes, overwrites, stable URIs, concurrent
 * writers, clear errors on missing objects, hostile keys refused, and — for storages that stream —
 * values far larger than memory, writes that fail or crash midway leaving nothing readable.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ObjectStorage } from '@weft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashWhileWriting, type CrashWriterOptions } from './crash-writer.js';
import { patternedChunks, rssSampler } from './streams.js';

/** A fresh storage, empty, against the real service. */
export interface StorageUnderTest {
  readonly storage: ObjectStorage;
  cleanup?(): Promise<void>;
}

export interface StorageCapabilities {
  /** It implements putStream/getStream. */
  readonly streaming: boolean;
  /** Bytes of the large-value test. @default 1 GiB */
  readonly largeBytes?: number;
  /** How much this process's memory may grow while streaming it. @default 256 MiB */
  readonly maxRssGrowthBytes?: number;
  /** How to crash a writer of this storage midway (a child process made from these options); without it the crash test is skipped and says so. */
  readonly crashWriter?: Omit<CrashWriterOptions, 'killAfterBytes'>;
  /** Time limit of the large-value test. @default 600 s */
  readonly largeTimeoutMs?: number;
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

const expectCode = async (p: Promise<unknown>, code: string, text?: RegExp): Promise<void> => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${code} error`).toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toBe(code);
  if (text) expect((error as Error).message).toMatch(text);
};

async function drain(source: AsyncIterable<Uint8Array>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Registers the storage conformance tests for `name`. */
export function describeStorageConformance(name: string, factory: () => Promise<StorageUnderTest>, capabilities: StorageCapabilities): void {
  describe(`storage conformance: ${name}`, () => {
    let under: StorageUnderTest;
    let storage: ObjectStorage;
    let n = 0;
    /** A key no other test of this run uses. */
    const key = (what: string): string => `conformance/${Date.now().toString(36)}-${n++}/${what}`;

    beforeAll(async () => {
      under = await factory();
      storage = under.storage;
    }, 120_000);
    afterAll(async () => {
      await under?.cleanup?.();
    }, 120_000);

    it('round-trips any bytes exactly: empty, one byte, every byte value, 4 MiB of random', async () => {
      const values = [new Uint8Array(0), new Uint8Array([0]), Uint8Array.from({ length: 256 }, (_, i) => i), new Uint8Array(randomBytes(4 * MiB))];
      for (const value of values) {
        const uri = await storage.put(key(`v${value.length}.bin`), value);
        expect(uri.startsWith(`${storage.scheme}:`), `${uri} has scheme ${storage.scheme}`).toBe(true);
        expect(Buffer.from(await storage.get(uri)).equals(Buffer.from(value))).toBe(true);
        expect(await storage.exists(uri)).toBe(true);
      }
    });

    it('hands out the same URI for the same key, and an overwrite replaces the value whole', async () => {
      const k = key('same.json');
      const first = await storage.put(k, new TextEncoder().encode('{"v":1}'));
      const again = await storage.put(k, new TextEncoder().encode('{"v":1}'));
      expect(again).toBe(first);
      const replaced = await storage.put(k, new TextEncoder().encode('{"v":2,"longer":true}'));
      expect(replaced).toBe(first);
      expect(new TextDecoder().decode(await storage.get(first))).toBe('{"v":2,"longer":true}');
    });

    it('stores content-addressed values as Weft does (concurrent writers of the same bytes, again after a delete)', async () => {
      const k = key('content/0f/0f1e2d');
      const value = new Uint8Array(64 * 1024).map((_, i) => (i * 7) % 256);
      const uris = await Promise.all(Array.from({ length: 6 }, () => storage.put(k, value, { contentAddressed: true })));
      expect(new Set(uris).size).toBe(1);
      expect(Buffer.from(await storage.get(uris[0]!)).equals(Buffer.from(value))).toBe(true);
      await storage.delete(uris[0]!);
      expect(await storage.put(k, value, { contentAddressed: true })).toBe(uris[0]);
      expect(Buffer.from(await storage.get(uris[0]!)).equals(Buffer.from(value))).toBe(true);
    });

    it('says clearly when an object is missing: get rejects with storage.not_found, exists is false, delete is quiet', async () => {
      const uri = await storage.put(key('gone.txt'), new TextEncoder().encode('x'));
      await storage.delete(uri);
      expect(await storage.exists(uri)).toBe(false);
      await expectCode(storage.get(uri), 'storage.not_found', /gone\.txt/);
      await storage.delete(uri);
      if (storage.getStream) await expectCode(drain(storage.getStream(uri)), 'storage.not_found');
    });

    it('keeps one whole value under concurrent writers of one key, and every value of concurrent writers of many keys', async () => {
      const k = key('contended.bin');
      const values = Array.from({ length: 12 }, (_, i) => new Uint8Array(256 * 1024).fill(i + 1));
      const uris = await Promise.all(values.map((v) => storage.put(k, v)));
      expect(new Set(uris).size).toBe(1);
      const final = await storage.get(uris[0]!);
      expect(final.length).toBe(256 * 1024);
      expect(final.every((b) => b === final[0]), 'the value is one writer’s, not a mix').toBe(true);
      const many = await Promise.all(values.map((v, i) => storage.put(key(`many-${i}.bin`), v)));
      for (const [i, uri] of many.entries()) expect((await storage.get(uri))[0]).toBe(i + 1);
    });

    it('refuses hostile keys with storage.bad_key, and writes nothing for them', async () => {
      const hostile = ['', '../escape.txt', 'a/../../escape.txt', '/etc/passwd', 'a//b', 'nul\u0000byte', `long/${'x'.repeat(1024 * 1024)}`];
      for (const bad of hostile) {
        await expectCode(storage.put(bad, new TextEncoder().encode('no')), 'storage.bad_key');
        if (storage.putStream) await expectCode(storage.putStream(bad, patternedChunks(10)), 'storage.bad_key');
      }
      // A URI that names something outside the storage is refused too, never read.
      const outside = storage.scheme === 'file' ? 'file:///etc/passwd' : `${storage.scheme}://not-this-bucket/x`;
      const read = await storage.get(outside).then(
        () => 'read',
        (e: unknown) => (e as { code?: string }).code,
      );
      expect(['storage.bad_key', 'storage.not_found']).toContain(read);
    });

    if (!capabilities.streaming) {
      it.skip(`streams large values (${name} does not stream: putStream/getStream absent)`, () => {});
      return;
    }

    const large = capabilities.largeBytes ?? GiB;
    const maxGrowth = capabilities.maxRssGrowthBytes ?? 256 * MiB;
    it(
      `streams a ${(large / MiB).toFixed(0)} MiB value in and out without holding it in memory (growth ≤ ${(maxGrowth / MiB).toFixed(0)} MiB)`,
      async () => {
        const k = key('large.bin');
        const written = createHash('sha256');
        globalThis.gc?.();
        const writing = rssSampler();
        const uri = await storage.putStream!(k, patternedChunks(large, MiB, written));
        const writeGrowth = writing.stop();
        const sha = written.digest('hex');
        globalThis.gc?.();
        const reading = rssSampler();
        const read = await drain(storage.getStream!(uri));
        const readGrowth = reading.stop();
        expect(read).toEqual({ bytes: large, sha256: sha });
        expect(writeGrowth, `memory grew ${(writeGrowth / MiB).toFixed(0)} MiB while writing`).toBeLessThanOrEqual(maxGrowth);
        expect(readGrowth, `memory grew ${(readGrowth / MiB).toFixed(0)} MiB while reading`).toBeLessThanOrEqual(maxGrowth);
        await storage.delete(uri);
      },
      capabilities.largeTimeoutMs ?? 600_000,
    );

    it('leaves nothing readable when a streamed write fails midway, and keeps the old value of an overwrite', async () => {
      const fresh = key('failed.bin');
      await expect(storage.putStream!(fresh, patternedChunks(64 * MiB, MiB, createHash('sha256'), 6 * MiB))).rejects.toThrow(/failed after/);
      const probe = await storage.put(key('probe.bin'), new Uint8Array([1]));
      // The URI the failed key would have had: same shape as any other key's.
      const failedUri = probe.replace(/conformance\/[^/]+\/probe\.bin$/, fresh);
      expect(await storage.exists(failedUri)).toBe(false);
      await expectCode(storage.get(failedUri), 'storage.not_found');

      const kept = key('kept.bin');
      const uri = await storage.put(kept, new TextEncoder().encode('old value'));
      await expect(storage.putStream!(kept, patternedChunks(64 * MiB, MiB, createHash('sha256'), 6 * MiB))).rejects.toThrow(/failed after/);
      expect(new TextDecoder().decode(await storage.get(uri))).toBe('old value');
    });

    const crash = capabilities.crashWriter;
    (crash ? it : it.skip)('leaves nothing readable when the writing process is killed midway (SIGKILL), and keeps an old value', async () => {
      const fresh = key('crashed.bin');
      await crashWhileWriting(fresh, crash!);
      const probe = await storage.put(key('probe.bin'), new Uint8Array([1]));
      const crashedUri = probe.replace(/conformance\/[^/]+\/probe\.bin$/, fresh);
      expect(await storage.exists(crashedUri)).toBe(false);
      await expectCode(storage.get(crashedUri), 'storage.not_found');
      const kept = key('kept-crash.bin');
      const uri = await storage.put(kept, new TextEncoder().encode('old value'));
      await crashWhileWriting(kept, crash!);
      expect(new TextDecoder().decode(await storage.get(uri))).toBe('old value');
    }, 120_000);
  });
}
