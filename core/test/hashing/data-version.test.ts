import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dataVersionOf,
  hashCanonical,
  isDigestHex,
  isUnknown,
  sourceDataVersion,
  SOURCE_VERSION_DOMAIN,
  UNKNOWN_DATA_VERSION,
  UNKNOWN_TOKEN,
  type ReportedSourceVersion,
} from '../../src/hashing/index.js';
import { thrown } from './arbitraries.js';

describe('dataVersionOf', () => {
  it('is the lower-case sha256 hex of exactly the stored bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const version = dataVersionOf(bytes);
        expect(version).toMatch(/^[0-9a-f]{64}$/);
        expect(version).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(isDigestHex(version)).toBe(true);
        expect(isUnknown(version)).toBe(false);
      }),
    );
  });
});

describe('UNKNOWN', () => {
  it('is never digest-shaped and is shared by data versions and tokens', () => {
    expect(isDigestHex(UNKNOWN_DATA_VERSION)).toBe(false);
    expect(isUnknown(UNKNOWN_DATA_VERSION)).toBe(true);
    expect(isUnknown(UNKNOWN_TOKEN)).toBe(true);
  });
});

describe('sourceDataVersion', () => {
  const cases: [string, ReportedSourceVersion, unknown[] | 'unknown'][] = [
    ['checksum', { checksum: 'abc' }, ['checksum', 'abc']],
    ['etag', { etag: '"abc"' }, ['etag', '"abc"']],
    ['mtime and size', { mtimeMs: 1700000000000.5, size: 10 }, ['stat', 1700000000000.5, 10]],
    ['size only', { size: 10 }, ['stat', null, 10]],
    ['mtime only', { mtimeMs: 10 }, ['stat', 10, null]],
    ['checksum wins over etag and stat', { checksum: 'c', etag: 'e', mtimeMs: 1, size: 2 }, ['checksum', 'c']],
    ['etag wins over stat', { etag: 'e', mtimeMs: 1, size: 2 }, ['etag', 'e']],
    ['nothing reported', {}, 'unknown'],
  ];
  it.each(cases)('%s', (_name, reported, expected) => {
    const version = sourceDataVersion(reported);
    if (expected === 'unknown') expect(version).toBe(UNKNOWN_DATA_VERSION);
    else expect(version).toBe(hashCanonical([SOURCE_VERSION_DOMAIN, ...(expected as (string | number | null)[])]));
  });

  it('never confuses kinds reporting the same text or number', () => {
    const versions = [
      sourceDataVersion({ checksum: '10' }),
      sourceDataVersion({ etag: '10' }),
      sourceDataVersion({ size: 10 }),
      sourceDataVersion({ mtimeMs: 10 }),
      sourceDataVersion({ mtimeMs: 10, size: 10 }),
    ];
    expect(new Set(versions).size).toBe(versions.length);
    for (const version of versions) expect(isDigestHex(version)).toBe(true);
  });

  it('rejects unusable stat fields', () => {
    expect(thrown(() => sourceDataVersion({ mtimeMs: NaN })).code).toBe('hashing.bad_value');
    expect(thrown(() => sourceDataVersion({ size: -1 })).context?.field).toBe('size');
    expect(thrown(() => sourceDataVersion({ size: 1.5 })).code).toBe('hashing.bad_value');
  });

  it('keeps the version when only the mtime of identical content changes (etag reported)', () => {
    expect(sourceDataVersion({ etag: 'e', mtimeMs: 1 })).toBe(sourceDataVersion({ etag: 'e', mtimeMs: 2 }));
  });
});
