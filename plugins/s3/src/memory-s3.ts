import { createHash } from 'node:crypto';
import type { S3Like, S3ObjectInfo } from './s3-client.js';

/** An in-memory S3 for unit tests of code written against {@link S3Like}. */
export function memoryS3(): S3Like & { readonly objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  const times = new Map<string, number>();
  let clock = 0;
  const info = (id: string, bytes: Uint8Array): S3ObjectInfo => ({ key: id.slice(id.indexOf('/') + 1), etag: createHash('md5').update(bytes).digest('hex'), size: bytes.byteLength, lastModified: times.get(id) ?? 0 });
  return {
    objects,
    async putObject(bucket, key, bytes) {
      objects.set(`${bucket}/${key}`, new Uint8Array(bytes));
      times.set(`${bucket}/${key}`, ++clock);
    },
    async getObject(bucket, key) {
      return objects.get(`${bucket}/${key}`);
    },
    async statObject(bucket, key) {
      const bytes = objects.get(`${bucket}/${key}`);
      return bytes && info(`${bucket}/${key}`, bytes);
    },
    async removeObject(bucket, key) {
      objects.delete(`${bucket}/${key}`);
    },
    async *listObjects(bucket, prefix) {
      for (const [id, bytes] of [...objects].sort(([a], [b]) => (a < b ? -1 : 1))) if (id.startsWith(`${bucket}/${prefix}`)) yield info(id, bytes);
    },
  };
}
