/**
 * The s3 plugin for `weft.config.ts` (MinIO or AWS S3):
 *
 *   plugins: [s3({ bucket: 'lake', prefix: 'weft', endPoint: 'minio.internal', port: 9000, useSSL: false,
 *                  accessKey: env('S3_ACCESS_KEY'), secretKey: env('S3_SECRET_KEY') })]
 *
 * Keys are secret references, read from the environment when the worker starts.
 */
import { definePlugin, secret, z } from '@weft/core';
import { minioClient } from './s3-client.js';
import { s3Objects } from './s3-objects.js';
import { s3Storage } from './s3-storage.js';

const connection = {
  endPoint: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  useSSL: z.boolean().optional(),
  region: z.string().min(1).optional(),
  accessKey: secret(),
  secretKey: secret(),
};

export const s3 = definePlugin({
  name: '@weft/plugin-s3',
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'values in an S3 bucket; objects in a bucket as a source',
  options: z.object({ bucket: z.string().min(3).max(63), prefix: z.string().optional(), ...connection }).strict(),
  storage: (options, ctx) => {
    const { bucket, prefix, ...client } = ctx.resolve(options);
    return s3Storage({ bucket, ...(prefix === undefined ? {} : { prefix }), client: minioClient(client) });
  },
  connectors: {
    objects: {
      description: 'objects of a bucket, one partition per key matching a pattern (version: ETag)',
      options: z.object({ bucket: z.string().min(3).max(63), key: z.string().min(1) }).strict(),
      label: (o) => `s3://${o.bucket}/${o.key}`,
      create: (plugin, o, ctx) => {
        const { bucket: _b, prefix: _p, ...client } = ctx.resolve(plugin);
        return s3Objects({ bucket: o.bucket, key: o.key, client: minioClient(client) });
      },
    },
  },
});
