/** Large values without holding them: deterministic chunks, their hash, and a memory sampler. */
import { createHash, type Hash } from 'node:crypto';

/**
 * `total` bytes as chunks of `chunkBytes`, each filled from its index (cheap to make, different
 * from every other chunk), hashed into `hash` as they are produced. One buffer is reused.
 */
export async function* patternedChunks(total: number, chunkBytes = 1024 * 1024, hash: Hash = createHash('sha256'), failAfter?: number): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.alloc(chunkBytes);
  let made = 0;
  for (let i = 0; made < total; i++) {
    if (failAfter !== undefined && made >= failAfter) throw new Error(`the source failed after ${made} bytes (on purpose)`);
    const n = Math.min(chunkBytes, total - made);
    buffer.fill(i % 251);
    buffer.writeUInt32BE(i >>> 0, 0);
    const chunk = new Uint8Array(buffer.buffer, buffer.byteOffset, n);
    hash.update(chunk);
    made += n;
    // A copy: a consumer may keep a chunk until it is written while the next one is made.
    yield Uint8Array.from(chunk);
  }
}

/** Samples this process's resident memory every `everyMs` until stopped; returns the largest growth over the start. */
export function rssSampler(everyMs = 25): { stop(): number } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - start;
    },
  };
}
