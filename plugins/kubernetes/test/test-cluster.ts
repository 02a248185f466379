/**
 * The cluster the plugin's tests run against, for one test file:
 *
 * - KUBECONFIG set: that cluster (its kubelets run the image WEFT_K8S_TEST_IMAGE, which must hold
 *   this checkout at WEFT_K8S_TEST_CODE_ROOT (default /app) with its node_modules; the object
 *   storage must be reachable from its pods: WEFT_K8S_TEST_S3_ENDPOINT/PORT/USE_SSL/BUCKET/
 *   ACCESS_KEY/SECRET_KEY, else the test MinIO, which a remote cluster usually cannot reach);
 * - otherwise the repo's real control plane (startKubeApiServer: kube-apiserver, controller
 *   manager, scheduler, etcd) with a kwok node, and the node agent that runs the containers.
 *
 * Binaries not built: a failure saying how to build them, unless WEFT_SKIP_KUBERNETES=1.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBucket } from '@weft/services/harness';
import { findKubernetesTools, startKubeApiServer, type KubeApiServer } from '@weft/services';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { startNodeAgent, type NodeAgent } from './node-agent.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RUNNER_BIN = join(REPO_ROOT, 'plugins/kubernetes/src/bin/weft-k8s-task.ts');
export const TEST_CONFIG = join(REPO_ROOT, 'plugins/kubernetes/test/fixtures/weft.config.ts');

/** Opting out of the Kubernetes tests (never silent). */
export const SKIP_KUBERNETES = process.env['WEFT_SKIP_KUBERNETES'] === '1';
export const REAL_CLUSTER = Boolean(process.env['KUBECONFIG']);

/** Labels and taint of the kwok node: tasks reach it only with the matching selector and toleration. */
export const NODE_LABELS = { 'weft.dev/pool': 'batch' };
export const NODE_TAINT = { key: 'weft.dev/dedicated', value: 'batch', effect: 'NoSchedule' as const };
export const NAMESPACE = 'weft-k8s-test';
export const S3_SECRET = 'weft-test-s3';

export interface TestCluster {
  readonly kubeconfigPath: string;
  /** The launched control plane (undefined with KUBECONFIG). */
  readonly server: KubeApiServer | undefined;
  readonly agent: NodeAgent | undefined;
  /** Raw API requests with the cluster's credentials. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: T }>;
  /** The storage settings the runner reads (plain env) and the secrets (into the S3 Secret). */
  readonly s3: { endPoint: string; port: number; useSSL: boolean; bucket: string; prefix: string; accessKey: string; secretKey: string };
  /** Where the image has this checkout, and its image. */
  readonly image: string;
  readonly codeRoot: string;
}

export function howToBuild(): string {
  return (
    'the Kubernetes test cluster binaries (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok) are not built: ' +
    'run `npx tsx services/src/bin/provision.ts --kubernetes` (about 12 minutes on 2 cores; scripts/setup.sh does it), ' +
    'or point KUBECONFIG at a cluster (see plugins/kubernetes/README.md), or set WEFT_SKIP_KUBERNETES=1 to skip these tests knowingly'
  );
}

/** Starts (or connects to) the cluster before the file's tests; stops it after. */
export function useTestCluster(): { get(): TestCluster } {
  const bucket = useBucket();
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (SKIP_KUBERNETES) return;
    const env = process.env;
    const minio = bucket.endpoint;
    const s3 = env['WEFT_K8S_TEST_S3_ENDPOINT']
      ? { endPoint: env['WEFT_K8S_TEST_S3_ENDPOINT'], port: Number(env['WEFT_K8S_TEST_S3_PORT'] ?? 443), useSSL: env['WEFT_K8S_TEST_S3_USE_SSL'] !== '0', bucket: env['WEFT_K8S_TEST_S3_BUCKET'] ?? '', prefix: `k8s-test-${Date.now()}`, accessKey: env['WEFT_K8S_TEST_S3_ACCESS_KEY'] ?? '', secretKey: env['WEFT_K8S_TEST_S3_SECRET_KEY'] ?? '' }
      : { endPoint: minio.endPoint, port: minio.port, useSSL: minio.useSSL, bucket: bucket.bucket, prefix: 'k8s', accessKey: minio.accessKey, secretKey: minio.secretKey };
    let server: KubeApiServer | undefined;
    let agent: NodeAgent | undefined;
    let kubeconfigPath = env['KUBECONFIG'] ?? '';
    if (!REAL_CLUSTER) {
      if (!findKubernetesTools()) throw new Error(`@weft/plugin-kubernetes tests: ${howToBuild()}`);
      server = await startKubeApiServer({ nodeLabels: NODE_LABELS, nodeTaints: [NODE_TAINT], podCompletion: 'when-annotated', log: () => undefined });
      kubeconfigPath = server.kubeconfigPath;
      agent = await startNodeAgent({
        kubeconfigPath,
        nodeName: server.nodeNames[0]!,
        certPath: server.servingCert.certPath,
        keyPath: server.servingCert.keyPath,
        commands: { 'weft-k8s-task': [process.execPath, '--import', 'tsx', RUNNER_BIN] },
        cwd: REPO_ROOT,
        ...(env['WEFT_DEBUG_K8S'] ? { log: (l: string) => process.stderr.write(`${l}\n`) } : {}),
      });
    }
    const kc = new KubeConfig();
    if (REAL_CLUSTER) kc.loadFromDefault();
    else kc.loadFromFile(kubeconfigPath);
    const base = kc.getCurrentCluster()!.server;
    const request = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> => {
      const opts: RequestOptions = { method, headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': contentType }) } };
      await kc.applyToHTTPSOptions(opts);
      return new Promise((resolve, reject) => {
        const req = httpsRequest(new URL(path, base), opts, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
            } catch {
              resolve({ status: res.statusCode ?? 0, body: text as T });
            }
          });
        });
        req.on('error', reject);
        if (body !== undefined) req.write(JSON.stringify(body));
        req.end();
      });
    };
    const ns = await request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    if (ns.status !== 201 && ns.status !== 409) throw new Error(`creating namespace ${NAMESPACE}: ${ns.status} ${JSON.stringify(ns.body)}`);
    // Pods need the namespace's default service account (made by the controller manager).
    for (let i = 0; (await request('GET', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/default`)).status !== 200; i++) {
      if (i > 300) throw new Error(`namespace ${NAMESPACE} has no default service account after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: S3_SECRET }, stringData: { WEFT_TEST_S3_ACCESS_KEY: s3.accessKey, WEFT_TEST_S3_SECRET_KEY: s3.secretKey } };
    const created = await request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, secret);
    if (created.status === 409) await request('PUT', `/api/v1/namespaces/${NAMESPACE}/secrets/${S3_SECRET}`, secret);
    else if (created.status !== 201) throw new Error(`creating secret ${S3_SECRET}: ${created.status}`);
    cluster = { kubeconfigPath, server, agent, request, s3, image: env['WEFT_K8S_TEST_IMAGE'] ?? 'registry.invalid/weft/project:test', codeRoot: env['WEFT_K8S_TEST_CODE_ROOT'] ?? (REAL_CLUSTER ? '/app' : REPO_ROOT) };
  }, 30 * 60_000);
  afterAll(async () => {
    await cluster?.agent?.stop();
    if (REAL_CLUSTER) await cluster?.request('DELETE', `/api/v1/namespaces/${NAMESPACE}`);
    await cluster?.server?.stop();
  }, 120_000);
  return {
    get() {
      if (!cluster) throw new Error('the test cluster is not up (see the beforeAll error)');
      return cluster;
    },
  };
}
