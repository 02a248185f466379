/** The task runner in this process, on an in-memory object storage: what it records and its exit codes. */
import { decodePortableValue, encodePortableValue, WeftError, type ObjectStorage } from '@weft/core';
import { computeFixtures } from '@weft/plugin-testkit';
import { describe, expect, it } from 'vitest';
import { readRunnerRecord, runTask, taskKeys, type RunnerRecord, type TaskSpec } from '../src/index.js';

/** A Map as object storage (the runner's contract is the interface, exercised for real in the int test on MinIO). */
function memoryStorage(): ObjectStorage & { keys(): string[] } {
  const objects = new Map<string, Uint8Array>();
  const key = (uri: string): string => uri.replace(/^mem:\/\//, '');
  return {
    scheme: 'mem',
    put: async (k, bytes) => (objects.set(k, bytes), `mem://${k}`),
    get: async (uri) => {
      const bytes = objects.get(key(uri));
      if (!bytes) throw new WeftError('storage.not_found', `no object ${uri}`);
      return bytes;
    },
    exists: async (uri) => objects.has(key(uri)),
    delete: async (uri) => void objects.delete(key(uri)),
    keys: () => [...objects.keys()],
  };
}

async function prepare(storage: ObjectStorage, exportName: string, input: unknown): Promise<{ taskUri: string; recordUri: string; spec: TaskSpec }> {
  const keys = taskKeys('weft-kubernetes', 'weft-test-job');
  const inputUri = await storage.put(keys.input, encodePortableValue(input));
  const recordUri = `mem://${keys.record}`;
  const spec: TaskSpec = { version: 1, assetKey: 'a', partitionKey: 'p', token: 't', module: computeFixtures.COMPUTE_FIXTURES_MODULE, exportName, inputUri, recordKey: keys.record, valueKey: keys.value };
  const taskUri = await storage.put(keys.spec, new TextEncoder().encode(JSON.stringify(spec)));
  return { taskUri, recordUri, spec };
}

describe('weft-k8s-task (runTask)', () => {
  it('runs the export with the decoded input, writes the value and an ok record, exits 0', async () => {
    const storage = memoryStorage();
    const { taskUri, recordUri } = await prepare(storage, 'returnsValue', { value: { n: 1, day: new Date('2024-01-01T00:00:00Z') } });
    const code = await runTask({ env: { WEFT_TASK: taskUri }, storage, write: () => undefined });
    expect(code).toBe(0);
    const record = (await readRunnerRecord(storage, recordUri)) as Extract<RunnerRecord, { outcome: 'ok' }>;
    expect(record.outcome).toBe('ok');
    expect(decodePortableValue(await storage.get(record.valueUri))).toEqual({ n: 1, day: new Date('2024-01-01T00:00:00Z') });
  });

  it.each([
    ['throwsUserError', { message: 'bad row 7' }, 'actionable', 'bad row 7'],
    ['throwsInfrastructureError', { message: 'the node went away' }, 'transient', 'the node went away'],
    ['throwsInfrastructureError', { message: 'read ECONNRESET', code: 'ECONNRESET' }, 'transient', 'read ECONNRESET'],
  ] as const)('records %s as %s with its message, exits 1', async (exportName, input, failureClass, message) => {
    const storage = memoryStorage();
    const { taskUri, recordUri } = await prepare(storage, exportName, input);
    const lines: string[] = [];
    expect(await runTask({ env: { WEFT_TASK: taskUri }, storage, write: (l) => lines.push(l) })).toBe(1);
    expect(await readRunnerRecord(storage, recordUri)).toMatchObject({ outcome: 'error', failureClass, message });
    expect(lines.at(-1)).toContain(`the task failed: ${message}`);
  });

  it('aborts the compute on its signal, records the cancellation, exits 143', async () => {
    const storage = memoryStorage();
    const { taskUri, recordUri } = await prepare(storage, 'waitsForAbort', null);
    const controller = new AbortController();
    const lines: string[] = [];
    const running = runTask({ env: { WEFT_TASK: taskUri }, storage, signal: controller.signal, write: (l) => lines.push(l) });
    while ((await readRunnerRecord(storage, recordUri))?.outcome !== 'running') await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('SIGTERM: the Job was deleted'));
    expect(await running).toBe(143);
    expect(await readRunnerRecord(storage, recordUri)).toMatchObject({ outcome: 'cancelled', signalAborted: true, reason: 'SIGTERM: the Job was deleted' });
    // ctx.log lines are JSON on stdout, for the provider to read back from the pod's log.
    expect(JSON.parse(lines[0]!)).toMatchObject({ weft: 'log', message: 'waiting for the signal to abort' });
  });

  it('records a module without the export as an actionable error', async () => {
    const storage = memoryStorage();
    const { taskUri, recordUri } = await prepare(storage, 'noSuchExport', null);
    expect(await runTask({ env: { WEFT_TASK: taskUri }, storage, write: () => undefined })).toBe(1);
    expect(await readRunnerRecord(storage, recordUri)).toMatchObject({ outcome: 'error', failureClass: 'actionable', message: expect.stringMatching(/exports no noSuchExport .*same code as the worker/) });
  });

  it('exits 2 outside a Job (no WEFT_TASK), saying so', async () => {
    const lines: string[] = [];
    expect(await runTask({ env: {}, storage: memoryStorage(), write: (l) => lines.push(l) })).toBe(2);
    expect(lines[0]).toContain('WEFT_TASK is not set');
  });
});
