import { describe, expect, it } from 'vitest';
import { LeakTracker } from '../src/harness/leaks.js';
import { ManagedProcess, ServiceStartError } from '../src/index.js';

describe('ManagedProcess', () => {
  it('fails start-up with the tail of the log when the process exits', async () => {
    const proc = new ManagedProcess({ name: 'Broken', command: 'sh', args: ['-c', 'echo "FATAL: bad flag --nope" >&2; exit 3'] });
    const error = await proc.waitUntilReady(async () => false, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceStartError);
    expect((error as Error).message).toMatch(/Broken: exited during start-up \(code 3\)/);
    expect((error as Error).message).toContain('FATAL: bad flag --nope');
    await proc.stop();
  });

  it('times out naming the last probe error', async () => {
    const proc = new ManagedProcess({ name: 'Slow', command: 'sleep', args: ['30'] });
    const error = await proc
      .waitUntilReady(async () => {
        throw new Error('connection refused');
      }, 300)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Slow: not ready after 300 ms \(last probe error: connection refused\)/);
    await proc.stop();
    expect(proc.hasExited).toBe(true);
  });

  it('kills a process that ignores the stop signal after the grace period', async () => {
    const proc = new ManagedProcess({ name: 'Stubborn', command: 'sh', args: ['-c', 'trap "" TERM; echo ready; sleep 30'] });
    await proc.waitUntilReady(async () => proc.logTail().includes('ready'), 5000);
    const started = Date.now();
    await proc.stop('SIGTERM', 200);
    expect(proc.hasExited).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('LeakTracker', () => {
  it('names resources still open and forgets closed ones', async () => {
    const tracker = new LeakTracker();
    let closed = false;
    tracker.track({ description: 'pool A', isClosed: () => closed });
    tracker.track({ description: 'worker B', isClosed: async () => true });
    await expect(tracker.assertNoLeaks('at the end')).rejects.toThrow(/1 resource\(s\) left open.*\n- pool A/s);
    closed = true;
    await expect(tracker.assertNoLeaks('at the end')).resolves.toBeUndefined();
  });
});
