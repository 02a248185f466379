/**
 * The Kubernetes compute provider: each task becomes a batch/v1 Job running the task's portable
 * compute in the configured image. The task spec and input go to the project's object storage, the
 * Job is created and followed (watch + poll) while its pod's log streams into the materialization's
 * log; the outcome is classified (see classify.ts) and the value read back from storage. A
 * cancelled task or one past its time limit has its Job deleted (foreground: its pod is stopped
 * first, SIGTERM aborting the compute's signal); a finished Job is deleted per `cleanup`.
 */
import { ComputeTimeoutError, WeftError, type ComputeProvider, type ComputeTask, type ObjectStorage } from '@weft/core';
import { jobVerdict, isPullingImage, type Verdict } from './classify.js';
import { apiFailure, KubernetesTaskError } from './errors.js';
import { JobObserver } from './job-observer.js';
import { CONTAINER, jobManifest, jobNameFor } from './job-manifest.js';
import { kubeClients, type KubeClients } from './kube-client.js';
import { parseKubernetesOptions, type KubernetesOptions, type KubernetesSettings } from './options.js';
import { PodLogFollower } from './pod-logs.js';
import { encodeJson, readRunnerRecord, taskKeys, type RunnerRecord, type TaskSpec } from './task-protocol.js';

/** Where a task runs, for observers (tests, tooling). */
export interface TaskPlacement {
  readonly namespace: string;
  readonly jobName: string;
  readonly recordUri: string;
  readonly storage: ObjectStorage;
}

/** The provider, with a way to find a task's Job and record. */
export interface KubernetesComputeProvider extends ComputeProvider {
  /** The Job and record of a task it has started (undefined before its Job is created). */
  placementOf(task: ComputeTask<unknown>): TaskPlacement | undefined;
  /** The runner's record of a task, as stored now. */
  recordOf(task: ComputeTask<unknown>): Promise<RunnerRecord | undefined>;
}

/** How long a pod deleted without a reason waits for its Job to give one. */
const POD_DELETED_GRACE_MS = 5000;

type Ending = Verdict | { readonly kind: 'cancelled'; readonly reason: unknown } | { readonly kind: 'time-limit' } | { readonly kind: 'error'; readonly error: KubernetesTaskError };

