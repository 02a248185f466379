import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, nativeSha256Available, sha256Digest, sha256Hex, sha256HexOfBytes, sha256Pure } from '../../src/hashing/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sha256', () => {
  const vectors: [string, Uint8Array, string][] = [
    ['empty', ascii(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', ascii('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      '448 bits',
      ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['a million a', ascii('a'.repeat(1_000_000)), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ];
  it.each(vectors)('FIPS 180-2 vector: %s', (_name, data, expected) => {
    expect(bytesToHex(sha256Pure(data))).toBe(expected);
    expect(sha256HexOfBytes(data)).toBe(expected);
    expect(bytesToHex(sha256Digest(data))).toBe(expected);
  });

  it('uses node:crypto under Node', () => {
    expect(nativeSha256Available).toBe(true);
  });

  it('pure implementation equals node:crypto for every length around block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (data) => {
        const expected = createHash('sha256').update(data).digest('hex');
        expect(bytesToHex(sha256Pure(data))).toBe(expected);
        expect(sha256HexOfBytes(data)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('sha256Hex of a string hashes its UTF-8', () => {
    expect(sha256Hex('é😀')).toBe(createHash('sha256').update('é😀', 'utf8').digest('hex'));
  });
});
