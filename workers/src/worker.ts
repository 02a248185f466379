import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Client, ScheduleOverlapPolicy, WorkflowIdConflictPolicy } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { catalogOf, loadDefinitions, type ComputeProvider, type ConcurrencyLimits, type Definition, type MaterializationListener, type ObjectStorage, type RetentionPolicy } from '@weft/core';
import { type ProvenanceStore } from '@weft/store';
import { createActivities } from './activities/index.js';
import { bundleWorkflows } from './bundle.js';
import { deploymentCode } from './code-versions.js';
import { localCompute } from './local-compute.js';
import { ListenerBus } from './runtime/listeners.js';
import { PlannerHost } from './runtime/planner-host.js';
import { RecentValues } from './runtime/recent-values.js';
import { checkedInlineValueBytes, type WeftRuntime } from './runtime/runtime.js';
import { deploymentQueue, observeScheduleId, reconcileWorkflowId, retentionScheduleId, retentionWorkflowId, type WakeReason } from './workflows/ids.js';

/** Options of {@link startWeftWorker}. */
export interface WeftWorkerOptions {
  readonly definitions: readonly Definition[];
  /** @default 'default' */
  readonly location?: string;
  readonly store: ProvenanceStore;
  readonly storage: ObjectStorage;
  /** @default { default: localCompute() } */
  readonly compute?: Readonly<Record<string, ComputeProvider>>;
  /** Listeners of materializations (plugins' lineage emitters, notifications). */
  readonly listeners?: readonly MaterializationListener[];
  /** Temporal: a worker connection, a client, the namespace. */
  readonly connection: NativeConnection;
  readonly client: Client;
  /** @default `weft-<location>` */
  readonly taskQueue?: string;
  /** A prebuilt workflow bundle (tests build one per run). */
  readonly workflowBundle?: WorkflowBundle;
  /** Code versions per asset; default: from each asset's module graph (or its `version`). */
  readonly codeVersions?: Readonly<Record<string, string>>;
  /** Where module paths are taken relative to for code versions. @default process.cwd() */
  readonly projectRoot?: string;
  readonly limits?: ConcurrencyLimits;
  /** @default 1 */
  readonly batchSize?: number;
  /** Partitions of one batch computed at once (1: one after another). @default 16 */
  readonly batchConcurrency?: number;
  /**
   * Values up to this many bytes are kept in their materialization row in the provenance store,
   * not in object storage (0: every value goes to storage; at most 65,536). @default 1024
   */
  readonly inlineValueBytes?: number;
  /** Start (or poke) the reconcile loop. @default true */
  readonly startReconciler?: boolean;
  /** Create a Temporal schedule per source with a connector. @default true */
  readonly scheduleSources?: boolean;
  /**
   * Apply this retention policy every `everyMs` through a Temporal schedule of the location
   * (created or updated at start; see `retentionSchedule` in @weft/core for the config form).
   * @default none: the schedule, if one exists, is left as it is
   */
  readonly retention?: { readonly policy: RetentionPolicy; readonly everyMs: number };
  readonly maxConcurrentActivityTaskExecutions?: number;
  readonly onMaterializationStart?: WeftRuntime['onMaterializationStart'];
  readonly onBatchStart?: WeftRuntime['onBatchStart'];
  /** How long a crashed worker holds a batch before it is retried elsewhere, ms. @default 30000 */
  readonly heartbeatTimeoutMs?: number;
  /** Time limit of one partition's compute when its asset sets none, ms. @default 3600000 (1 h) */
  readonly partitionTimeoutMs?: number;
  /** How old a running batch is before the planner checks its workflow still runs, ms. @default 15000 */
  readonly orphanCheckMs?: number;
  /**
   * A batch planned by another deployment waits for that deployment's workers; when its queue has
   * had no poller for this long, the batch is terminated and its partitions planned again, ms.
   * @default 180000
   */
  readonly deploymentGoneMs?: number;
  readonly now?: () => number;
}

