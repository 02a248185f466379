/**
 * The computes of the compute conformance suite as exports of a module, so that a provider that
 * runs tasks in another process (a Kubernetes pod) can import and run them from the task's
 * {@link PortableCompute}. Each is `(input, ctx) => value`; the suite runs the same code locally.
 */
import { fileURLToPath } from 'node:url';
import { TransientError, type ComputeContext } from '@weft/core';

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal): Promise<void> => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Returns its input's `value`. */
export async function returnsValue(input: { value: unknown }): Promise<unknown> {
  return input.value;
}

/** Fails as a user's code fails: an ordinary Error with `message`. */
export async function throwsUserError(input: { message: string }): Promise<never> {
  throw new Error(input.message);
}

/** Fails as infrastructure does: a TransientError, or an Error with a network `code`. */
export async function throwsInfrastructureError(input: { message: string; code?: string }): Promise<never> {
  if (input.code === undefined) throw new TransientError(input.message);
  throw Object.assign(new Error(input.message), { code: input.code });
}

/** Waits until its signal aborts, then throws its reason (a compute that honours cancellation). */
export async function waitsForAbort(_input: unknown, ctx: Pick<ComputeContext, 'signal' | 'log'>): Promise<never> {
  ctx.log('waiting for the signal to abort');
  await aborted(ctx.signal);
  throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
}

/** The path of this module, for {@link PortableCompute.module}. */
export const COMPUTE_FIXTURES_MODULE = fileURLToPath(import.meta.url);
