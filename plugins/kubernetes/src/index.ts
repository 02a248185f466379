/**
 * @weft/plugin-kubernetes: a compute provider running each partition's compute as a batch/v1 Job
 * (see README.md), and the task runner its containers run (`weft-k8s-task`, `runTask`).
 *
 * @module
 */
export { kubernetes } from './plugin.js';
export { kubernetesCompute, type KubernetesComputeProvider, type TaskPlacement } from './provider.js';
export { kubernetesOptionsSchema, parseKubernetesOptions, PLUGIN_NAME, type KubernetesOptions, type KubernetesSettings } from './options.js';
export { jobManifest, jobNameFor, labelValueOf, ANNOTATIONS, CONTAINER, LABELS, type JobTask } from './job-manifest.js';
export { jobVerdict, podVerdict, type PodView, type Verdict } from './classify.js';
export { KubernetesTaskError, type KubernetesFailureReason, type KubernetesFailureContext } from './errors.js';
export { kubeClients, type KubeClients } from './kube-client.js';
export { runTask, type RunTaskOptions } from './runner.js';
export { readRunnerRecord, taskKeys, CONFIG_ENV, TASK_ENV, type RunnerRecord, type TaskSpec } from './task-protocol.js';
export { timestampNanos } from './pod-logs.js';
