/**
 * SHA-256 for the hashing modules, without a static `node:*` import so that the pure hashing files
 * stay importable from Temporal workflow code (whose bundler rejects `node:crypto`).
 *
 * Under Node the native implementation is reached through `process.getBuiltinModule('node:crypto')`
 * (one-shot `crypto.hash` where available, ~0.5 µs for a 200-byte token input, else `createHash`).
 * Where no `process` exists (the workflow sandbox) a pure TypeScript implementation with identical
 * output is used; tests cross-check the two.
 */

/** The digest functions of `node:crypto` this module uses. */
interface NativeSha256 {
  hex(data: Uint8Array): string;
  digest(data: Uint8Array): Uint8Array;
}

interface NodeCryptoLike {
  hash?: (algorithm: string, data: Uint8Array, outputEncoding: string) => string | Uint8Array;
  createHash(algorithm: string): { update(data: Uint8Array): { digest(encoding?: string): string | Uint8Array } };
}

function loadNative(): NativeSha256 | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as NodeCryptoLike | undefined;
  if (crypto === undefined) return undefined;
  const oneShot = crypto.hash;
  if (typeof oneShot === 'function') {
    return {
      hex: (data) => oneShot('sha256', data, 'hex') as string,
      digest: (data) => oneShot('sha256', data, 'buffer') as Uint8Array,
    };
  }
  return {
    hex: (data) => crypto.createHash('sha256').update(data).digest('hex') as string,
    digest: (data) => crypto.createHash('sha256').update(data).digest() as Uint8Array,
  };
}

const native = loadNative();

// prettier-ignore
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const W = new Uint32Array(64);

/**
 * SHA-256 in pure TypeScript (FIPS 180-4), used where `node:crypto` is unavailable.
 * Exported so tests can check it against the native implementation.
 *
 * @returns the 32-byte digest.
 */
export function sha256Pure(data: Uint8Array): Uint8Array {
  const length = data.length;
  const total = Math.ceil((length + 9) / 64) * 64;
  const block = new Uint8Array(total);
  block.set(data);
  block[length] = 0x80;
  const view = new DataView(block.buffer);
  view.setUint32(total - 8, Math.floor(length / 0x20000000));
  view.setUint32(total - 4, (length * 8) >>> 0);

  let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
  let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
  for (let offset = 0; offset < total; offset += 64) {
    for (let t = 0; t < 16; t++) W[t] = view.getUint32(offset + t * 4);
    for (let t = 16; t < 64; t++) {
      const w15 = W[t - 15]!, w2 = W[t - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  [h0, h1, h2, h3, h4, h5, h6, h7].forEach((word, i) => outView.setUint32(i * 4, word >>> 0));
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`, two characters per byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out;
}

/** The 32-byte SHA-256 digest of `data` (native under Node, pure TypeScript elsewhere). */
export function sha256Digest(data: Uint8Array): Uint8Array {
  return native === undefined ? sha256Pure(data) : native.digest(data);
}

/** The SHA-256 of `data` as 64 lower-case hex characters (native under Node, pure TypeScript elsewhere). */
export function sha256HexOfBytes(data: Uint8Array): string {
  return native === undefined ? bytesToHex(sha256Pure(data)) : native.hex(data);
}

/** Whether the native `node:crypto` implementation is in use (false in the workflow sandbox). */
export const nativeSha256Available: boolean = native !== undefined;
