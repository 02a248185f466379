import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { computeToken } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../src/index.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

describe('workflow bundles', () => {
  it("bundle Weft's workflows", async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
    expect(bundle.code).toContain('smokePipeline');
  }, 60_000);

  it('bundle the workflow-safe core exports, and they compute the same tokens in the sandbox', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./fixtures/core-in-workflow.ts', import.meta.url)), logger: quiet });
    expect(bundle.code).toContain('coreInWorkflow');
    expect(bundle.code).not.toMatch(/require\(["']node:fs["']\)/);
    // The same function outside the sandbox gives the token the workflow would compute.
    expect(computeToken({ assetKey: 'a', codeVersion: 'v1', partitionKey: '2024-01-01', inputs: [] })).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);
});
