/**
 * The compute provider conformance suite: a task's value comes back; a user's error comes back as
 * an actionable failure and an infrastructure error as a transient one (so Weft retries only what
 * a retry can fix); a task past its time limit and a cancelled task stop, with their signal aborted.
 */
import { classifyError, TransientError, type ComputeProvider, type ComputeTask } from '@weft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface ComputeUnderTest {
  readonly provider: ComputeProvider;
  cleanup?(): Promise<void>;
}

export interface ComputeCapabilities {
  /** It enforces `task.timeoutMs` itself (otherwise the worker does, and the timeout test is skipped). */
  readonly enforcesTimeouts: boolean;
  /** How long it may take to notice a cancellation or a timeout. @default 5 s */
  readonly stopWithinMs?: number;
}

function task<T>(run: (signal: AbortSignal) => Promise<T>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): ComputeTask<T> & { beats: unknown[] } {
  const beats: unknown[] = [];
  return { assetKey: 'conformance', partitionKey: '2024-01-01', timeoutMs: options.timeoutMs, signal: options.signal ?? new AbortController().signal, heartbeat: (d) => beats.push(d), run, beats };
}

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal): Promise<void> => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Registers the compute conformance tests for `name`. */
export function describeComputeConformance(name: string, factory: () => Promise<ComputeUnderTest>, capabilities: ComputeCapabilities): void {
  describe(`compute conformance: ${name}`, () => {
    let under: ComputeUnderTest;
    const stopWithin = capabilities.stopWithinMs ?? 5000;
    beforeAll(async () => {
      under = await factory();
    }, 120_000);
    afterAll(async () => {
      await under?.cleanup?.();
    }, 120_000);

    it('returns what the task returns', async () => {
      const t = task(async () => ({ total: 42, rows: [1, 2, 3] }));
      expect(await under.provider.execute(t)).toEqual({ total: 42, rows: [1, 2, 3] });
    });

    it('fails a user error as actionable, with its message', async () => {
      const error = await under.provider.execute(task(async () => Promise.reject(new Error('column "amount" is not a number in row 7')))).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain('column "amount" is not a number in row 7');
      expect(classifyError(error)).toBe('actionable');
    });

    it('fails an infrastructure error as transient', async () => {
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      for (const thrown of [new TransientError('the node went away'), reset]) {
        const error = await under.provider.execute(task(async () => Promise.reject(thrown))).catch((e: unknown) => e as Error);
        expect(error).toBeInstanceOf(Error);
        expect(classifyError(error), `${thrown.message} is transient`).toBe('transient');
      }
    });

    (capabilities.enforcesTimeouts ? it : it.skip)('stops a task past its time limit as a transient failure, aborting its signal', async () => {
      let seen: AbortSignal | undefined;
      const started = Date.now();
      const error = await under.provider
        .execute(
          task(
            async (signal) => {
              seen = signal;
              await aborted(signal);
              throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
            },
            { timeoutMs: 300 },
          ),
        )
        .catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect(classifyError(error)).toBe('transient');
      expect(Date.now() - started).toBeLessThan(300 + stopWithin);
      expect(seen?.aborted).toBe(true);
    });

    it('stops a cancelled task promptly, aborting its signal', async () => {
      const controller = new AbortController();
      let seen: AbortSignal | undefined;
      const running = under.provider.execute(
        task(
          async (signal) => {
            seen = signal;
            await aborted(signal);
            throw new Error('cancelled');
          },
          { signal: controller.signal },
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
      const cancelledAt = Date.now();
      controller.abort(new Error('the request was cancelled'));
      await expect(running).rejects.toThrow();
      expect(Date.now() - cancelledAt).toBeLessThan(stopWithin);
      expect(seen?.aborted).toBe(true);
    });
  });
}
