// The workflow bundle's entry point: every workflow Weft registers.
export { smokePipeline } from './smoke.js';
export { reconcile, wakeSignal, viewQuery, plannerLeavingSignal, type ReconcileInput, type ReconcileView } from './reconcile.js';
export { materialize, type MaterializeInput } from './materialize.js';
export { observeSource } from './observe.js';
export { applyRetention, type ApplyRetentionInput } from './retention.js';
