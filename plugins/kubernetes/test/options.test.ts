/** Options, Job manifests and the classification of pod outcomes: pure, table-driven. */
import type { V1Pod } from '@kubernetes/client-node';
import { env, PluginError } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { apiFailure } from '../src/errors.js';
import { jobManifest, jobNameFor, kubernetes, labelValueOf, parseKubernetesOptions, podVerdict, timestampNanos, type KubernetesOptions } from '../src/index.js';

const base: KubernetesOptions = { image: 'registry.example.com/acme/project:1' };

describe('options', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['a namespace that is not a DNS label', { namespace: 'Data_Team' }, 'namespace: must be a DNS-1123 label'],
    ['a backoffLimit other than 0', { backoffLimit: 3 }, 'backoffLimit: must be 0: Weft retries failed tasks itself'],
    ['a memory limit that is not a quantity', { resources: { limits: { memory: 'lots' } } }, 'resources.limits.memory: must be a Kubernetes quantity'],
    ['a toleration with Exists and a value', { tolerations: [{ key: 'gpu', operator: 'Exists', value: 'yes' }] }, 'tolerations.0: a toleration with operator Exists takes no value'],
    ['a toleration without key nor Exists', { tolerations: [{ effect: 'NoSchedule' }] }, 'tolerations.0: a toleration without a key must have operator Exists'],
    ['a node selector value too long', { nodeSelector: { pool: 'x'.repeat(64) } }, 'nodeSelector.pool: must be a label value'],
    ['secret env values without envSecret', { env: { TOKEN: env('API_TOKEN') } }, 'envSecret: env has secret references'],
    ['an env name with a space', { env: { 'MY VAR': 'x' } }, 'env.MY VAR: must be an environment variable name'],
    ['an unknown option', { imagePolicy: 'Always' }, 'Unrecognized key'],
    ['no image', { image: undefined }, 'image:'],
    ['a label key that is not a qualified name', { labels: { 'bad key!': 'x' } }, 'labels.bad key!: must be a qualified name'],
    ['a poll interval under 100 ms', { pollIntervalMs: 10 }, 'pollIntervalMs:'],
  ];
  it.each(bad)('refuses %s, naming the plugin and the field', (_what, extra, message) => {
    const call = (): unknown => kubernetes({ ...base, ...extra } as KubernetesOptions);
    expect(call).toThrow(PluginError);
    expect(call).toThrow('@weft/plugin-kubernetes');
    expect(call).toThrow(message);
    expect(() => parseKubernetesOptions({ ...base, ...extra })).toThrow(message);
  });

  it('fills defaults: namespace default, backoffLimit 0, the runner command, cleanup delete', () => {
    expect(parseKubernetesOptions(base)).toMatchObject({ namespace: 'default', backoffLimit: 0, command: ['weft-k8s-task'], cleanup: 'delete', ttlSecondsAfterFinished: 3600, imagePullGraceSeconds: 60 });
    expect(kubernetes(base).provides.compute).toEqual(['kubernetes']);
  });
});