/** A running Weft worker. */
export interface WeftWorker {
  readonly runtime: WeftRuntime;
  readonly deploymentId: string;
  /** Resolves when the worker has shut down. */
  readonly done: Promise<void>;
  /** Pokes the reconcile loop (starting it if needed). */
  wake(reason: WakeReason): Promise<void>;
  /** Stops polling, lets running activities finish, and resolves when the worker is down. */
  shutdown(): Promise<void>;
}

/**
 * Starts a worker of a code location: records the deployment (definitions and code versions),
 * registers the workflows and activities on the location's task queue and the planner on this
 * process's own queue, schedules source observation, and starts or pokes the reconcile loop.
 */
export async function startWeftWorker(options: WeftWorkerOptions): Promise<WeftWorker> {
  const location = options.location ?? 'default';
  const graph = loadDefinitions(options.definitions);
  const code = options.codeVersions ? { codeVersions: { ...options.codeVersions }, details: {} } : await deploymentCode(options.definitions, options.projectRoot ?? process.cwd());
  // The catalog (every asset without its code) is what the API server rebuilds the graph from.
  const { id: deploymentId } = await options.store.recordDeployment({ assets: catalogOf(graph), code: code.details }, code.codeVersions);
  const taskQueue = options.taskQueue ?? `weft-${location}`;
  const workerName = `${hostname()}:${process.pid}`;
  const workerQueue = `${taskQueue}/planner/${workerName}/${randomBytes(4).toString('hex')}`;
  const batchQueue = deploymentQueue(taskQueue, deploymentId);
  const runtime: WeftRuntime = {
    location,
    graph,
    codeVersions: code.codeVersions,
    deploymentId,
    store: options.store,
    storage: options.storage,
    recentValues: new RecentValues(),
    // `default` runs in the worker unless the config names another provider so.
    compute: { default: localCompute(), ...options.compute },
    listeners: new ListenerBus(options.listeners ?? []),
    limits: options.limits ?? {},
    batchSize: options.batchSize ?? 1,
    ...(options.batchConcurrency === undefined ? {} : { batchConcurrency: options.batchConcurrency }),
    ...(options.inlineValueBytes === undefined ? {} : { inlineValueBytes: checkedInlineValueBytes(options.inlineValueBytes) }),
    client: options.client,
    batchStarter: new Client({ connection: options.connection, namespace: options.client.options.namespace, dataConverter: options.client.options.dataConverter }),
    taskQueue,
    batchQueue,
    deploymentGoneMs: options.deploymentGoneMs ?? 180_000,
    workerQueue,
    workerName,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 30_000,
    partitionTimeoutMs: options.partitionTimeoutMs ?? 3_600_000,
    orphanCheckMs: options.orphanCheckMs ?? 15_000,
    now: options.now ?? Date.now,
    ...(options.onMaterializationStart ? { onMaterializationStart: options.onMaterializationStart } : {}),
    ...(options.onBatchStart ? { onBatchStart: options.onBatchStart } : {}),
  };
  const host = new PlannerHost(runtime);
  const activities = createActivities(runtime, host);
  const workflowBundle = options.workflowBundle ?? (await bundleWorkflows());
  const activitySlots = options.maxConcurrentActivityTaskExecutions ?? 50;
  // Each activity poller holds a slot while it waits. Pollers take at most half of the slots, so a
  // workflow task that schedules an activity on its own queue finds one free: the server then hands
  // the activity back in its answer (eager activity execution, when the server enables it) instead
  // of through the queue (a batch's activity starts ~20 ms sooner).
  const activityPolls = Math.max(1, Math.min(10, Math.floor(activitySlots / 2)));
  const namespace = options.client.options.namespace;
  const main = await Worker.create({
    connection: options.connection,
    namespace,
    taskQueue,
    workflowBundle,
    activities: {
      plannerQueue: activities.plannerQueue,
      planHere: activities.planHere,
      materializeBatch: activities.materializeBatch,
      settleBatch: activities.settleBatch,
      recordBatchFailure: activities.recordBatchFailure,
      wakeReconciler: activities.wakeReconciler,
      observeSource: activities.observeSource,
      applyRetention: activities.applyRetention,
    },
    maxConcurrentActivityTaskExecutions: activitySlots,
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: activityPolls },
    shutdownGraceTime: '30 seconds',
  });
  // Batches run on the deployment's own queue: only workers with the code that planned them.
  const batchWorker = await Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: batchQueue,
    workflowBundle,
    activities: {
      materializeBatch: activities.materializeBatch,
      settleBatch: activities.settleBatch,
      recordBatchFailure: activities.recordBatchFailure,
      wakeReconciler: activities.wakeReconciler,
    },
    maxConcurrentActivityTaskExecutions: activitySlots,
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: activityPolls },
    shutdownGraceTime: '30 seconds',
  });
  const plannerWorker = await Worker.create({ connection: options.connection, namespace, taskQueue: workerQueue, activities: { plan: activities.plan }, maxConcurrentActivityTaskExecutions: 1 });
  const workers = [plannerWorker, batchWorker, main];
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined);

  const wake = async (reason: WakeReason): Promise<void> => {
    await options.client.workflow.signalWithStart('reconcile', {
      taskQueue,
      workflowId: reconcileWorkflowId(location),
      args: [{ location }],
      signal: 'wake',
      signalArgs: [reason],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  };
  try {
    if (options.scheduleSources ?? true) await scheduleSources(options.client, graph, location, taskQueue);
    if (options.retention) await scheduleRetention(options.client, location, taskQueue, options.retention);
    if (options.startReconciler ?? true) await wake('deployed');
  } catch (error) {
    for (const w of workers) w.shutdown();
    await done.catch(() => {});
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    deploymentId,
    done,
    wake,
    shutdown() {
      stopping ??= (async () => {
        await options.client.workflow
          .getHandle(reconcileWorkflowId(location))
          .signal('plannerLeaving', workerQueue)
          .catch(() => {});
        // Temporal's runtime may have stopped the workers already (it handles SIGINT/SIGTERM itself).
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await done;
        await runtime.listeners.close();
      })();
      return stopping;
    },
  };
}

/** The location's retention schedule (created or updated); a run still going when the next is due is not doubled. */
async function scheduleRetention(client: Client, location: string, taskQueue: string, retention: NonNullable<WeftWorkerOptions['retention']>): Promise<void> {
  const scheduleId = retentionScheduleId(location);
  const spec = { intervals: [{ every: retention.everyMs }] };
  const action = { type: 'startWorkflow' as const, workflowType: 'applyRetention', taskQueue, args: [{ location, ...retention.policy }], workflowId: retentionWorkflowId(location) };
  await createOrUpdateSchedule(client, scheduleId, spec, action);
}

async function createOrUpdateSchedule(
  client: Client,
  scheduleId: string,
  spec: { intervals: Array<{ every: number }> },
  action: { type: 'startWorkflow'; workflowType: string; taskQueue: string; args: unknown[]; workflowId: string },
): Promise<void> {
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  } catch (error) {
    if ((error as Error).name !== 'ScheduleAlreadyRunning') throw error;
    // (The server can fail a describe of a schedule it is still starting, or under load: the update
    // is tried a few times before the worker gives up.)
    for (let attempt = 1; ; attempt++) {
      try {
        await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
        return;
      } catch (failed) {
        if (attempt >= SCHEDULE_UPDATE_ATTEMPTS || (failed as Error).name !== 'ServiceError') throw failed;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }
}

/** Tries of a schedule update the server fails (a describe under load, a schedule still starting). */
const SCHEDULE_UPDATE_ATTEMPTS = 5;

/** One Temporal schedule per source with a connector, polling at its interval (created or updated). */
async function scheduleSources(client: Client, graph: ReturnType<typeof loadDefinitions>, location: string, taskQueue: string): Promise<void> {
  for (const key of graph.order) {
    const def = graph.node(key).definition;
    if (def.kind !== 'source' || !def.observe) continue;
    const scheduleId = observeScheduleId(location, key);
    const spec = { intervals: [{ every: def.observeIntervalMs }] };
    const action = { type: 'startWorkflow' as const, workflowType: 'observeSource', taskQueue, args: [{ location, sourceKey: key }], workflowId: `weft/observe/${location}/${key}` };
    await createOrUpdateSchedule(client, scheduleId, spec, action);
  }
}
