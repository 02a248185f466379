import { WeftError, type ObjectStorage } from '@weft/core';
import { minioClient, type S3ConnectionOptions, type S3Like } from './s3-client.js';

/** Options of {@link s3Storage}. */
export interface S3StorageOptions {
  readonly bucket: string;
  /** Key prefix for every object. @default '' */
  readonly prefix?: string;
  /** An S3 client, or connection options for one. */
  readonly client: S3Like | S3ConnectionOptions;
}

function checkKey(key: string): void {
  if (typeof key === 'string' && Buffer.byteLength(key) > 1000) {
    throw new WeftError('storage.bad_key', `object key ${JSON.stringify(`${key.slice(0, 80)}…`)} is ${Buffer.byteLength(key)} bytes long (S3 keys hold at most 1024, with the prefix)`, { field: 'key' });
  }
  if (key.length === 0 || key.includes('\0') || key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new WeftError('storage.bad_key', `object key ${JSON.stringify(key)} must be a non-empty relative path without empty, "." or ".." segments or NUL bytes`, { field: 'key' });
  }
}

/**
 * Object storage in an S3 bucket (MinIO or AWS). A PUT is atomic in S3: readers see the old
 * object or the new one. URIs look like `s3://bucket/prefix/key`.
 */
export function s3Storage(options: S3StorageOptions): ObjectStorage {
  const client = 'putObject' in options.client ? options.client : minioClient(options.client);
  const prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const base = `s3://${options.bucket}/`;
  const keyOf = (uri: string): string => {
    if (!uri.startsWith(base)) throw new WeftError('storage.bad_key', `URI ${uri} is not in bucket ${options.bucket}`, { field: 'uri' });
    return uri.slice(base.length);
  };
  return {
    scheme: 's3',
    async put(key, bytes) {
      checkKey(key);
      await client.putObject(options.bucket, prefix + key, bytes);
      return base + prefix + key;
    },
    async get(uri) {
      const bytes = await client.getObject(options.bucket, keyOf(uri));
      if (bytes === undefined) throw new WeftError('storage.not_found', `no object at ${uri}`, { field: 'uri' });
      return bytes;
    },
    async exists(uri) {
      return (await client.statObject(options.bucket, keyOf(uri))) !== undefined;
    },
    async delete(uri) {
      await client.removeObject(options.bucket, keyOf(uri));
    },
    ...(client.putObjectStream && client.getObjectStream
      ? {
          putStream: async (key: string, source: AsyncIterable<Uint8Array>) => {
            checkKey(key);
            await client.putObjectStream!(options.bucket, prefix + key, source);
            return base + prefix + key;
          },
          getStream: async function* (uri: string) {
            const stream = await client.getObjectStream!(options.bucket, keyOf(uri));
            if (stream === undefined) throw new WeftError('storage.not_found', `no object at ${uri}`, { field: 'uri' });
            yield* stream;
          },
        }
      : {}),
  };
}
