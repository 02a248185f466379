import { compileKeyPattern, WeftError, type ObservedPartition, type SourceConnector } from '@weft/core';
import { minioClient, type S3ConnectionOptions, type S3Like } from './s3-client.js';

/** Options of {@link s3Objects}. */
export interface S3ObjectsOptions {
  readonly bucket: string;
  /**
   * Object key pattern with placeholders: `{date}` (YYYY-MM-DD), `{hour}` (HH), `{minute}` (mm),
   * `{month}` (YYYY-MM), `{year}` (YYYY) for time partitions, `{key}` for a whole static or dynamic
   * key. E.g. `readings/{date}/{hour}.csv` gives partitions `2024-01-31T05:00`.
   */
  readonly key: string;
  readonly client: S3Like | S3ConnectionOptions;
}

/**
 * A source connector observing objects in an S3 bucket by key pattern: each matching object is a
 * partition, its ETag the version (a re-upload of identical bytes keeps the same ETag, so early
 * cutoff holds).
 */
export function s3Objects(options: S3ObjectsOptions): SourceConnector {
  const client = 'putObject' in options.client ? options.client : minioClient(options.client);
  const pattern = compileKeyPattern(options.key);
  return {
    name: `s3Objects(${options.bucket}/${options.key})`,
    async observe() {
      const found: ObservedPartition[] = [];
      for await (const object of client.listObjects(options.bucket, pattern.prefix)) {
        const partitionKey = pattern.match(object.key);
        if (partitionKey !== undefined) found.push({ partitionKey, version: { etag: object.etag, size: object.size, mtimeMs: object.lastModified } });
      }
      return found;
    },
    async read(partitionKey) {
      const key = pattern.objectKey(partitionKey);
      const bytes = await client.getObject(options.bucket, key);
      if (bytes === undefined) throw new WeftError('storage.not_found', `source object s3://${options.bucket}/${key} (partition ${partitionKey}) does not exist`, { partitionKey }, 'actionable');
      return bytes;
    },
  };
}
