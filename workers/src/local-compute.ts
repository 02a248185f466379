import type { ComputeProvider } from '@weft/core';
import { ComputeTimeoutError } from '@weft/core';

/** Options of {@link localCompute}. */
export interface LocalComputeOptions {
  /** Time limit for one partition when the asset sets none, ms. @default no limit */
  readonly defaultTimeoutMs?: number;
}

/**
 * Runs computes in the worker process, with a time limit: when it passes, the compute's signal
 * aborts and the partition fails alone with a transient `ComputeTimeoutError` (the planner retries it
 * with the asset's backoff). The worker holds every partition to its limit whatever the provider does.
 */
export function localCompute(options: LocalComputeOptions = {}): ComputeProvider {
  return {
    name: 'local',
    async execute(task) {
      const limit = task.timeoutMs ?? options.defaultTimeoutMs;
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(task.signal.reason);
      task.signal.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      try {
        const running = task.run(controller.signal);
        if (limit === undefined) return await running;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new ComputeTimeoutError(`${task.assetKey} partition ${JSON.stringify(task.partitionKey)} exceeded its time limit of ${limit} ms`, { assetKey: task.assetKey, partitionKey: task.partitionKey, limitMs: limit });
            controller.abort(error);
            reject(error);
          }, limit);
        });
        return await Promise.race([running, timeout]);
      } finally {
        if (timer) clearTimeout(timer);
        task.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
