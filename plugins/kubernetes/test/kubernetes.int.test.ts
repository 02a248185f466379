/**
 * @weft/plugin-kubernetes against a real Kubernetes API server (see test-cluster.ts: the repo's
 * control plane with a kwok node and the node agent running the containers, or KUBECONFIG's
 * cluster): the compute conformance suite, then what the plugin itself promises.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { classifyError, ComputeTimeoutError, encodePortableValue, decodePortableValue, type ComputeTask } from '@weft/core';
import { describeComputeConformance } from '@weft/plugin-testkit';
import { KWOK_ANNOTATIONS } from '@weft/services';
import { describe, expect, it } from 'vitest';
import { kubeClients, kubernetesCompute, KubernetesTaskError, type KubernetesComputeProvider } from '../src/index.js';
import { optionsFor, storageOf } from './options-for.js';
import { NAMESPACE, NODE_LABELS, NODE_TAINT, REAL_CLUSTER, REPO_ROOT, S3_SECRET, SKIP_KUBERNETES, howToBuild, useTestCluster, type TestCluster } from './test-cluster.js';

if (SKIP_KUBERNETES) console.warn(`\n!!! WEFT_SKIP_KUBERNETES=1: the @weft/plugin-kubernetes tests are SKIPPED (unset it to run them; ${howToBuild()})\n`);

const cluster = useTestCluster();
const COMPUTES = join(REPO_ROOT, 'plugins/kubernetes/test/fixtures/computes.ts');

type TestTask<T> = ComputeTask<T> & { lines: Array<{ message: string; fields: Readonly<Record<string, unknown>> | undefined }>; controller: AbortController };

let counter = 0;
function taskOf<T>(c: TestCluster, exportName: string, input: unknown, options: { timeoutMs?: number; module?: string } = {}): TestTask<T> {
  const controller = new AbortController();
  const lines: TestTask<T>['lines'] = [];
  return {
    assetKey: 'analytics/daily_features',
    partitionKey: '2024-05-01',
    timeoutMs: options.timeoutMs,
    signal: controller.signal,
    token: `${'ab12'.repeat(8)}${(counter++).toString(16).padStart(4, '0')}`,
    storage: storageOf(c),
    log: (message, fields) => lines.push({ message, fields }),
    heartbeat: () => undefined,
    portable: { module: options.module ?? COMPUTES, exportName, input: encodePortableValue(input), decode: (b) => decodePortableValue(b) as T },
    run: () => Promise.reject(new Error('this task runs only on Kubernetes')),
    lines,
    controller,
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function jobOf(c: TestCluster, provider: KubernetesComputeProvider, task: ComputeTask<unknown>): Promise<{ job: V1Job; pods: V1Pod[] }> {
  const placement = provider.placementOf(task);
  if (!placement) throw new Error('the task has no Job yet');
  const job = await c.request<V1Job>('GET', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${placement.jobName}`);
  const pods = await c.request<{ items: V1Pod[] }>('GET', `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=${encodeURIComponent(`batch.kubernetes.io/job-name=${placement.jobName}`)}`);
  return { job: job.body, pods: pods.body.items ?? [] };
}

const failureOf = (running: Promise<unknown>): Promise<Error> => running.then(() => new Error('expected the task to fail, and it succeeded'), (e: unknown) => e as Error);

const runningPod = (c: TestCluster, provider: KubernetesComputeProvider, task: ComputeTask<unknown>): Promise<V1Pod> =>
  until('the task to run in its pod', async () => {
    if (!provider.placementOf(task) || (await provider.recordOf(task))?.outcome !== 'running') return undefined;
    return (await jobOf(c, provider, task)).pods.find((p) => p.status?.phase === 'Running');
  });

describe.skipIf(SKIP_KUBERNETES)('@weft/plugin-kubernetes on a real API server', () => {
  describeComputeConformance(
    'kubernetes',
    async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      conformanceProvider = provider;
      return { provider, storage: storageOf(c) };
    },
    {
      enforcesTimeouts: true,
      // Deleting the Job, then the runner's SIGTERM record, on a loaded 2-core machine.
      stopWithinMs: 20_000,
      remote: {
        started: async (t) => (await conformanceProvider.recordOf(t))?.outcome === 'running',
        sawAbort: async (t) => {
          const record = await conformanceProvider.recordOf(t);
          return record?.outcome === 'cancelled' && record.signalAborted;
        },
        timeoutMs: 20_000,
      },
    },
  );

  describe('its own promises', () => {
    it('creates the Job as configured: resources, node selector, tolerations, labels, secrets by reference; the pod runs on the tainted node; cancelling deletes the Job', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      const task = taskOf<string>(c, 'runsFor', { ms: 120_000 });
      const running = failureOf(provider.execute(task));
      const pod = await runningPod(c, provider, task);
      const { job } = await jobOf(c, provider, task);
      const spec = job.spec!;
      const container = spec.template.spec!.containers[0]!;
      expect(spec.backoffLimit).toBe(0);
      expect(spec.ttlSecondsAfterFinished).toBe(3600);
      expect(spec.template.spec!.restartPolicy).toBe('Never');
      expect(container.image).toBe(c.image);
      expect(container.command).toEqual(['weft-k8s-task']);
      expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
      if (!REAL_CLUSTER) expect(spec.template.spec!.nodeSelector).toEqual(NODE_LABELS);
      expect(spec.template.spec!.tolerations).toEqual([{ key: NODE_TAINT.key, operator: 'Equal', value: NODE_TAINT.value, effect: NODE_TAINT.effect }]);
      expect(job.metadata!.labels).toMatchObject({ 'example.com/team': 'analytics', 'app.kubernetes.io/managed-by': 'weft', 'weft.dev/asset': 'analytics-daily_features' });
      expect(job.metadata!.annotations).toMatchObject({ 'example.com/owner': 'data-platform', 'weft.dev/asset-key': 'analytics/daily_features', 'weft.dev/partition-key': '2024-05-01', 'weft.dev/token': task.token });
      expect(pod.metadata!.labels).toMatchObject({ 'example.com/team': 'analytics', 'batch.kubernetes.io/job-name': job.metadata!.name });
      // Secrets are references to the Kubernetes Secret, never values in the Job.
      expect(container.env).toContainEqual({ name: 'WEFT_TEST_S3_SECRET_KEY', valueFrom: { secretKeyRef: { name: S3_SECRET, key: 'WEFT_TEST_S3_SECRET_KEY' } } });
      expect(JSON.stringify(job)).not.toContain(c.s3.secretKey);
      // The scheduler placed it on the tainted, labelled node only thanks to the selector and toleration.
      if (c.server) expect(pod.spec!.nodeName).toBe(c.server.nodeNames[0]);

      task.controller.abort(new Error('the request was cancelled'));
      const error = await running;
      expect(error).toBeInstanceOf(KubernetesTaskError);
      expect(error.message).toMatch(/cancelled: Job .* deleted/);
      await until('the Job to be gone', async () => ((await c.request('GET', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${job.metadata!.name}`)).status === 404 ? true : undefined), 60_000);
      await until('its pod to be gone', async () => ((await jobOf(c, provider, task)).pods.length === 0 ? true : undefined), 60_000);
      // The compute in the pod saw its signal abort (SIGTERM from the pod's deletion).
      await until('the runner to record the cancellation', async () => ((await provider.recordOf(task))?.outcome === 'cancelled' ? true : undefined), 30_000);
      expect(await provider.recordOf(task)).toMatchObject({ outcome: 'cancelled', signalAborted: true });
    });

    it("streams the pod's log into the materialization's log, returns the value, and deletes the finished Job and its objects", async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      const task = taskOf<{ value: unknown; token: string; partitionKey: string }>(c, 'logsAndReturns', { lines: ['reading 3 files', 'wrote 1200 rows'], value: { rows: 1200, day: new Date('2024-05-01T00:00:00Z') } });
      const result = await provider.execute(task);
      expect(result).toEqual({ value: { rows: 1200, day: new Date('2024-05-01T00:00:00Z') }, token: task.token, partitionKey: '2024-05-01' });
      const placement = provider.placementOf(task)!;
      const fromPod = task.lines.filter((l) => l.fields?.['pod'] !== undefined);
      expect(fromPod.map((l) => l.message)).toEqual(expect.arrayContaining(['reading 3 files', 'wrote 1200 rows', 'plain output of partition 2024-05-01']));
      expect(fromPod.find((l) => l.message === 'wrote 1200 rows')?.fields).toMatchObject({ index: 1, job: placement.jobName });
      expect(fromPod.find((l) => l.message.startsWith('plain output'))?.fields).toMatchObject({ stream: 'container' });
      // Each line once, though the stream may have been reconnected.
      expect(fromPod.filter((l) => l.message === 'reading 3 files')).toHaveLength(1);
      await until('the finished Job to be deleted', async () => ((await c.request('GET', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${placement.jobName}`)).status === 404 ? true : undefined), 30_000);
      expect(await placement.storage.exists(placement.recordUri)).toBe(false);
    });

    it("runs an asset's compute found by key in its module, as the worker ships it (range input as a Map, the asset's codec)", async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      const assets = await import('./fixtures/assets.js');
      const hours = new Map(Array.from({ length: 24 }, (_, h) => [`2024-05-01-${String(h).padStart(2, '0')}:00`, h % 3]));
      const task: ComputeTask<unknown> & { lines: string[] } = {
        ...taskOf<unknown>(c, 'unused', null),
        assetKey: 'k8s_test/daily_counts',
        portable: { module: join(REPO_ROOT, 'plugins/kubernetes/test/fixtures/assets.ts'), input: encodePortableValue({ hours }), decode: (b) => assets.dailyCounts.codec.decode(b) },
        lines: [],
      };
      const lines: string[] = [];
      const value = await provider.execute({ ...task, log: (m) => lines.push(m) });
      expect(value).toEqual({ day: '2024-05-01', total: 24, first: '2024-05-01-00:00' });
      expect(lines).toContain('summing 24 hours');
    });

    it('resumes a watch that ends from the last resourceVersion it saw', async () => {
      const c = cluster.get();
      const clients = kubeClients({ kubeconfig: c.server ? c.kubeconfigPath : undefined });
      const calls: Array<{ path: string; resourceVersion: unknown }> = [];
      // Per pod watch, the version of the last event it passed on (bookmarks included): events can
      // still arrive between the cut and the abort taking effect, and the next watch resumes from
      // the last one the provider saw.
      const lastPassed: string[] = [];
      // Each watch (of the Job too) is cut after its first event, as a proxy or the network may
      // cut it: the outcome can only come through resumed watches (an uncut Job watch could report
      // the Job complete before the first pod watch is resumed, and nothing would be resumed).
      const cutting = {
        watch: async (path: string, params: Record<string, string | number | boolean | undefined>, callback: (type: string, object: { metadata?: { resourceVersion?: string } }, raw?: unknown) => void, done: (error: unknown) => void) => {
          calls.push({ path, resourceVersion: params['resourceVersion'] });
          const podWatch = path.endsWith('/pods') ? lastPassed.push('') - 1 : -1;
          let cut = false;
          const controller: AbortController = await clients.watch.watch(path, params, (type, object, raw) => {
            callback(type, object, raw);
            if (podWatch >= 0 && type !== 'ERROR' && object.metadata?.resourceVersion) lastPassed[podWatch] = object.metadata.resourceVersion;
            if (type === 'BOOKMARK' || cut) return;
            cut = true;
            queueMicrotask(() => controller.abort());
          }, done);
          return controller;
        },
      };
      // Polling far apart: the outcome comes through the resumed watches.
      const provider = kubernetesCompute(optionsFor(c, { pollIntervalMs: 60_000 }), { ...clients, watch: cutting as unknown as typeof clients.watch });
      const result = await provider.execute(taskOf<{ value: unknown }>(c, 'logsAndReturns', { lines: ['one line'], value: 7 }));
      expect(result.value).toBe(7);
      const podWatches = calls.filter((w) => w.path.endsWith('/pods'));
      expect(podWatches.length).toBeGreaterThan(1);
      // Every resumed watch starts from the version of the last event the previous one delivered
      // (or, when it delivered none, from where that one started).
      expect(lastPassed[0]).not.toBe('');
      for (let i = 0; i + 1 < podWatches.length; i++) expect(podWatches[i + 1]!.resourceVersion).toBe(lastPassed[i] || podWatches[i]!.resourceVersion);
    });

    it('finishes a task when every watch fails, through the poll alone', async () => {
      const c = cluster.get();
      const clients = kubeClients({ kubeconfig: c.server ? c.kubeconfigPath : undefined });
      let refused = 0;
      const failing = {
        watch: async (_path: string, _params: unknown, _callback: unknown, done: (error: unknown) => void) => {
          refused++;
          setImmediate(() => done(Object.assign(new Error('watch refused (test)'), { statusCode: 503 })));
          return new AbortController();
        },
      };
      const provider = kubernetesCompute(optionsFor(c, { pollIntervalMs: 500 }), { ...clients, watch: failing as unknown as typeof clients.watch });
      const result = await provider.execute(taskOf<{ value: unknown }>(c, 'logsAndReturns', { lines: [], value: 'polled' }));
      expect(result.value).toBe('polled');
      expect(refused).toBeGreaterThanOrEqual(2);
    });

    it('hands the container its secrets through the Kubernetes Secret (secretKeyRef)', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      const hash = await provider.execute(taskOf<string>(c, 'hashesEnv', { name: 'WEFT_TEST_S3_SECRET_KEY' }));
      expect(hash).toBe(createHash('sha256').update(c.s3.secretKey).digest('hex'));
    });

    it('fails a pod evicted through the Eviction API (DisruptionTarget) as transient', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      const task = taskOf<string>(c, 'runsFor', { ms: 120_000 });
      const running = failureOf(provider.execute(task));
      const pod = await runningPod(c, provider, task);
      const evicted = await c.request('POST', `/api/v1/namespaces/${NAMESPACE}/pods/${pod.metadata!.name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.metadata!.name, namespace: NAMESPACE } });
      expect(evicted.status).toBe(201);
      const error = await running;
      expect(error).toBeInstanceOf(KubernetesTaskError);
      expect((error as KubernetesTaskError).context.reason).toBe('evicted');
      expect(error.message).toMatch(/evicted through the Eviction API/);
      expect(classifyError(error)).toBe('transient');
    });

    it('fails a Job past its activeDeadlineSeconds as a timeout (transient)', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c, { activeDeadlineSeconds: 3 }));
      const task = taskOf<string>(c, 'runsFor', { ms: 120_000 });
      const error = await failureOf(provider.execute(task));
      if (!(error instanceof ComputeTimeoutError)) console.error(error);
      expect(error).toBeInstanceOf(ComputeTimeoutError);
      expect(error.message).toMatch(/activeDeadlineSeconds/);
      expect(classifyError(error)).toBe('transient');
    });

    it('fails an API refusal as actionable (a namespace that does not exist)', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c, { namespace: 'no-such-namespace' }));
      const error = await failureOf(provider.execute(taskOf<string>(c, 'hashesEnv', { name: 'HOME' })));
      expect(error).toBeInstanceOf(KubernetesTaskError);
      expect((error as KubernetesTaskError).context).toMatchObject({ reason: 'api', status: 404 });
      expect(error.message).toMatch(/creating Job no-such-namespace\/.*HTTP 404/);
      expect(classifyError(error)).toBe('actionable');
    });

    it('refuses a task whose compute cannot be shipped, or without storage', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c));
      const { portable: _p, ...local } = taskOf<string>(c, 'hashesEnv', { name: 'HOME' });
      await expect(provider.execute(local)).rejects.toThrow(/cannot be shipped to Kubernetes/);
      const { storage: _s, ...noStorage } = taskOf<string>(c, 'hashesEnv', { name: 'HOME' });
      await expect(provider.execute(noStorage)).rejects.toThrow(/object storage/);
    });
  });

  // The launched node has 32 CPUs: two pods of 20 do not fit, and the real scheduler preempts the lower-priority one.
  describe.skipIf(REAL_CLUSTER)('preemption by the scheduler', () => {
    it('fails a task whose pod the scheduler preempts for a higher-priority pod (DisruptionTarget PreemptionByScheduler) as transient', async () => {
      const c = cluster.get();
      for (const [name, value] of [['weft-test-low', 100], ['weft-test-high', 100_000]] as const) {
        const res = await c.request('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
        expect([201, 409]).toContain(res.status);
      }
      const provider = kubernetesCompute(optionsFor(c, { priorityClassName: 'weft-test-low', resources: { requests: { cpu: '20', memory: '128Mi' } } }));
      const task = taskOf<string>(c, 'runsFor', { ms: 120_000 });
      const running = failureOf(provider.execute(task));
      await runningPod(c, provider, task);
      const preemptor = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'weft-test-preemptor' },
        spec: {
          priorityClassName: 'weft-test-high',
          nodeSelector: NODE_LABELS,
          tolerations: [{ key: NODE_TAINT.key, operator: 'Equal', value: NODE_TAINT.value, effect: NODE_TAINT.effect }],
          containers: [{ name: 'main', image: 'registry.invalid/urgent:1', resources: { requests: { cpu: '20' } } }],
        },
      };
      expect((await c.request('POST', `/api/v1/namespaces/${NAMESPACE}/pods`, preemptor)).status).toBe(201);
      try {
        const error = await running;
        expect(error).toBeInstanceOf(KubernetesTaskError);
        expect((error as KubernetesTaskError).context.reason).toBe('disrupted');
        expect(error.message).toMatch(/preempted by the scheduler/);
        expect(classifyError(error)).toBe('transient');
      } finally {
        await c.request('DELETE', `/api/v1/namespaces/${NAMESPACE}/pods/weft-test-preemptor?gracePeriodSeconds=0`);
      }
    });
  });

  // kwok plays the kubelet: these outcomes are simulated from pod annotations (on a real cluster they cannot be forced).
  describe.skipIf(REAL_CLUSTER)('failures the kubelet reports (simulated by kwok)', () => {
    const cases: Array<{ name: string; annotations: Record<string, string>; reason: string; failureClass: 'transient' | 'actionable'; message: RegExp }> = [
      { name: 'OOMKilled', annotations: { [KWOK_ANNOTATIONS.exitCode]: '137', [KWOK_ANNOTATIONS.reason]: 'OOMKilled', [KWOK_ANNOTATIONS.runFor]: '500ms' }, reason: 'oom-killed', failureClass: 'transient', message: /OOMKilled \(exit code 137\).*memory limit of 512Mi/ },
      { name: 'evicted by the kubelet', annotations: { [KWOK_ANNOTATIONS.exitCode]: '137', [KWOK_ANNOTATIONS.podReason]: 'Evicted' }, reason: 'evicted', failureClass: 'transient', message: /evicted by the kubelet/ },
      { name: 'lost node', annotations: { [KWOK_ANNOTATIONS.exitCode]: '137', [KWOK_ANNOTATIONS.podReason]: 'NodeLost' }, reason: 'node-lost', failureClass: 'transient', message: /its node failed it \(NodeLost\)/ },
      { name: 'ImagePullBackOff', annotations: { [KWOK_ANNOTATIONS.waitingReason]: 'ImagePullBackOff' }, reason: 'image-pull', failureClass: 'transient', message: /could not be pulled \(ImagePullBackOff/ },
      { name: 'ErrImagePull', annotations: { [KWOK_ANNOTATIONS.waitingReason]: 'ErrImagePull' }, reason: 'image-pull', failureClass: 'transient', message: /could not be pulled \(ErrImagePull/ },
      { name: 'a missing Secret key (CreateContainerConfigError)', annotations: { [KWOK_ANNOTATIONS.waitingReason]: 'CreateContainerConfigError' }, reason: 'container-config', failureClass: 'actionable', message: /cannot start \(CreateContainerConfigError/ },
      { name: 'a non-zero exit without a record', annotations: { [KWOK_ANNOTATIONS.exitCode]: '3' }, reason: 'exit-code', failureClass: 'actionable', message: /exited with code 3/ },
    ];
    it.each(cases)('$name → $failureClass ($reason), and the Job is deleted', async ({ annotations, reason, failureClass, message }) => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c, { annotations }));
      const task = taskOf<string>(c, 'runsFor', { ms: 60_000 });
      const error = await failureOf(provider.execute(task));
      expect(error).toBeInstanceOf(KubernetesTaskError);
      expect((error as KubernetesTaskError).context.reason).toBe(reason);
      expect(error.message).toMatch(message);
      expect(classifyError(error)).toBe(failureClass);
      const placement = provider.placementOf(task)!;
      await until('the Job to be deleted', async () => ((await c.request('GET', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${placement.jobName}`)).status === 404 ? true : undefined), 30_000);
    });

    it('keeps a failed Job with cleanup keep-failed', async () => {
      const c = cluster.get();
      const provider = kubernetesCompute(optionsFor(c, { cleanup: 'keep-failed', annotations: { [KWOK_ANNOTATIONS.exitCode]: '2' } }));
      const task = taskOf<string>(c, 'runsFor', { ms: 60_000 });
      const error = await failureOf(provider.execute(task));
      expect((error as KubernetesTaskError).context.reason).toBe('exit-code');
      // Kept: the Job controller goes on to mark it Failed, and nothing deletes it.
      const job = await until('the kept Job to be marked Failed', async () => {
        const { job: j } = await jobOf(c, provider, task);
        return j.status?.conditions?.some((cond) => cond.type === 'Failed' && cond.status === 'True') ? j : undefined;
      }, 30_000);
      expect(job.metadata?.deletionTimestamp).toBeUndefined();
      await c.request('DELETE', `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${job.metadata!.name}?propagationPolicy=Background`);
    });
  });
});
let conformanceProvider: KubernetesComputeProvider;
