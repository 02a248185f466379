/**
 * What the Job and its pods say about a task, as Kubernetes reports it: still going, succeeded, past
 * its deadline, or failed — and whether a failure is the cluster's doing (transient: OOMKilled,
 * evicted, preempted or otherwise disrupted, an image that cannot be pulled yet, a lost node) or
 * the task's (a non-zero exit, whose record in storage then says more). Pure: tested by tables.
 */
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { FailureClass } from '@weft/core';
import type { KubernetesFailureReason } from './errors.js';
import { CONTAINER } from './job-manifest.js';

/** A pod as last seen, and whether it has since been deleted. */
export interface PodView {
  readonly pod: V1Pod;
  readonly deleted: boolean;
}

export type Verdict =
  | { readonly kind: 'pending' }
  | { readonly kind: 'succeeded'; readonly pod: string | undefined }
  | { readonly kind: 'timeout'; readonly message: string; readonly pod: string | undefined }
  | {
      readonly kind: 'failed';
      readonly reason: KubernetesFailureReason;
      readonly failureClass: FailureClass;
      readonly message: string;
      readonly pod: string | undefined;
      readonly exitCode?: number;
      /** The runner's record decides the class (a non-zero exit: the compute's error, or not). */
      readonly consultRecord: boolean;
    };

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff']);
const CONTAINER_CONFIG = new Set(['CreateContainerConfigError', 'InvalidImageName', 'CreateContainerError']);
const NODE_GONE = new Set(['NodeLost', 'UnexpectedAdmissionError', 'Shutdown', 'Terminated', 'NodeShutdown']);
const DISRUPTIONS: Readonly<Record<string, string>> = {
  PreemptionByScheduler: 'preempted by the scheduler for a higher-priority pod',
  EvictionByEvictionAPI: 'evicted through the Eviction API (a drain or a disruption budget)',
  DeletionByTaintManager: 'deleted because its node was tainted NoExecute (a lost or drained node)',
  DeletionByPodGC: 'deleted by the pod garbage collector (its node is gone)',
  TerminationByKubelet: 'terminated by the kubelet (node pressure or shutdown)',
};

function conditionOf(job: V1Job | undefined, type: string): { reason?: string; message?: string } | undefined {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function taskContainer(pod: V1Pod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === CONTAINER) ?? pod.status?.containerStatuses?.[0];
}

function limitOf(pod: V1Pod, resource: string): string | undefined {
  const container = pod.spec?.containers.find((c) => c.name === CONTAINER);
  return container?.resources?.limits?.[resource];
}

