/**
 * The kubernetes plugin for `weft.config.ts`: a compute provider named `kubernetes` that runs each
 * partition's compute as a Job in the project's image.
 *
 *   plugins: [
 *     s3({ bucket: 'lake', endPoint: 'minio.data', accessKey: env('S3_ACCESS_KEY'), secretKey: env('S3_SECRET_KEY') }),
 *     kubernetes({
 *       image: 'registry.example.com/analytics/weft-project:2024-06-01', namespace: 'weft', configPath: '/app/weft.config.ts',
 *       resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
 *       nodeSelector: { 'node.kubernetes.io/pool': 'batch' }, tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
 *       env: { S3_ACCESS_KEY: env('S3_ACCESS_KEY'), S3_SECRET_KEY: env('S3_SECRET_KEY') }, envSecret: 'weft-s3',
 *     }),
 *   ]
 *   // an asset:  asset({ key: 'features', …, options: { computeProvider: 'kubernetes' } })
 *
 * `env('NAME')` values are never read by the plugin: the Job reads key NAME of the Secret `envSecret`.
 */
import { definePlugin } from '@weft/core';
import { kubernetesOptionsSchema, PLUGIN_NAME } from './options.js';
import { kubernetesCompute } from './provider.js';

export const kubernetes = definePlugin({
  name: PLUGIN_NAME,
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'runs each partition\'s compute as a Kubernetes Job in the project\'s image',
  options: kubernetesOptionsSchema,
  compute: {
    kubernetes: (options) => kubernetesCompute(options),
  },
});
