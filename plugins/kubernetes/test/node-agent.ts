/**
 * A stand-in for the kubelet's container runtime on the test cluster's kwok node (kwok runs no
 * containers). It watches (polls) the pods scheduled to the node; when kwok has marked one Running,
 * it runs the container's command as a local process — the image's `weft-k8s-task` mapped to this
 * checkout's runner — with the container's env (secretKeyRef values read from the real Secret, as
 * the kubelet does), serves the process's output as the container's log on the node's kubelet
 * endpoint (the real API server proxies `pods/log` to it), and when the process exits sets the
 * pod's exit-code annotation, from which kwok makes the pod Succeeded or Failed. A pod being
 * deleted has its process sent SIGTERM (SIGKILL 10 s later), as the kubelet does.
 *
 * Pods whose template already carries kwok's outcome annotations (an exit code, a waiting reason)
 * are left to kwok: that is how the tests simulate OOMKilled, evictions and image pulls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KWOK_ANNOTATIONS } from '@weft/services';

interface Line {
  readonly nanos: bigint;
  readonly stamp: string;
  readonly text: string;
}

interface Container {
  readonly lines: Line[];
  readonly listeners: Set<() => void>;
  process: ChildProcess | undefined;
  exited: boolean;
  terminating: boolean;
}

export interface NodeAgentOptions {
  readonly kubeconfigPath: string;
  readonly nodeName: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** How each image command runs here: `{ 'weft-k8s-task': [node, '--import', 'tsx', '/…/weft-k8s-task.ts'] }`. */
  readonly commands: Readonly<Record<string, readonly string[]>>;
  readonly cwd: string;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

export interface NodeAgent {
  /** Pods it has run (namespace/name), in order. */
  readonly ran: readonly string[];
  stop(): Promise<void>;
}

let lastNanos = 0n;
function stampNow(): { nanos: bigint; stamp: string } {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastNanos = now > lastNanos ? now : lastNanos + 1n;
  const ms = Number(lastNanos / 1_000_000n);
  const fraction = (lastNanos % 1_000_000_000n).toString().padStart(9, '0');
  return { nanos: lastNanos, stamp: `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z` };
}

function sinceNanos(text: string | null): bigint {
  if (!text) return 0n;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? 0n : BigInt(ms) * 1_000_000n;
}

