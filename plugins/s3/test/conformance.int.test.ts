/** The s3 plugin against the conformance suites of its kinds, on a real MinIO server. */
import { describeConnectorConformance, describeStorageConformance } from '@weft/plugin-testkit';
import { useBucket } from '@weft/services/harness';
import { minioClient, s3Objects, s3Storage } from '../src/index.js';

const bucket = useBucket();

describeStorageConformance(
  's3 (MinIO)',
  async () => {
    const { endPoint, port, useSSL, accessKey, secretKey, region } = bucket.endpoint;
    return { storage: s3Storage({ bucket: bucket.bucket, prefix: 'storage', client: { endPoint, port, useSSL, accessKey, secretKey, region } }) };
  },
  {
    streaming: true,
    // The child makes its own client from these options (the bucket's credentials are the test server's).
    get crashWriter() {
      const { endPoint, port, useSSL, accessKey, secretKey, region } = bucket.endpoint;
      return { module: new URL('../src/index.ts', import.meta.url), exportName: 's3Storage', args: [{ bucket: bucket.bucket, prefix: 'storage', client: { endPoint, port, useSSL, accessKey, secretKey, region } }] };
    },
  },
);

describeConnectorConformance(
  's3 objects by key',
  async () => {
    const client = minioClient(bucket.client);
    const path = (k: string): string => `objects/${k}.json`;
    return {
      connector: s3Objects({ bucket: bucket.bucket, key: 'objects/{key}.json', client }),
      write: (k, bytes) => client.putObject(bucket.bucket, path(k), bytes),
      remove: (k) => client.removeObject(bucket.bucket, path(k)),
    };
  },
  { keys: ['alpha', 'beta', 'gamma'], contentVersions: true, dynamicKeys: ['customer-acme', 'customer-zen'] },
);
