export { bundleWorkflows, WORKFLOWS_PATH } from './bundle.js';
export { createSmokeActivities, type SmokeActivities, type SmokeInput, type SmokeResult } from './activities/smoke.js';
export { startWeftWorker, type WeftWorker, type WeftWorkerOptions } from './worker.js';
export { createActivities, type WeftActivities, type MaterializeBatchInput, type MaterializeBatchResult, type PlanSummary } from './activities/index.js';
export { PlannerHost } from './runtime/planner-host.js';
export type { WeftRuntime } from './runtime/runtime.js';
export { localCompute, type LocalComputeOptions } from './local-compute.js';
export { deploymentCode, type DeploymentCode } from './code-versions.js';
export { reconcileWorkflowId, materializeWorkflowId, observeScheduleId, type WakeReason, ACTIONABLE_FAILURE } from './workflows/ids.js';
