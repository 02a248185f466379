import { createHash, randomBytes } from 'node:crypto';
import { useBucket } from '@weft/services/harness';
import { describe, expect, it } from 'vitest';

const store = useBucket();

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('MinIO (real server)', () => {
  it('puts and gets a 10 MB object intact', async () => {
    const body = randomBytes(10 * 1024 * 1024);
    await store.client.putObject(store.bucket, 'smoke/ten-megabytes.bin', body, body.length, { 'Content-Type': 'application/octet-stream' });
    const stat = await store.client.statObject(store.bucket, 'smoke/ten-megabytes.bin');
    expect(stat.size).toBe(body.length);
    const back = await readAll(await store.client.getObject(store.bucket, 'smoke/ten-megabytes.bin'));
    expect(back.length).toBe(body.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('reports a missing object as NoSuchKey', async () => {
    await expect(store.client.statObject(store.bucket, 'absent')).rejects.toMatchObject({ code: 'NotFound' });
  });
});