/** A provider running tasks as Jobs under `options` (validated: a PluginError names a bad field). */
export function kubernetesCompute(options: KubernetesOptions | KubernetesSettings, clientsOverride?: KubeClients): KubernetesComputeProvider {
  const settings = parseKubernetesOptions(options);
  let clients = clientsOverride;
  const placements = new WeakMap<ComputeTask<unknown>, TaskPlacement>();
  const imagePath = (module: string): string => {
    const root = settings.codeRoot;
    if (!root) return module;
    const from = root.worker.replace(/\/+$/, '');
    const path = module.startsWith('file://') ? new URL(module).pathname : module;
    return path === from || path.startsWith(`${from}/`) ? `${root.image.replace(/\/+$/, '')}${path.slice(from.length)}` : module;
  };
  const getClients = (): KubeClients => (clients ??= kubeClients({ kubeconfig: settings.kubeconfig, context: settings.context }));

  async function execute<T>(task: ComputeTask<T>): Promise<T> {
    const where = { assetKey: task.assetKey, partitionKey: task.partitionKey };
    const portable = task.portable;
    const storage = task.storage;
    if (!portable) throw new WeftError('definition.bad_option', `asset ${task.assetKey}: its compute cannot be shipped to Kubernetes (no module to import it from): define it with asset() in a module of the project's assets`, { ...where, field: 'computeProvider' });
    if (!storage) throw new WeftError('definition.bad_option', `asset ${task.assetKey}: the kubernetes provider passes tasks through the project's object storage, and none was handed to it`, { ...where, field: 'storage' });
    const kube = getClients();
    const { namespace } = settings;
    const jobName = jobNameFor(task.assetKey, task.token);
    const context = { ...where, namespace, job: jobName };
    const log = (message: string, fields: Readonly<Record<string, unknown>> = {}): void => task.log?.(message, { job: jobName, ...fields });

    const keys = taskKeys(settings.storagePrefix, jobName);
    const inputUri = await storage.put(keys.input, portable.input);
    const recordUri = await storage.put(keys.record, encodeJson({ outcome: 'pending', createdAt: new Date().toISOString() } satisfies RunnerRecord));
    const spec: TaskSpec = { version: 1, assetKey: task.assetKey, partitionKey: task.partitionKey, token: task.token ?? '', module: imagePath(portable.module), exportName: portable.exportName, inputUri, recordKey: keys.record, valueKey: keys.value };
    const taskUri = await storage.put(keys.spec, encodeJson(spec));
    const removeObjects = async (): Promise<void> => {
      const uris = [taskUri, inputUri, recordUri];
      const record = await readRunnerRecord(storage, recordUri).catch(() => undefined);
      if (record?.outcome === 'ok') uris.push(record.valueUri);
      await Promise.all(uris.map((u) => storage.delete(u).catch(() => undefined)));
    };
    if (task.signal.aborted) {
      await removeObjects();
      throw new KubernetesTaskError(`cancelled before its Job was created`, { ...context, reason: 'pod-deleted' }, 'transient', { cause: task.signal.reason });
    }

    try {
      await kube.batch.createNamespacedJob({ namespace, body: jobManifest(settings, { jobName, assetKey: task.assetKey, partitionKey: task.partitionKey, token: task.token, taskUri, timeoutMs: task.timeoutMs }) });
    } catch (error) {
      await removeObjects();
      throw apiFailure(`creating Job ${namespace}/${jobName}`, error, context);
    }
    placements.set(task as ComputeTask<unknown>, { namespace, jobName, recordUri, storage });
    log(`created Job ${namespace}/${jobName} (image ${settings.image})`);

    const followers = new Map<string, PodLogFollower>();
    const pullingSince = new Map<string, number>();
    let settle: (ending: Ending) => void = () => undefined;
    const ended = new Promise<Ending>((resolve) => (settle = resolve));
    const evaluate = (): void => {
      const now = Date.now();
      for (const { pod } of observer.pods.values()) {
        const name = pod.metadata?.name ?? '';
        if (isPullingImage(pod)) pullingSince.set(name, pullingSince.get(name) ?? now);
        const started = pod.status?.containerStatuses?.some((c) => c.state?.running || c.state?.terminated);
        if (started && !followers.has(name)) followers.set(name, new PodLogFollower(kube, namespace, name, CONTAINER, (m, f) => log(m, f), (m) => log(m, { level: 'debug' })));
      }
      const newest = observer.podViews().at(-1)?.pod;
      task.heartbeat({ job: jobName, pod: newest?.metadata?.name, phase: newest?.status?.phase ?? 'Pending' });
      const verdict = jobVerdict(observer.job, observer.jobGone, observer.podViews(), now, settings.imagePullGraceSeconds * 1000, pullingSince);
      if (verdict.kind === 'pending') return;
      // A pod that went away says little by itself: the Job controller deletes a Job's pods before it
      // records why (its deadline), so the Job is read again for a few seconds before deciding.
      if (verdict.kind === 'failed' && verdict.reason === 'pod-deleted') {
        deletedSince ??= now;
        if (now - deletedSince < POD_DELETED_GRACE_MS) {
          void observer.poll();
          return;
        }
      }
      settle(verdict);
    };
    let deletedSince: number | undefined;
    const observer = new JobObserver({
      clients: kube,
      namespace,
      jobName,
      pollIntervalMs: settings.pollIntervalMs,
      debug: (m) => log(m, { level: 'debug' }),
      onError: (error) => settle({ kind: 'error', error }),
      onChange: evaluate,
    });
    const onAbort = (): void => settle({ kind: 'cancelled', reason: task.signal.reason });
    task.signal.addEventListener('abort', onAbort, { once: true });
    const limit = task.timeoutMs === undefined ? undefined : setTimeout(() => settle({ kind: 'time-limit' }), task.timeoutMs);
    // A pod waiting on an image pull sends no more events: its grace period is checked by the clock.
    const graceTimer = setInterval(() => (pullingSince.size > 0 || deletedSince !== undefined) && evaluate(), 1000);
    if (task.signal.aborted) onAbort();
    else void observer.start();

    let deleted = false;
    const deleteJob = async (propagationPolicy: 'Foreground' | 'Background', why: string): Promise<void> => {
      if (deleted) return;
      deleted = true;
      try {
        await kube.batch.deleteNamespacedJob({ name: jobName, namespace, propagationPolicy });
        log(`deleted Job ${namespace}/${jobName} (${why})`);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 404) log(`could not delete Job ${namespace}/${jobName}: ${apiFailure('deleting', error, context).message}`, { level: 'warn' });
      }
    };

    let ending: Exclude<Ending, { kind: 'pending' }>;
    try {
      ending = (await ended) as typeof ending;
    } finally {
      observer.stop();
      clearInterval(graceTimer);
      if (limit) clearTimeout(limit);
      task.signal.removeEventListener('abort', onAbort);
    }

    if (ending.kind === 'cancelled' || ending.kind === 'time-limit') {
      for (const f of followers.values()) f.stop();
      await deleteJob('Foreground', ending.kind === 'cancelled' ? 'cancelled' : 'past its time limit');
      if (ending.kind === 'time-limit') throw new ComputeTimeoutError(`${task.assetKey} partition ${JSON.stringify(task.partitionKey)} exceeded its time limit of ${task.timeoutMs} ms on Kubernetes (Job ${namespace}/${jobName} deleted)`, { ...where, limitMs: task.timeoutMs ?? 0 });
      throw new KubernetesTaskError(`cancelled: Job ${namespace}/${jobName} deleted`, { ...context, reason: 'pod-deleted' }, 'transient', { cause: ending.reason });
    }
    await Promise.all([...followers.values()].map((f) => f.finish()));
    const tail = [...followers.values()].flatMap((f) => f.tail).slice(-10);
    const keep = settings.cleanup === 'keep' || (settings.cleanup === 'keep-failed' && ending.kind !== 'succeeded');
    try {
      if (ending.kind === 'error') throw ending.error;
      if (ending.kind === 'timeout') throw new ComputeTimeoutError(`${task.assetKey} partition ${JSON.stringify(task.partitionKey)}: ${ending.message}`, { ...where, limitMs: (observer.job?.spec?.activeDeadlineSeconds ?? 0) * 1000 });
      const record = await readRunnerRecord(storage, recordUri).catch((error: unknown) => {
        throw new KubernetesTaskError(`reading the task's record ${recordUri} failed: ${error instanceof Error ? error.message : String(error)}`, { ...context, reason: 'no-result' }, 'transient', { cause: error });
      });
      const pod = ending.pod === undefined ? {} : { pod: ending.pod };
      if (ending.kind === 'succeeded') {
        if (record?.outcome === 'ok') return portable.decode(await storage.get(record.valueUri));
        throw new KubernetesTaskError(`Job ${namespace}/${jobName} succeeded without recording a value (its record: ${record?.outcome ?? 'none'}): is the container's command weft-k8s-task, and its storage the project's?${tail.length ? `\nlast log lines:\n${tail.join('\n')}` : ''}`, { ...context, ...pod, reason: 'no-result' }, 'actionable');
      }
      if (ending.consultRecord && record?.outcome === 'error') {
        const error = new KubernetesTaskError(record.message, { ...context, ...pod, reason: 'compute-error', ...(ending.exitCode === undefined ? {} : { exitCode: ending.exitCode }), computeError: record.name, ...(record.code ? { errorCode: record.code } : {}) }, record.failureClass);
        if (record.stack) error.stack = `${record.stack}\n    at Job ${namespace}/${jobName}`;
        throw error;
      }
      throw new KubernetesTaskError(`${ending.message} (Job ${namespace}/${jobName})${tail.length ? `\nlast log lines:\n${tail.join('\n')}` : ''}`, { ...context, ...pod, reason: ending.reason, ...(ending.exitCode === undefined ? {} : { exitCode: ending.exitCode }) }, ending.failureClass);
    } catch (error) {
      if (!keep) await deleteJob('Background', 'failed');
      else log(`kept Job ${namespace}/${jobName} (cleanup: ${settings.cleanup})`);
      throw error;
    } finally {
      if (ending.kind === 'succeeded' && !keep) await deleteJob('Background', 'finished');
      // After a deadline the runner may still be recording its cancellation: its objects stay (like a cancelled task's).
      if (!keep && ending.kind !== 'timeout') await removeObjects();
    }
  }

  return {
    name: 'kubernetes',
    execute,
    placementOf: (task) => placements.get(task),
    recordOf: async (task) => {
      const placement = placements.get(task);
      return placement ? readRunnerRecord(placement.storage, placement.recordUri) : undefined;
    },
  };
}
