/**
 * What the provider and the task runner exchange through the project's object storage: the task
 * spec (written before the Job is created), and the runner's record of how the task went (written
 * when it starts, then when it ends). The value itself is a separate object, in the bytes the
 * task's `decode` reads.
 */
import { WeftError, type FailureClass, type ObjectStorage } from '@weft/core';

/** The environment variable holding the URI of the task spec in the container. */
export const TASK_ENV = 'WEFT_TASK';
/** The environment variable holding the path of the project's `weft.config` in the container. */
export const CONFIG_ENV = 'WEFT_CONFIG';

/** The task spec the runner reads. */
export interface TaskSpec {
  readonly version: 1;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly token: string;
  /** Module and export of the compute (see PortableCompute). */
  readonly module: string;
  readonly exportName: string | undefined;
  /** URI of the input bytes. */
  readonly inputUri: string;
  /** Storage keys the runner writes: its record, and the value's bytes. */
  readonly recordKey: string;
  readonly valueKey: string;
}

/** The record of the task: `pending` (written by the provider, so it knows the URI), then the runner's. */
export type RunnerRecord =
  | { readonly outcome: 'pending'; readonly createdAt: string }
  | { readonly outcome: 'running'; readonly startedAt: string; readonly host: string }
  | { readonly outcome: 'ok'; readonly valueUri: string; readonly bytes: number; readonly finishedAt: string }
  | { readonly outcome: 'error'; readonly failureClass: FailureClass; readonly name: string; readonly message: string; readonly code: string | undefined; readonly stack: string | undefined; readonly finishedAt: string }
  | { readonly outcome: 'cancelled'; readonly signalAborted: boolean; readonly reason: string; readonly finishedAt: string };

/** The storage keys of one Job's objects. */
export function taskKeys(prefix: string, jobName: string): { spec: string; input: string; record: string; value: string } {
  const base = `${prefix.replace(/\/+$/, '')}/${jobName}`;
  return { spec: `${base}/task.json`, input: `${base}/input`, record: `${base}/record.json`, value: `${base}/value` };
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function decodeJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new WeftError('storage.bad_value', `${what} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads and checks a task spec. */
export async function readTaskSpec(storage: ObjectStorage, uri: string): Promise<TaskSpec> {
  const spec = decodeJson(await storage.get(uri), `the task spec ${uri}`) as Partial<TaskSpec>;
  if (spec.version !== 1) throw new WeftError('storage.bad_value', `the task spec ${uri} has version ${JSON.stringify(spec.version)}; this runner reads version 1 (the image's @weft/plugin-kubernetes is older or newer than the worker's)`);
  for (const field of ['assetKey', 'token', 'module', 'inputUri', 'recordKey', 'valueKey'] as const) {
    if (typeof spec[field] !== 'string' || spec[field] === '') throw new WeftError('storage.bad_value', `the task spec ${uri} has no ${field}`, { field });
  }
  return spec as TaskSpec;
}

/** Reads the runner's record, or undefined when it has written none yet. */
export async function readRunnerRecord(storage: ObjectStorage, uri: string): Promise<RunnerRecord | undefined> {
  try {
    return decodeJson(await storage.get(uri), `the runner record ${uri}`) as RunnerRecord;
  } catch (error) {
    if (error instanceof WeftError && error.code === 'storage.not_found') return undefined;
    throw error;
  }
}
