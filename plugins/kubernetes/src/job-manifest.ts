/**
 * The batch/v1 Job of one task: the user's image running `weft-k8s-task` with the task spec's URI,
 * one pod (`backoffLimit: 0`, `restartPolicy: Never`: Weft retries), the configured resources, node
 * selector, tolerations, service account and labels. Secrets are references to Kubernetes Secrets
 * (`secretKeyRef`), never values.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { isSecret } from '@weft/core';
import type { KubernetesSettings } from './options.js';
import { CONFIG_ENV, TASK_ENV } from './task-protocol.js';

/** The container's name in every task pod. */
export const CONTAINER = 'task';
/** Labels and annotations the plugin puts on its Jobs and pods. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  asset: 'weft.dev/asset',
  token: 'weft.dev/token',
} as const;
export const ANNOTATIONS = { assetKey: 'weft.dev/asset-key', partitionKey: 'weft.dev/partition-key', token: 'weft.dev/token' } as const;

/** A label value from any text: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function labelValueOf(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (cleaned.length <= 63) return cleaned;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${cleaned.slice(0, 54).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}

/** A Job name for a task: `weft-<asset>-<token prefix>-<random>`, a DNS label of at most 63 characters. */
export function jobNameFor(assetKey: string, token: string | undefined): string {
  const asset = assetKey.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30).replace(/-+$/, '') || 'task';
  const tokenPart = (token ?? '').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12);
  const random = randomBytes(3).toString('hex');
  return ['weft', asset, tokenPart, random].filter(Boolean).join('-');
}

function containerEnv(settings: KubernetesSettings, taskUri: string): V1EnvVar[] {
  const env: V1EnvVar[] = [{ name: TASK_ENV, value: taskUri }];
  if (settings.configPath) env.push({ name: CONFIG_ENV, value: settings.configPath });
  for (const [name, value] of Object.entries(settings.env ?? {})) {
    if (isSecret(value)) env.push({ name, valueFrom: { secretKeyRef: { name: settings.envSecret!, key: value.env } } });
    else if (typeof value === 'string') env.push({ name, value });
    else env.push({ name, valueFrom: { secretKeyRef: { ...value.secretKeyRef } } });
  }
  return env;
}

/** What a Job is for. */
export interface JobTask {
  readonly jobName: string;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly token: string | undefined;
  /** URI of the task spec in the project's storage. */
  readonly taskUri: string;
  /** The task's own time limit: the Job's deadline is at most this (rounded up to seconds). */
  readonly timeoutMs: number | undefined;
}

/** The Job manifest of `task` under `settings`. */
export function jobManifest(settings: KubernetesSettings, task: JobTask): V1Job {
  const labels: Record<string, string> = {
    ...settings.labels,
    [LABELS.managedBy]: 'weft',
    [LABELS.component]: 'compute',
    [LABELS.asset]: labelValueOf(task.assetKey),
    ...(task.token ? { [LABELS.token]: labelValueOf(task.token) } : {}),
  };
  const annotations: Record<string, string> = {
    ...settings.annotations,
    [ANNOTATIONS.assetKey]: task.assetKey,
    [ANNOTATIONS.partitionKey]: task.partitionKey,
    ...(task.token ? { [ANNOTATIONS.token]: task.token } : {}),
  };
  const taskDeadline = task.timeoutMs === undefined ? undefined : Math.max(1, Math.ceil(task.timeoutMs / 1000));
  const deadlines = [settings.activeDeadlineSeconds, taskDeadline].filter((d): d is number => d !== undefined);
  const quantities = (list: Record<string, string | number> | undefined): Record<string, string> | undefined =>
    list === undefined ? undefined : Object.fromEntries(Object.entries(list).map(([k, v]) => [k, String(v)]));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: task.jobName, namespace: settings.namespace, labels, annotations },
    spec: {
      backoffLimit: settings.backoffLimit,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      ...(deadlines.length > 0 ? { activeDeadlineSeconds: Math.min(...deadlines) } : {}),
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          ...(settings.serviceAccount ? { serviceAccountName: settings.serviceAccount } : {}),
          ...(settings.priorityClassName ? { priorityClassName: settings.priorityClassName } : {}),
          ...(settings.nodeSelector ? { nodeSelector: { ...settings.nodeSelector } } : {}),
          ...(settings.tolerations ? { tolerations: settings.tolerations.map((t) => ({ ...t })) } : {}),
          ...(settings.imagePullSecrets ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
          containers: [
            {
              name: CONTAINER,
              image: settings.image,
              ...(settings.imagePullPolicy ? { imagePullPolicy: settings.imagePullPolicy } : {}),
              command: [...settings.command],
              ...(settings.workingDir ? { workingDir: settings.workingDir } : {}),
              env: containerEnv(settings, task.taskUri),
              ...(settings.resources ? { resources: { ...(settings.resources.requests ? { requests: quantities(settings.resources.requests) } : {}), ...(settings.resources.limits ? { limits: quantities(settings.resources.limits) } : {}) } } : {}),
            },
          ],
        },
      },
    },
  };
}
