import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** Path of the workflow bundle's entry point. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/** Bundles Weft's workflows (webpack, several seconds): do it once per process and reuse it. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
}

const noop = (): void => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: (m: string) => process.stderr.write(`workflow bundle: ${m}\n`), error: (m: string) => process.stderr.write(`workflow bundle: ${m}\n`), log: noop };
