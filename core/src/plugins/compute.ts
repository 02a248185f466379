import type { PartitionKey } from '../partitions/types.js';

/** One partition's compute, handed to a compute provider. */
export interface ComputeTask<T> {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  /** The asset's time limit for one partition, if any. */
  readonly timeoutMs: number | undefined;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** Reports liveness (the worker turns it into a Temporal heartbeat). */
  heartbeat(details?: unknown): void;
  /** Runs the compute; it must stop when `signal` aborts. */
  run(signal: AbortSignal): Promise<T>;
}

/**
 * Where computes run. `localCompute()` (in @weft/workers) runs them in the worker process; other
 * providers (Kubernetes) run a task reference elsewhere and hand back the result.
 */
export interface ComputeProvider {
  readonly name: string;
  execute<T>(task: ComputeTask<T>): Promise<T>;
}