/** The verdict of one pod; `waitingSince` is when its image pull began failing (ms). */
export function podVerdict(view: PodView, now: number, imagePullGraceMs: number, waitingSince: number | undefined): Verdict {
  const { pod } = view;
  const name = pod.metadata?.name;
  const failed = (reason: KubernetesFailureReason, failureClass: FailureClass, message: string, extra: { exitCode?: number; consultRecord?: boolean } = {}): Verdict => ({
    kind: 'failed',
    reason,
    failureClass,
    message: `pod ${name}: ${message}`,
    pod: name,
    ...(extra.exitCode === undefined ? {} : { exitCode: extra.exitCode }),
    consultRecord: extra.consultRecord ?? false,
  });
  const disruption = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const container = taskContainer(pod);
  const terminated = container?.state?.terminated;
  if (terminated?.reason === 'OOMKilled') {
    const limit = limitOf(pod, 'memory');
    return failed('oom-killed', 'transient', `the container was OOMKilled (exit code ${terminated.exitCode})${limit ? `: it needed more than its memory limit of ${limit}` : ''}; raise resources.limits.memory if it recurs`, { exitCode: terminated.exitCode });
  }
  if (disruption) {
    const why = DISRUPTIONS[disruption.reason ?? ''] ?? `disrupted (${disruption.reason ?? 'DisruptionTarget'})`;
    return failed(disruption.reason === 'PreemptionByScheduler' ? 'disrupted' : disruption.reason === 'EvictionByEvictionAPI' ? 'evicted' : 'disrupted', 'transient', `${why}${disruption.message ? `: ${disruption.message}` : ''}`);
  }
  if (pod.status?.reason === 'Evicted') return failed('evicted', 'transient', `evicted by the kubelet${pod.status.message ? `: ${pod.status.message}` : ''}`);
  if (NODE_GONE.has(pod.status?.reason ?? '')) return failed('node-lost', 'transient', `its node failed it (${pod.status?.reason})${pod.status?.message ? `: ${pod.status.message}` : ''}`);
  if (pod.status?.reason === 'DeadlineExceeded') return { kind: 'timeout', message: `pod ${name} ran past its activeDeadlineSeconds`, pod: name };
  const waiting = container?.state?.waiting;
  if (waiting && IMAGE_PULL.has(waiting.reason ?? '') && !terminated) {
    if (now - (waitingSince ?? now) >= imagePullGraceMs) {
      return failed('image-pull', 'transient', `the image ${container?.image ?? ''} could not be pulled (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`);
    }
    return { kind: 'pending' };
  }
  if (waiting && CONTAINER_CONFIG.has(waiting.reason ?? '')) return failed('container-config', 'actionable', `the container cannot start (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}); check the plugin's image, env and envSecret`);
  if (terminated) {
    if (terminated.exitCode === 0) return { kind: 'succeeded', pod: name };
    const signal = terminated.signal ? ` (signal ${terminated.signal})` : '';
    return failed('exit-code', 'actionable', `the container exited with code ${terminated.exitCode}${signal}${terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : ''}`, { exitCode: terminated.exitCode, consultRecord: true });
  }
  if (pod.status?.phase === 'Succeeded') return { kind: 'succeeded', pod: name };
  if (pod.status?.phase === 'Failed') return failed('exit-code', 'actionable', `the pod failed${pod.status.reason ? ` (${pod.status.reason})` : ''}${pod.status.message ? `: ${pod.status.message}` : ''}`, { consultRecord: true });
  if (view.deleted || pod.metadata?.deletionTimestamp) return failed('pod-deleted', 'transient', 'the pod was deleted before its container finished');
  return { kind: 'pending' };
}

/**
 * The verdict of a Job from it and its pods (newest last). A pod's own verdict wins over the Job's
 * conditions (it says why); the Job's deadline wins over everything.
 */
export function jobVerdict(job: V1Job | undefined, jobGone: boolean, pods: readonly PodView[], now: number, imagePullGraceMs: number, waitingSince: ReadonlyMap<string, number>): Verdict {
  // The Job controller marks FailureTarget before it stops the pods, Failed after.
  const deadline = [conditionOf(job, 'FailureTarget'), conditionOf(job, 'Failed')].find((c) => c?.reason === 'DeadlineExceeded');
  if (deadline) return { kind: 'timeout', message: `the Job ran past its activeDeadlineSeconds (${job?.spec?.activeDeadlineSeconds ?? '?'} s)${deadline.message ? `: ${deadline.message}` : ''}`, pod: pods.at(-1)?.pod.metadata?.name };
  for (const view of pods) {
    const verdict = podVerdict(view, now, imagePullGraceMs, waitingSince.get(view.pod.metadata?.name ?? ''));
    if (verdict.kind !== 'pending') return verdict;
  }
  if (conditionOf(job, 'Complete')) return { kind: 'succeeded', pod: pods.at(-1)?.pod.metadata?.name };
  const failedJob = conditionOf(job, 'Failed') ?? conditionOf(job, 'FailureTarget');
  if (failedJob) return { kind: 'failed', reason: 'exit-code', failureClass: 'actionable', message: `the Job failed (${failedJob.reason ?? 'Failed'}${failedJob.message ? `: ${failedJob.message}` : ''})`, pod: pods.at(-1)?.pod.metadata?.name, consultRecord: true };
  if (jobGone) return { kind: 'failed', reason: 'pod-deleted', failureClass: 'transient', message: 'the Job was deleted by someone else before it finished', pod: undefined, consultRecord: false };
  return { kind: 'pending' };
}

/** Whether the pod's container is waiting on an image pull (to time the grace period). */
export function isPullingImage(pod: V1Pod): boolean {
  return IMAGE_PULL.has(taskContainer(pod)?.state?.waiting?.reason ?? '');
}
