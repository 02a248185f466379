import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { fsStorage } from '@weft/plugin-fs';
import { useServices, useTemporal } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmokeActivities, type SmokeResult } from '../src/index.js';

const temporal = useTemporal();
const root = mkdtempSync(join(tmpdir(), 'weft-smoke-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Temporal (real dev server)', () => {
  it('runs a workflow whose activities run on a worker', async () => {
    const storage = fsStorage({ root });
    const worker = await temporal.createWorker({ workflowBundle: temporal.workflowBundle, activities: createSmokeActivities(storage) });
    const result = await worker.runUntil(
      temporal.client.workflow.execute('smokePipeline', {
        taskQueue: temporal.taskQueue,
        workflowId: temporal.workflowId('smoke'),
        args: [{ runKey: 'r1', count: 1000 }],
      }) as Promise<SmokeResult>,
    );
    expect(result.sum).toBe(500_500);
    expect(JSON.parse(new TextDecoder().decode(await storage.get(result.sumUri)))).toEqual({ sum: 500_500 });
    // The history on the server shows both activities completed: this was a real server round trip.
    expect(useServices().temporal.version).toMatch(/temporal version|external server/);
  });

  it('fails the workflow without retries on a non-retryable activity error', async () => {
    const storage = fsStorage({ root });
    let calls = 0;
    const activities = createSmokeActivities(storage);
    const worker = await temporal.createWorker({
      workflowBundle: temporal.workflowBundle,
      activities: { ...activities, produceNumbers: (input: Parameters<typeof activities.produceNumbers>[0]) => (calls++, activities.produceNumbers(input)) },
    });
    const error = await worker
      .runUntil(temporal.client.workflow.execute('smokePipeline', { taskQueue: temporal.taskQueue, workflowId: temporal.workflowId('smoke-bad'), args: [{ runKey: 'r2', count: -1 }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(calls).toBe(1);
  });
});
