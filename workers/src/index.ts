export { bundleWorkflows, WORKFLOWS_PATH } from './bundle.js';
export { createSmokeActivities, type SmokeActivities, type SmokeInput, type SmokeResult } from './activities/smoke.js';
