import { deploymentQueue } from '../workflows/ids.js';
import type { WeftRuntime } from './runtime.js';

/** A worker long-polls for up to a minute: one that polled within this long is alive. */
export const POLLER_ALIVE_MS = 90_000;

/** Whether any worker polled `queue` (workflow or activity tasks) within `withinMs`. */
export async function queueAlive(runtime: WeftRuntime, queue: string, withinMs: number): Promise<boolean> {
  const { client } = runtime;
  const since = Date.now() - withinMs;
  // (temporal.api.enums.v1.TaskQueueType: 1 = workflow tasks, 2 = activity tasks)
  for (const taskQueueType of [1, 2]) {
    const { pollers } = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: queue }, taskQueueType });
    for (const p of pollers ?? []) if (Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= since) return true;
  }
  return false;
}

/**
 * The deployment that should plan instead of this worker's: the location's latest announced one,
 * when it is another and some worker of it is alive (a rolling deploy hands planning to the new
 * code at once; a new deployment whose workers never came up, or crashed, takes nothing over).
 */
export async function supersededBy(runtime: WeftRuntime): Promise<string | undefined> {
  const latest = await runtime.store.latestDeployment();
  if (latest === undefined || latest === runtime.deploymentId) return undefined;
  return (await queueAlive(runtime, deploymentQueue(runtime.taskQueue, latest), POLLER_ALIVE_MS)) ? latest : undefined;
}
