/** The plugin's options and the storage for the test cluster, shared by the test files. */
import { join } from 'node:path';
import { env, type ObjectStorage } from '@weft/core';
import { s3Storage } from '@weft/plugin-s3';
import type { KubernetesOptions } from '../src/index.js';
import { NAMESPACE, NODE_LABELS, NODE_TAINT, REAL_CLUSTER, REPO_ROOT, S3_SECRET, type TestCluster } from './test-cluster.js';

export function storageOf(c: TestCluster): ObjectStorage {
  const { endPoint, port, useSSL, bucket, prefix, accessKey, secretKey } = c.s3;
  return s3Storage({ bucket, prefix, client: { endPoint, port, useSSL, accessKey, secretKey } });
}

/** The plugin's options for the test cluster (plus `extra`). */
export function optionsFor(c: TestCluster, extra: Partial<KubernetesOptions> = {}): KubernetesOptions {
  const { endPoint, port, useSSL, bucket, prefix } = c.s3;
  return {
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    namespace: NAMESPACE,
    // KUBECONFIG (a real cluster) is read by the client itself; the launched one has its own file.
    ...(c.server ? { kubeconfig: c.kubeconfigPath } : {}),
    configPath: join(c.codeRoot, 'plugins/kubernetes/test/fixtures/weft.config.ts'),
    workingDir: c.codeRoot,
    ...(c.codeRoot === REPO_ROOT ? {} : { codeRoot: { worker: REPO_ROOT.replace(/\/$/, ''), image: c.codeRoot } }),
    // The kwok node is labelled and tainted: only the selector and toleration get pods onto it.
    ...(REAL_CLUSTER ? {} : { nodeSelector: NODE_LABELS }),
    tolerations: [{ key: NODE_TAINT.key, operator: 'Equal', value: NODE_TAINT.value, effect: NODE_TAINT.effect }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    env: {
      WEFT_TEST_S3_ENDPOINT: endPoint,
      WEFT_TEST_S3_PORT: String(port),
      WEFT_TEST_S3_USE_SSL: useSSL ? '1' : '0',
      WEFT_TEST_S3_BUCKET: bucket,
      WEFT_TEST_S3_PREFIX: prefix,
      WEFT_TEST_S3_ACCESS_KEY: env('WEFT_TEST_S3_ACCESS_KEY'),
      WEFT_TEST_S3_SECRET_KEY: env('WEFT_TEST_S3_SECRET_KEY'),
    },
    envSecret: S3_SECRET,
    labels: { 'example.com/team': 'analytics' },
    annotations: { 'example.com/owner': 'data-platform' },
    pollIntervalMs: 1000,
    imagePullGraceSeconds: 0,
    ...extra,
  };
}

