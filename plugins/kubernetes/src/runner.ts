/**
 * The task runner: what the Job's container runs (`weft-k8s-task`). It reads the task spec from the
 * project's object storage, imports the compute's module, runs it with the decoded input, writes
 * the value and a record of the outcome back, and exits 0 (value written), 1 (the compute failed:
 * the record says how) or 143 (SIGTERM: the Job was deleted; the compute's signal was aborted).
 *
 * Log lines of the compute (`ctx.log`) are written to stdout as JSON (`{"weft":"log",…}`), which the
 * provider reads back from the pod's log into the materialization's log.
 */
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { classifyError, coerceError, decodePortableValue, encodePortableValue, loadPlugins, redactSecrets, WeftError, type AssetDefinition, type ComputeContext, type ObjectStorage, type WeftConfig } from '@weft/core';
import { CONFIG_ENV, encodeJson, readTaskSpec, TASK_ENV, type RunnerRecord, type TaskSpec } from './task-protocol.js';

/** What {@link runTask} needs; by default taken from the process. */
export interface RunTaskOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborts the compute (the bin aborts it on SIGTERM). */
  readonly signal?: AbortSignal;
  /** Where log lines go. @default stdout */
  readonly write?: (line: string) => void;
  /** The storage, instead of the config's (tests). */
  readonly storage?: ObjectStorage;
}

const now = (): string => new Date().toISOString();

function toUrl(specifier: string): string {
  if (specifier.startsWith('file:') || !(isAbsolute(specifier) || specifier.startsWith('.'))) return specifier;
  return pathToFileURL(resolve(specifier)).href;
}

/** The project's storage, from its `weft.config` (its `storage`, or the one its plugins provide). */
async function configStorage(configPath: string): Promise<ObjectStorage> {
  const mod = (await import(toUrl(configPath))) as { default?: WeftConfig };
  const config = mod.default;
  if (!config || typeof config !== 'object') throw new WeftError('definition.bad_module', `${configPath} has no default export (the project's defineConfig({...}))`, { field: CONFIG_ENV });
  if (config.storage) return config.storage;
  const storage = await loadPlugins(config.plugins, {}).storage();
  if (!storage) throw new WeftError('definition.bad_option', `${configPath} sets no storage and none of its plugins provides one: a task in a pod can only reach values through shared object storage (s3)`, { field: 'storage' });
  return storage;
}

function isAsset(value: unknown): value is AssetDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'asset' && typeof (value as { compute?: unknown }).compute === 'function';
}

/** The compute the spec names, and how its value becomes bytes. */
async function loadCompute(spec: TaskSpec): Promise<{ call: (input: unknown, ctx: ComputeContext) => unknown; encode: (value: unknown) => Uint8Array }> {
  const mod = (await import(toUrl(spec.module))) as Record<string, unknown>;
  const target = spec.exportName !== undefined ? mod[spec.exportName] : Object.values(mod).find((v) => isAsset(v) && String(v.key) === spec.assetKey);
  const name = spec.exportName ?? `the asset ${spec.assetKey}`;
  if (isAsset(target)) return { call: (input, ctx) => target.compute(input as never, ctx), encode: (v) => target.codec.encode(v) };
  if (typeof target === 'function') return { call: (input, ctx) => (target as (i: unknown, c: ComputeContext) => unknown)(input, ctx), encode: encodePortableValue };
  throw new WeftError('definition.bad_module', `${spec.module} exports no ${name} (a function or an asset definition): is the image built from the same code as the worker?`, { assetKey: spec.assetKey, field: 'module' });
}

/** Runs the task named by `WEFT_TASK`; resolves to the process's exit code. */
export async function runTask(options: RunTaskOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const signal = options.signal ?? new AbortController().signal;
  const log = (message: string, fields?: Readonly<Record<string, unknown>>): void => write(JSON.stringify({ weft: 'log', at: now(), message: redactSecrets(message), ...(fields ? { fields } : {}) }));
  const taskUri = env[TASK_ENV];
  if (!taskUri) {
    log(`weft-k8s-task: ${TASK_ENV} is not set (the URI of the task spec); this command runs inside a Job made by @weft/plugin-kubernetes`);
    return 2;
  }
  const storage = options.storage ?? (await configStorage(env[CONFIG_ENV] ?? './weft.config.ts'));
  const spec = await readTaskSpec(storage, taskUri);
  const record = (r: RunnerRecord): Promise<string> => storage.put(spec.recordKey, encodeJson(r));
  await record({ outcome: 'running', startedAt: now(), host: hostname() });
  try {
    const compute = await loadCompute(spec);
    const input = decodePortableValue(await storage.get(spec.inputUri));
    const ctx: ComputeContext = {
      assetKey: spec.assetKey as ComputeContext['assetKey'],
      partitionKey: spec.partitionKey,
      token: spec.token,
      window: undefined,
      dimensions: undefined,
      signal,
      heartbeat: () => undefined,
      log,
    };
    const value = await compute.call(input, ctx);
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
    const bytes = compute.encode(value);
    const valueUri = await storage.put(spec.valueKey, bytes);
    await record({ outcome: 'ok', valueUri, bytes: bytes.byteLength, finishedAt: now() });
    return 0;
  } catch (thrown) {
    const error = coerceError(thrown);
    if (signal.aborted) {
      const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      await record({ outcome: 'cancelled', signalAborted: true, reason, finishedAt: now() });
      log(`the task was stopped: ${reason}`);
      return 143;
    }
    const code = (error as { code?: unknown }).code;
    await record({ outcome: 'error', failureClass: classifyError(error), name: error.name, message: redactSecrets(error.message), code: typeof code === 'string' ? code : undefined, stack: error.stack === undefined ? undefined : redactSecrets(error.stack), finishedAt: now() });
    log(`the task failed: ${error.message}`);
    return 1;
  }
}
