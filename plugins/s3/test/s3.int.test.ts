import { useBucket } from '@weft/services/harness';
import { describe, expect, it } from 'vitest';
import { minioClient, s3Objects, s3Storage } from '../src/index.js';

const store = useBucket();

describe('S3 plugin on a real MinIO server', () => {
  it('stores and reads values, and reports missing objects', async () => {
    const storage = s3Storage({ bucket: store.bucket, prefix: 'values', client: minioClient(store.client) });
    const bytes = new TextEncoder().encode(JSON.stringify({ total: 42, note: 'ünï 🧵' }));
    const uri = await storage.put('daily/2024-01-01.json', bytes);
    expect(uri).toBe(`s3://${store.bucket}/values/daily/2024-01-01.json`);
    expect(await storage.get(uri)).toEqual(bytes);
    expect(await storage.exists(uri)).toBe(true);
    await storage.delete(uri);
    expect(await storage.exists(uri)).toBe(false);
    await expect(storage.get(uri)).rejects.toMatchObject({ code: 'storage.not_found' });
  });

  it('observes objects by key pattern with ETags that change only with the content', async () => {
    const client = minioClient(store.client);
    const connector = s3Objects({ bucket: store.bucket, key: 'readings/{date}/{hour}.csv', client });
    const signal = new AbortController().signal;
    await client.putObject(store.bucket, 'readings/2024-01-01/00.csv', new TextEncoder().encode('a,1'));
    await client.putObject(store.bucket, 'readings/2024-01-01/01.csv', new TextEncoder().encode('b,2'));
    const first = await connector.observe({ sourceKey: 'readings', signal });
    expect(first.map((o) => o.partitionKey)).toEqual(['2024-01-01T00:00', '2024-01-01T01:00']);
    // Same bytes again: same ETag. Different bytes: a different one.
    await client.putObject(store.bucket, 'readings/2024-01-01/00.csv', new TextEncoder().encode('a,1'));
    await client.putObject(store.bucket, 'readings/2024-01-01/01.csv', new TextEncoder().encode('b,3'));
    const second = await connector.observe({ sourceKey: 'readings', signal });
    expect(second[0]?.version.etag).toBe(first[0]?.version.etag);
    expect(second[1]?.version.etag).not.toBe(first[1]?.version.etag);
    expect(new TextDecoder().decode(await connector.read('2024-01-01T01:00', { sourceKey: 'readings', signal }))).toBe('b,3');
  });
});
