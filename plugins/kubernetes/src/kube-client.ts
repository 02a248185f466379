/**
 * The Kubernetes clients of one provider (from @kubernetes/client-node): a kubeconfig file and
 * context when given, else KUBECONFIG, in-cluster service account, or ~/.kube/config; and a raw
 * streaming GET for pod logs (the library's own log helper hides the stream's end and errors).
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { BatchV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';

/** The clients a provider uses. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly batch: BatchV1Api;
  readonly core: CoreV1Api;
  readonly watch: Watch;
  /** Opens a streaming GET of an API path (`/api/v1/…?follow=true`); rejects with `statusCode` on a non-200 answer. */
  stream(path: string, signal: AbortSignal): Promise<IncomingMessage>;
}

/** Clients for the cluster a kubeconfig (or the environment) names. */
export function kubeClients(options: { kubeconfig?: string | undefined; context?: string | undefined }): KubeClients {
  const config = new KubeConfig();
  if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else config.loadFromDefault();
  if (options.context) config.setCurrentContext(options.context);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error(`no current cluster in the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ' (KUBECONFIG, in-cluster or ~/.kube/config)'}`);
  const server = cluster.server;
  return {
    config,
    batch: config.makeApiClient(BatchV1Api),
    core: config.makeApiClient(CoreV1Api),
    watch: new Watch(config),
    async stream(path, signal) {
      const url = new URL(path, server);
      const opts: RequestOptions = { method: 'GET', headers: { Accept: '*/*' } };
      await config.applyToHTTPSOptions(opts);
      return new Promise<IncomingMessage>((resolve, reject) => {
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(url, { ...opts, signal }, (res) => {
          if (res.statusCode === 200) {
            resolve(res);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => reject(Object.assign(new Error(`GET ${url.pathname}: HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`), { statusCode: res.statusCode })));
        });
        req.on('error', reject);
        req.end();
      });
    },
  };
}
