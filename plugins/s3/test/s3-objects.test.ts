import { WeftError } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { compileKeyPattern } from '@weft/core';
import { isTransientS3Error, memoryS3, s3Objects, s3Storage } from '../src/index.js';

describe('key patterns', () => {
  it.each([
    ['readings/{date}/{hour}.csv', 'readings/2024-01-31/05.csv', '2024-01-31T05:00'],
    ['readings/{date}/{hour}-{minute}.csv', 'readings/2024-01-31/05-30.csv', '2024-01-31T05:30'],
    ['orders/{date}.csv', 'orders/2024-02-29.csv', '2024-02-29'],
    ['monthly/{month}/data.json', 'monthly/2024-02/data.json', '2024-02'],
    ['regions/{key}/latest.parquet', 'regions/eu-west/latest.parquet', 'eu-west'],
  ])('%s matches %s as %s, and back', (pattern, objectKey, partitionKey) => {
    const p = compileKeyPattern(pattern);
    expect(p.match(objectKey)).toBe(partitionKey);
    expect(p.objectKey(partitionKey)).toBe(objectKey);
    expect(objectKey.startsWith(p.prefix)).toBe(true);
  });

  it('ignores keys that do not match', () => {
    const p = compileKeyPattern('readings/{date}/{hour}.csv');
    expect(p.match('readings/2024-01-31/05.json')).toBeUndefined();
    expect(p.match('readings/2024-1-31/05.csv')).toBeUndefined();
    expect(p.match('other/2024-01-31/05.csv')).toBeUndefined();
  });

  it.each([
    ['readings/{day}.csv', 'unknown placeholder {day}'],
    ['readings.csv', 'no placeholder'],
    ['{date}/{date}.csv', 'appears twice'],
    ['{hour}.csv', '{hour} needs {date}'],
  ])('rejects %s', (pattern, message) => {
    expect(() => compileKeyPattern(pattern)).toThrow(WeftError);
    expect(() => compileKeyPattern(pattern)).toThrow(message);
  });
});

describe('s3Objects connector and s3Storage on an in-memory S3', () => {
  it('observes partitions with ETag versions and reads them', async () => {
    const client = memoryS3();
    await client.putObject('landing', 'readings/2024-01-01/00.csv', new TextEncoder().encode('1,2'));
    await client.putObject('landing', 'readings/2024-01-01/01.csv', new TextEncoder().encode('3'));
    await client.putObject('landing', 'readings/README.md', new TextEncoder().encode('not data'));
    const connector = s3Objects({ bucket: 'landing', key: 'readings/{date}/{hour}.csv', client });
    const signal = new AbortController().signal;
    const observed = await connector.observe({ sourceKey: 'readings', signal });
    expect(observed.map((o) => o.partitionKey)).toEqual(['2024-01-01T00:00', '2024-01-01T01:00']);
    expect(observed[0]?.version.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(new TextDecoder().decode(await connector.read('2024-01-01T01:00', { sourceKey: 'readings', signal }))).toBe('3');
    await expect(connector.read('2024-01-02T00:00', { sourceKey: 'readings', signal })).rejects.toMatchObject({ code: 'storage.not_found' });
  });

  it('stores values under a prefix with s3:// URIs', async () => {
    const client = memoryS3();
    const storage = s3Storage({ bucket: 'weft', prefix: 'values/', client });
    const uri = await storage.put('clean/2024-01-01.json', new Uint8Array([1, 2, 3]));
    expect(uri).toBe('s3://weft/values/clean/2024-01-01.json');
    expect(Array.from(await storage.get(uri))).toEqual([1, 2, 3]);
    expect(await storage.exists(uri)).toBe(true);
    await storage.delete(uri);
    await expect(storage.get(uri)).rejects.toMatchObject({ code: 'storage.not_found' });
    await expect(storage.put('../x', new Uint8Array())).rejects.toMatchObject({ code: 'storage.bad_key' });
    await expect(storage.get('s3://other/x')).rejects.toMatchObject({ code: 'storage.bad_key' });
  });
});

describe('S3 errors', () => {
  it('tells a service that asks to try again from a refusal', () => {
    expect(isTransientS3Error({ code: 'XMinioServerNotInitialized' })).toBe(true);
    expect(isTransientS3Error({ code: 'SlowDown' })).toBe(true);
    expect(isTransientS3Error({ code: 'InternalError' })).toBe(true);
    expect(isTransientS3Error({ code: 'Whatever', statusCode: 503 })).toBe(true);
    expect(isTransientS3Error({ code: 'AccessDenied', statusCode: 403 })).toBe(false);
    expect(isTransientS3Error({ code: 'NoSuchBucket' })).toBe(false);
    expect(isTransientS3Error(new Error('plain'))).toBe(false);
    expect(isTransientS3Error(null)).toBe(false);
  });
});
