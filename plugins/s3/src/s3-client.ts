import { TransientError } from '@weft/core';
import * as Minio from 'minio';

/** An object as listed. */
export interface S3ObjectInfo {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: number;
}

/**
 * The few S3 calls Weft needs. The plugin depends on this interface only; `minioClient` adapts the
 * `minio` SDK to it, and tests use an in-memory fake.
 */
export interface S3Like {
  putObject(bucket: string, key: string, bytes: Uint8Array): Promise<void>;
  /** The object's bytes, or undefined when it does not exist. */
  getObject(bucket: string, key: string): Promise<Uint8Array | undefined>;
  statObject(bucket: string, key: string): Promise<S3ObjectInfo | undefined>;
  removeObject(bucket: string, key: string): Promise<void>;
  listObjects(bucket: string, prefix: string): AsyncIterable<S3ObjectInfo>;
  /** Uploads chunks as they come (multipart: the object appears whole when the last part is in, or not at all). */
  putObjectStream?(bucket: string, key: string, source: AsyncIterable<Uint8Array>): Promise<void>;
  /** The object's bytes chunk by chunk, or undefined when it does not exist. */
  getObjectStream?(bucket: string, key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/** Connection options of an S3-compatible endpoint (MinIO, AWS S3). */
export interface S3ConnectionOptions {
  readonly endPoint: string;
  readonly port?: number;
  readonly useSSL?: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Needed for presigning and by AWS. @default 'us-east-1' */
  readonly region?: string;
}

const isNotFound = (error: unknown): boolean => {
  const code = (error as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
};

const clean = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '');

/**
 * S3 error codes that say "try again" (the service is busy, starting, or failed internally), as
 * opposed to a refusal (access denied, no such bucket): MinIO answers XMinioServerNotInitialized
 * while it starts up.
 */
const TRANSIENT_S3_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'OperationAborted', 'XMinioServerNotInitialized', 'XMinioServerBusy', 'XMinioBackendDown']);

/** Whether an S3 error is one to retry (network errors are recognized by `classifyError` already). */
export function isTransientS3Error(error: unknown): boolean {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  return (typeof e?.code === 'string' && TRANSIENT_S3_CODES.has(e.code)) || (typeof e?.statusCode === 'number' && (e.statusCode === 503 || e.statusCode === 500));
}

/** Runs an S3 call; a transient S3 refusal becomes a {@link TransientError} (retried, never recorded as a partition's failure). */
async function s3Call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isTransientS3Error(error)) throw new TransientError(`${what}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

/** Parts of streamed uploads: 16 MiB held at a time (S3's 10,000 parts: objects up to 160 GiB). */
const STREAM_PART_BYTES = 16 * 1024 * 1024;

/** Adapts a `minio` client (or creates one) to {@link S3Like}. */
export function minioClient(options: S3ConnectionOptions | Minio.Client): S3Like {
  const client = options instanceof Minio.Client ? options : new Minio.Client({ region: 'us-east-1', ...options });
  return {
    async putObjectStream(bucket, key, source) {
      // A multipart upload of our own, part by part as the chunks come: the object appears when it
      // completes, and a source that fails midway aborts it (minio's putObject of a stream would
      // wait forever on a source that errors, and sizes parts for 5 TiB when the size is unknown).
      const what = `writing s3://${bucket}/${key}`;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let uploadId: string | undefined;
      const etags: Array<{ part: number; etag: string }> = [];
      const flush = async (): Promise<void> => {
        const body = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        uploadId ??= await s3Call(what, () => client.initiateNewMultipartUpload(bucket, key, {}));
        const partNumber = etags.length + 1;
        const part = await s3Call(what, () => client.uploadPart({ bucketName: bucket, objectName: key, uploadID: uploadId!, partNumber, headers: { 'Content-Length': body.length } }, body));
        etags.push({ part: partNumber, etag: part.etag });
      };
      try {
        for await (const chunk of source) {
          pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          pendingBytes += chunk.byteLength;
          if (pendingBytes >= STREAM_PART_BYTES) await flush();
        }
        if (uploadId === undefined) {
          const body = Buffer.concat(pending, pendingBytes);
          await s3Call(what, () => client.putObject(bucket, key, body, body.length));
          return;
        }
        if (pendingBytes > 0) await flush();
        await s3Call(what, () => client.completeMultipartUpload(bucket, key, uploadId!, etags));
      } catch (error) {
        if (uploadId !== undefined) await client.abortMultipartUpload(bucket, key, uploadId).catch(() => {});
        throw error;
      }
    },
    async getObjectStream(bucket, key) {
      try {
        return await s3Call(`reading s3://${bucket}/${key}`, () => client.getObject(bucket, key));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async putObject(bucket, key, bytes) {
      await s3Call(`writing s3://${bucket}/${key}`, () => client.putObject(bucket, key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.byteLength));
    },
    async getObject(bucket, key) {
      try {
        return await s3Call(`reading s3://${bucket}/${key}`, async () => {
          const stream = await client.getObject(bucket, key);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          return new Uint8Array(Buffer.concat(chunks));
        });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async statObject(bucket, key) {
      try {
        const stat = await s3Call(`reading s3://${bucket}/${key}`, () => client.statObject(bucket, key));
        return { key, etag: clean(stat.etag), size: stat.size, lastModified: stat.lastModified.getTime() };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async removeObject(bucket, key) {
      await s3Call(`removing s3://${bucket}/${key}`, () => client.removeObject(bucket, key));
    },
    async *listObjects(bucket, prefix) {
      const items = client.listObjectsV2(bucket, prefix, true) as AsyncIterable<{ name?: string; etag?: string; size?: number; lastModified?: Date }>;
      const iterator = items[Symbol.asyncIterator]();
      for (;;) {
        const next = await s3Call(`listing s3://${bucket}/${prefix}`, () => iterator.next());
        if (next.done) return;
        const item = next.value;
        if (!item.name) continue;
        yield { key: item.name, etag: clean(item.etag), size: item.size ?? 0, lastModified: item.lastModified?.getTime() ?? 0 };
      }
    },
  };
}
