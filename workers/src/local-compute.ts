import type { ComputeProvider } from '@weft/core';
import { TransientError } from '@weft/core';

/** Options of {@link localCompute}. */
export interface LocalComputeOptions {
  /** Time limit for one partition when the asset sets none, ms. @default no limit */
  readonly defaultTimeoutMs?: number;
}

/**
 * Runs computes in the worker process, with a time limit: when it passes, the compute's signal
 * aborts and the partition fails with a transient `TimeoutError` (retried with backoff).
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
            const error = new TransientError(`${task.assetKey} partition ${JSON.stringify(task.partitionKey)} exceeded its time limit of ${limit} ms`);
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