describe('the Job manifest', () => {
  const settings = parseKubernetesOptions({
    ...base,
    namespace: 'weft',
    serviceAccount: 'weft-runner',
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: 2147483648, 'nvidia.com/gpu': 1 } },
    nodeSelector: { 'node.kubernetes.io/pool': 'batch' },
    tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }],
    env: { MODE: 'prod', API_TOKEN: env('API_TOKEN'), DB_PASSWORD: { secretKeyRef: { name: 'db', key: 'password' } } },
    envSecret: 'weft-secrets',
    activeDeadlineSeconds: 3600,
    configPath: '/app/weft.config.ts',
  });
  const job = jobManifest(settings, { jobName: 'weft-sales-abc-123456', assetKey: 'sales/daily', partitionKey: '2024-01-01', token: 'ab'.repeat(32), taskUri: 's3://lake/t/task.json', timeoutMs: 90_500 });
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;

  it('runs one pod, never restarted, with the tighter of the two deadlines', () => {
    expect(job.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 3600, activeDeadlineSeconds: 91 });
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.serviceAccountName).toBe('weft-runner');
  });

  it('carries resources, node selector and tolerations as configured', () => {
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2147483648', 'nvidia.com/gpu': '1' } });
    expect(pod.nodeSelector).toEqual({ 'node.kubernetes.io/pool': 'batch' });
    expect(pod.tolerations).toEqual([{ key: 'batch', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('passes the task URI and config path, and secrets only as secretKeyRef', () => {
    expect(container.env).toEqual([
      { name: 'WEFT_TASK', value: 's3://lake/t/task.json' },
      { name: 'WEFT_CONFIG', value: '/app/weft.config.ts' },
      { name: 'MODE', value: 'prod' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'weft-secrets', key: 'API_TOKEN' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ]);
  });

  it('names Jobs as DNS labels and makes label values of any key', () => {
    const name = jobNameFor('Sales/Daily Revenue (EUR) by region and product line', 'AB'.repeat(32));
    expect(name).toMatch(/^weft-sales-daily-revenue-eur-by-reg-abababababab-[0-9a-f]{6}$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(labelValueOf('sales/daily')).toBe('sales-daily');
    const long = labelValueOf('x'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^x+-[0-9a-f]{8}$/);
  });
});

describe('classifying a pod', () => {
  const pod = (status: V1Pod['status'], extra: Partial<V1Pod> = {}): V1Pod => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'task', image: 'img', resources: { limits: { memory: '1Gi' } } }] }, status, ...extra });
  const terminated = (exitCode: number, reason?: string) => ({ containerStatuses: [{ name: 'task', image: 'img', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, ...(reason ? { reason } : {}) } } }] });
  const waiting = (reason: string) => ({ phase: 'Pending', containerStatuses: [{ name: 'task', image: 'img', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }] });
  const cases: Array<[string, V1Pod, boolean, { kind: string; reason?: string; failureClass?: string; consultRecord?: boolean }]> = [
    ['running', pod({ phase: 'Running' }), false, { kind: 'pending' }],
    ['exit 0', pod({ phase: 'Succeeded', ...terminated(0, 'Completed') }), false, { kind: 'succeeded' }],
    ['OOMKilled', pod({ phase: 'Failed', ...terminated(137, 'OOMKilled') }), false, { kind: 'failed', reason: 'oom-killed', failureClass: 'transient' }],
    ['preempted', pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] }), false, { kind: 'failed', reason: 'disrupted', failureClass: 'transient' }],
    ['evicted (API)', pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] }), false, { kind: 'failed', reason: 'evicted', failureClass: 'transient' }],
    ['node tainted', pod({ phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }] }), false, { kind: 'failed', reason: 'disrupted', failureClass: 'transient' }],
    ['evicted (kubelet)', pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), false, { kind: 'failed', reason: 'evicted', failureClass: 'transient' }],
    ['node lost', pod({ phase: 'Failed', reason: 'NodeLost' }), false, { kind: 'failed', reason: 'node-lost', failureClass: 'transient' }],
    ['pod deadline', pod({ phase: 'Failed', reason: 'DeadlineExceeded' }), false, { kind: 'timeout' }],
    ['image pull past its grace', pod(waiting('ImagePullBackOff')), false, { kind: 'failed', reason: 'image-pull', failureClass: 'transient' }],
    ['bad secret reference', pod(waiting('CreateContainerConfigError')), false, { kind: 'failed', reason: 'container-config', failureClass: 'actionable' }],
    ['exit 1', pod({ phase: 'Failed', ...terminated(1, 'Error') }), false, { kind: 'failed', reason: 'exit-code', failureClass: 'actionable', consultRecord: true }],
    ['deleted while running', pod({ phase: 'Running' }), true, { kind: 'failed', reason: 'pod-deleted', failureClass: 'transient' }],
  ];
  it.each(cases)('%s', (_what, p, deleted, expected) => {
    expect(podVerdict({ pod: p, deleted }, 10_000, 0, 10_000)).toMatchObject(expected);
  });

  it('waits out the image-pull grace period', () => {
    const pulling = pod(waiting('ErrImagePull'));
    expect(podVerdict({ pod: pulling, deleted: false }, 10_000, 30_000, 5_000).kind).toBe('pending');
    expect(podVerdict({ pod: pulling, deleted: false }, 40_000, 30_000, 5_000).kind).toBe('failed');
  });

  it('reads kubelet timestamps to the nanosecond', () => {
    expect(timestampNanos('2024-01-01T00:00:00.000000001Z')! - timestampNanos('2024-01-01T00:00:00Z')!).toBe(1n);
    expect(timestampNanos('2024-01-01T00:00:00.5Z')! > timestampNanos('2024-01-01T00:00:00.499999999Z')!).toBe(true);
    expect(timestampNanos('not a time')).toBeUndefined();
  });
});

describe('classifying an API failure', () => {
  const answer = (code: number, message: string): Error => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) });
  const cases: Array<[string, unknown, 'transient' | 'actionable', RegExp]> = [
    ['503 from an overloaded API server', answer(503, 'the server is currently unable to handle the request'), 'transient', /HTTP 503.*unable to handle/],
    ['429 throttled', answer(429, 'too many requests'), 'transient', /HTTP 429/],
    ['500 etcd timeout', answer(500, 'etcdserver: request timed out'), 'transient', /etcdserver/],
    ['403 forbidden', answer(403, 'jobs.batch is forbidden: User "weft" cannot create resource "jobs"'), 'actionable', /HTTP 403.*forbidden/],
    ['422 invalid Job', answer(422, 'Job.batch "x" is invalid: spec.template.spec.containers[0].image: Required value'), 'actionable', /HTTP 422.*Required value/],
    ['connection refused', Object.assign(new Error('request to https://10.0.0.1/apis failed, reason: connect ECONNREFUSED'), { name: 'FetchError', code: 'ECONNREFUSED' }), 'transient', /ECONNREFUSED/],
    ['a bug (no answer, no network code)', new TypeError('cannot read properties of undefined'), 'actionable', /cannot read properties/],
  ];
  it.each(cases)('%s', (_what, error, failureClass, message) => {
    const failure = apiFailure('creating Job weft/x', error, { namespace: 'weft', job: 'x' });
    expect(failure.failureClass).toBe(failureClass);
    expect(failure.message).toMatch(message);
    expect(failure.context.reason).toBe('api');
  });
});
