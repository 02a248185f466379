/**
 * The compute provider conformance suite: a task's value comes back; a user's error comes back as
 * an actionable failure and an infrastructure error as a transient one (so Weft retries only what
 * a retry can fix); a task past its time limit and a cancelled task stop, with their signal aborted.
 *
 * Every task carries both forms of its compute: `run` (for providers that run it in this process)
 * and a {@link PortableCompute} naming an export of `compute-fixtures.ts` (for providers that run
 * it elsewhere). A remote provider says how the suite can see where its compute is
 * ({@link ComputeCapabilities.remote}).
 */
import { classifyError, decodePortableValue, encodePortableValue, type ComputeProvider, type ComputeTask, type ObjectStorage } from '@weft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fixtures from './compute-fixtures.js';

export interface ComputeUnderTest {
  readonly provider: ComputeProvider;
  /** The object storage handed to tasks (remote providers pass the task and its result through it). */
  readonly storage?: ObjectStorage;
  cleanup?(): Promise<void>;
}

/** How the suite observes a compute that runs in another process. */
export interface RemoteObservation {
  /** Whether the task's compute has started where it runs. */
  started(task: ComputeTask<unknown>): Promise<boolean>;
  /** Whether the task's compute, where it ran, saw its signal abort (asked until it says so or `stopWithinMs` passes). */
  sawAbort(task: ComputeTask<unknown>): Promise<boolean>;
  /** The time limit of the timeout test: long enough for the compute to start where it runs. */
  readonly timeoutMs: number;
  /** How long a task may take to start there. @default 60 s */
  readonly startWithinMs?: number;
}

export interface ComputeCapabilities {
  /** It enforces `task.timeoutMs` itself (otherwise the worker does, and the timeout test is skipped). */
  readonly enforcesTimeouts: boolean;
  /** How long it may take to notice a cancellation or a timeout. @default 5 s */
  readonly stopWithinMs?: number;
  /** It runs computes in another process, from their {@link PortableCompute}: how to observe them there. */
  readonly remote?: RemoteObservation;
}

type Fixture = Exclude<keyof typeof fixtures, 'COMPUTE_FIXTURES_MODULE'>;
type ConformanceTask<T> = ComputeTask<T> & { beats: unknown[]; lines: string[]; seen: AbortSignal | undefined };

let counter = 0;

/** A task running fixture `exportName` with `input`, in this process (`run`) or anywhere (`portable`). */
function task<T>(under: ComputeUnderTest, exportName: Fixture, input: unknown, options: { timeoutMs?: number; signal?: AbortSignal } = {}): ConformanceTask<T> {
  const beats: unknown[] = [];
  const lines: string[] = [];
  const self: ConformanceTask<T> = {
    assetKey: 'conformance',
    partitionKey: '2024-01-01',
    timeoutMs: options.timeoutMs,
    signal: options.signal ?? new AbortController().signal,
    token: `${Date.now().toString(16)}${(counter++).toString(16).padStart(4, '0')}`,
    ...(under.storage ? { storage: under.storage } : {}),
    log: (message) => lines.push(message),
    heartbeat: (d) => beats.push(d),
    portable: { module: fixtures.COMPUTE_FIXTURES_MODULE, exportName, input: encodePortableValue(input), decode: (bytes) => decodePortableValue(bytes) as T },
    run: async (signal) => {
      self.seen = signal;
      const fn = fixtures[exportName] as (input: unknown, ctx: { signal: AbortSignal; log(m: string): void }) => Promise<T>;
      return fn(decodePortableValue(encodePortableValue(input)), { signal, log: (m) => lines.push(m) });
    },
    beats,
    lines,
    seen: undefined,
  };
  return self;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What `running` rejects with (an Error is expected; anything else fails the test that checks). */
const failureOf = (running: Promise<unknown>): Promise<Error> => running.then(() => new Error('expected the task to fail, and it succeeded'), (e: unknown) => e as Error);

/** Registers the compute conformance tests for `name`. */
export function describeComputeConformance(name: string, factory: () => Promise<ComputeUnderTest>, capabilities: ComputeCapabilities): void {
  describe(`compute conformance: ${name}`, () => {
    let under: ComputeUnderTest;
    const stopWithin = capabilities.stopWithinMs ?? 5000;
    const remote = capabilities.remote;
    beforeAll(async () => {
      under = await factory();
    }, 120_000);
    afterAll(async () => {
      await under?.cleanup?.();
    }, 120_000);

    /** The compute saw its signal abort: here, its signal; elsewhere, as the provider observes it. */
    const expectAbortSeen = async (t: ConformanceTask<unknown>): Promise<void> => {
      if (!remote) {
        expect(t.seen?.aborted).toBe(true);
        return;
      }
      const deadline = Date.now() + stopWithin;
      let seen = await remote.sawAbort(t);
      while (!seen && Date.now() < deadline) {
        await sleep(100);
        seen = await remote.sawAbort(t);
      }
      expect(seen, 'the remote compute saw its signal abort').toBe(true);
    };

    it('returns what the task returns', async () => {
      const value = { total: 42, rows: [1, 2, 3], at: new Date('2024-01-01T00:00:00Z'), byDay: new Map([['2024-01-01', 1]]) };
      expect(await under.provider.execute(task(under, 'returnsValue', { value }))).toEqual(value);
    });

    it('fails a user error as actionable, with its message', async () => {
      const error = await failureOf(under.provider.execute(task<unknown>(under, 'throwsUserError', { message: 'column "amount" is not a number in row 7' })));
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain('column "amount" is not a number in row 7');
      expect(classifyError(error)).toBe('actionable');
    });

    it('fails an infrastructure error as transient', async () => {
      for (const input of [{ message: 'the node went away' }, { message: 'read ECONNRESET', code: 'ECONNRESET' }]) {
        const error = await failureOf(under.provider.execute(task<unknown>(under, 'throwsInfrastructureError', input)));
        expect(error).toBeInstanceOf(Error);
        expect(error.message).toContain(input.message);
        expect(classifyError(error), `${input.message} is transient`).toBe('transient');
      }
    });

    (capabilities.enforcesTimeouts ? it : it.skip)('stops a task past its time limit as a transient failure, aborting its signal', async () => {
      const limit = remote?.timeoutMs ?? 300;
      const t = task<unknown>(under, 'waitsForAbort', null, { timeoutMs: limit });
      const started = Date.now();
      const error = await failureOf(under.provider.execute(t));
      expect(error).toBeInstanceOf(Error);
      expect(classifyError(error)).toBe('transient');
      expect(Date.now() - started).toBeLessThan(limit + stopWithin);
      await expectAbortSeen(t);
    });

    it('stops a cancelled task promptly, aborting its signal', async () => {
      const controller = new AbortController();
      const t = task<unknown>(under, 'waitsForAbort', null, { signal: controller.signal });
      const running = under.provider.execute(t);
      running.catch(() => undefined);
      if (remote) {
        // Cancel a compute that is running where it runs, not one still being scheduled.
        const deadline = Date.now() + (remote.startWithinMs ?? 60_000);
        while (!(await remote.started(t))) {
          if (Date.now() > deadline) throw new Error(`the remote compute did not start within ${remote.startWithinMs ?? 60_000} ms`);
          await sleep(100);
        }
      } else {
        await sleep(100);
      }
      const cancelledAt = Date.now();
      controller.abort(new Error('the request was cancelled'));
      await expect(running).rejects.toThrow();
      expect(Date.now() - cancelledAt).toBeLessThan(stopWithin);
      await expectAbortSeen(t);
    });
  });
}
