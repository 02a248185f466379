import type { PartitionKey } from '../partitions/types.js';
import type { ObjectStorage } from '../storage/object-storage.js';

/**
 * A compute described so that another process can run it: the module and export to call, the
 * input as bytes, and how to read the result back. Remote providers (Kubernetes) ship this; the
 * local provider ignores it and calls {@link ComputeTask.run}.
 *
 * The process that runs it imports `module` (the same path must exist there: the same project in
 * the image), takes its export `exportName` — a function `(input, ctx) => value`, or an asset
 * definition, whose `compute(inputs, ctx)` is called — decodes `input` with
 * {@link decodePortableValue}, and encodes the result with the asset's codec (an asset) or
 * {@link encodePortableValue} (a function); `decode` turns those bytes back into the value.
 */
export interface PortableCompute<T> {
  /** Absolute path or `file:` URL of the module, or a package specifier resolvable where it runs. */
  readonly module: string;
  /** The export to call. When absent, the export that is the asset definition of the task's asset key. */
  readonly exportName?: string;
  /** The input (the asset's input values), encoded with {@link encodePortableValue}. */
  readonly input: Uint8Array;
  /** Turns the result's bytes back into the value. */
  decode(bytes: Uint8Array): T;
}

/** One partition's compute, handed to a compute provider. */
export interface ComputeTask<T> {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  /** The asset's time limit for one partition, if any. */
  readonly timeoutMs: number | undefined;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** The materialization's token (hex), when the task is one: names its work in other systems. */
  readonly token?: string;
  /** Writes a line into the materialization's log (the worker's; absent outside a materialization). */
  log?(message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** The project's object storage, through which remote providers pass the task and its result. */
  readonly storage?: ObjectStorage;
  /** The compute in a form another process can run; absent when it exists only in this process. */
  readonly portable?: PortableCompute<T>;
  /** Reports liveness (the worker turns it into a Temporal heartbeat). */
  heartbeat(details?: unknown): void;
  /** Runs the compute; it must stop when `signal` aborts. */
  run(signal: AbortSignal): Promise<T>;
}

/**
 * Where computes run. `localCompute()` (in @weft/workers) runs them in the worker process; other
 * providers (Kubernetes) run the task's {@link PortableCompute} elsewhere and hand back the result.
 */
export interface ComputeProvider {
  readonly name: string;
  execute<T>(task: ComputeTask<T>): Promise<T>;
}
