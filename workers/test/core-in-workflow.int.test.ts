import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { computeToken } from '@weft/core';
import { useTemporal } from '@weft/services/harness';
import { describe, expect, it } from 'vitest';

const temporal = useTemporal();
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

describe('workflow-safe core in the Temporal sandbox', () => {
  it('computes the same token and range sets inside a workflow as outside', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./fixtures/core-in-workflow.ts', import.meta.url)), logger: quiet });
    const worker = await temporal.createWorker({ workflowBundle, taskQueue: `${temporal.taskQueue}-core` });
    const result = await worker.runUntil(
      temporal.client.workflow.execute('coreInWorkflow', { taskQueue: `${temporal.taskQueue}-core`, workflowId: temporal.workflowId('core-in-workflow') }) as Promise<{ size: number; token: string }>,
    );
    expect(result).toEqual({ size: 15, token: computeToken({ assetKey: 'a', codeVersion: 'v1', partitionKey: '2024-01-01', inputs: [] }) });
  });
});
