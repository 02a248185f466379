// The workflow bundle's entry point: every workflow Weft registers.
export { smokePipeline } from './smoke.js';
