/**
 * Starts `weft dev`'s worker for one load of the project. A reload starts another with the new
 * definitions on the same store, storage, compute providers, listeners, Temporal client and task
 * queue: the process's, made once at start. Each worker has a worker connection of its own: the
 * Temporal runtime refuses two workers of one task queue on one connection, and during a redeploy
 * the old and the new worker run side by side.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import { retentionSchedule, type ComputeProvider, type MaterializationListener, type ObjectStorage } from '@weft/core';
import type { ProvenanceStore } from '@weft/store';
import { startWeftWorker, type WeftWorker } from '@weft/workers';
import type { Project } from '../project.js';

/** What every worker of one `weft dev` process shares. */
export interface DevShared {
  readonly location: string;
  readonly store: ProvenanceStore;
  readonly storage: ObjectStorage;
  readonly compute: Readonly<Record<string, ComputeProvider>>;
  readonly listeners: readonly MaterializationListener[];
  readonly client: Client;
  /** Opens a worker connection for a new deployment's worker. */
  readonly connect: () => Promise<NativeConnection>;
  readonly taskQueue: string;
  /** Bundled once per process: every worker runs the same workflow code. */
  readonly workflowBundle: WorkflowBundle;
}

/**
 * How long batches planned by a deployment this process has replaced wait for its workers before
 * the new deployment plans them again. Production's default is 3 minutes; in dev the old workers
 * are known to be gone for good once shut down, and a worker that still runs polls at least this
 * often (a long poll lasts about a minute), so 90 s is safe and an edit is not held up for long.
 */
const DEV_DEPLOYMENT_GONE_MS = 90_000;

/** Starts a worker of `project`'s definitions (recording its deployment) on the shared resources. */
export async function startDevWorker(project: Project, shared: DevShared, connection: NativeConnection): Promise<WeftWorker> {
  const { config } = project;
  return startWeftWorker({
    definitions: project.definitions,
    location: shared.location,
    store: shared.store,
    storage: shared.storage,
    ...(Object.keys(shared.compute).length > 0 ? { compute: shared.compute } : {}),
    ...(shared.listeners.length > 0 ? { listeners: shared.listeners } : {}),
    ...(config.concurrency ? { limits: config.concurrency } : {}),
    ...(config.batchSize ? { batchSize: config.batchSize } : {}),
    ...(config.inlineValueBytes === undefined ? {} : { inlineValueBytes: config.inlineValueBytes }),
    ...(config.retention ? { retention: retentionSchedule(config.retention) } : {}),
    connection,
    client: shared.client,
    taskQueue: shared.taskQueue,
    workflowBundle: shared.workflowBundle,
    deploymentGoneMs: DEV_DEPLOYMENT_GONE_MS,
    projectRoot: project.root,
  });
}