/** Starts the agent: patches the node's kubelet endpoint to its log server and begins polling pods. */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  const server = kc.getCurrentCluster()!.server;
  const log = options.log ?? (() => undefined);
  const api = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> => {
    const opts: { method: string; headers: Record<string, string> } = { method, headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': contentType }) } };
    await kc.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  };

  const containers = new Map<string, Container>();
  const ran: string[] = [];

  // The kubelet endpoint: GET /containerLogs/{namespace}/{pod}/{container}?follow&timestamps&sinceTime&tailLines
  const logServer: Server = createServer({ cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://agent');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) {
      res.writeHead(404).end(`not served by the test node agent: ${req.method} ${url.pathname}`);
      return;
    }
    const entry = containers.get(`${match[1]}/${match[2]}`);
    const follow = url.searchParams.get('follow') === 'true';
    const timestamps = url.searchParams.get('timestamps') === 'true';
    const since = sinceNanos(url.searchParams.get('sinceTime'));
    const tail = url.searchParams.get('tailLines');
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    if (!entry) {
      res.end();
      return;
    }
    let sent = 0;
    const lines = entry.lines.filter((l) => l.nanos >= since);
    const start = tail === null ? 0 : Math.max(0, lines.length - Number(tail));
    const send = (l: Line): boolean => res.write(`${timestamps ? `${l.stamp} ` : ''}${l.text}\n`);
    for (const l of lines.slice(start)) send(l);
    sent = entry.lines.length;
    if (!follow || entry.exited) {
      res.end();
      return;
    }
    const listener = (): void => {
      for (const l of entry.lines.slice(sent)) send(l);
      sent = entry.lines.length;
      if (entry.exited) {
        entry.listeners.delete(listener);
        res.end();
      }
    };
    entry.listeners.add(listener);
    res.on('close', () => entry.listeners.delete(listener));
  });
  await new Promise<void>((resolve) => logServer.listen(0, '127.0.0.1', resolve));
  const port = (logServer.address() as AddressInfo).port;
  const patched = await api('PATCH', `/api/v1/nodes/${options.nodeName}/status`, { status: { daemonEndpoints: { kubeletEndpoint: { Port: port } } } }, 'application/merge-patch+json');
  if (patched.status !== 200) throw new Error(`node agent: patching node ${options.nodeName}'s kubelet endpoint answered ${patched.status}: ${JSON.stringify(patched.body)}`);

  const push = (entry: Container, text: string): void => {
    entry.lines.push({ ...stampNow(), text });
    for (const l of [...entry.listeners]) l();
  };

  const resolveEnv = async (namespace: string, pod: V1Pod): Promise<Record<string, string>> => {
    const env: Record<string, string> = {};
    for (const v of pod.spec?.containers[0]?.env ?? []) {
      if (v.value !== undefined) env[v.name] = v.value;
      const ref = v.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = await api<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/${ref.name}`);
        const data = secret.body.data?.[ref.key];
        if (secret.status !== 200 || data === undefined) {
          if (ref.optional) continue;
          throw new Error(`secret ${namespace}/${ref.name} has no key ${ref.key} (HTTP ${secret.status})`);
        }
        env[v.name] = Buffer.from(data, 'base64').toString('utf8');
      }
    }
    return env;
  };

  const annotateExit = async (namespace: string, name: string, code: number, reason?: string): Promise<void> => {
    const annotations: Record<string, string> = { [KWOK_ANNOTATIONS.exitCode]: String(code), ...(reason ? { [KWOK_ANNOTATIONS.reason]: reason } : {}) };
    const res = await api('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}`, { metadata: { annotations } }, 'application/merge-patch+json');
    if (res.status !== 200 && res.status !== 404) log(`node agent: annotating ${namespace}/${name} answered ${res.status}`);
  };

  const run = async (pod: V1Pod): Promise<void> => {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const key = `${namespace}/${name}`;
    const entry: Container = { lines: [], listeners: new Set(), process: undefined, exited: false, terminating: false };
    containers.set(key, entry);
    ran.push(key);
    const container = pod.spec!.containers[0]!;
    const [command = '', ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
    const mapped = options.commands[command];
    const finish = (code: number, reason?: string): void => {
      entry.exited = true;
      for (const l of [...entry.listeners]) l();
      if (!entry.terminating) void annotateExit(namespace, name, code, reason);
    };
    if (!mapped) {
      push(entry, `node agent: no local stand-in for the image's command ${JSON.stringify(command)}`);
      finish(127);
      return;
    }
    let env: Record<string, string>;
    try {
      env = await resolveEnv(namespace, pod);
    } catch (error) {
      push(entry, `node agent: ${error instanceof Error ? error.message : String(error)}`);
      finish(1, 'CreateContainerConfigError');
      return;
    }
    const child = spawn(mapped[0]!, [...mapped.slice(1), ...rest], { cwd: options.cwd, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', HOSTNAME: name, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    entry.process = child;
    log(`node agent: running ${key} (pid ${child.pid})`);
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          push(entry, buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
      stream.on('end', () => buffered && push(entry, buffered));
    }
    child.on('exit', (code, signal) => {
      log(`node agent: ${key} exited ${code ?? signal}`);
      finish(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
    });
  };

  const terminate = (entry: Container): void => {
    if (entry.terminating || entry.exited || !entry.process) return;
    entry.terminating = true;
    entry.process.kill('SIGTERM');
    const proc = entry.process;
    setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 10_000).unref();
  };

  let stopped = false;
  const poll = async (): Promise<void> => {
    const list = await api<{ items?: V1Pod[] }>('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${options.nodeName}`)}`);
    const present = new Set<string>();
    for (const pod of list.body.items ?? []) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      present.add(key);
      const entry = containers.get(key);
      if (pod.metadata?.deletionTimestamp) {
        if (entry) terminate(entry);
        continue;
      }
      const annotations = pod.metadata?.annotations ?? {};
      const kwokDriven = annotations[KWOK_ANNOTATIONS.exitCode] !== undefined || annotations[KWOK_ANNOTATIONS.waitingReason] !== undefined;
      if (!entry && !kwokDriven && pod.status?.phase === 'Running') await run(pod);
    }
    for (const [key, entry] of containers) if (!present.has(key)) terminate(entry);
  };
  const loop = (async () => {
    while (!stopped) {
      await poll().catch((error: unknown) => log(`node agent: ${error instanceof Error ? error.message : String(error)}`));
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  })();

  return {
    ran,
    async stop() {
      stopped = true;
      await loop;
      for (const entry of containers.values()) if (!entry.exited) entry.process?.kill('SIGKILL');
      logServer.closeAllConnections();
      await new Promise((r) => logServer.close(r));
    },
  };
}
