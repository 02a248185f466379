export { materialize, type MaterializeOptions, type MaterializeResult } from './materialize.js';
export { InProcessRunner, inProcessCodeVersion, type InProcessRunnerOptions, type RunRecord } from './runner.js';
