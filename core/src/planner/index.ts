export * from './types.js';
export { Planner, type PlannerOptions } from './planner.js';
export { ABSENT_INPUT, rangeInputHashOf, type RangeRead } from './token-inputs.js';
export type { PlannerStats } from './evaluate.js';
export { summarizeStatuses, statusRuns, totalCounts, emptyCounts, naturalLevel, finestLevel, SUMMARY_LEVELS, type SummaryLevel, type StatusCounts, type StatusBucket, type StatusRun, type SummaryOptions, type DimensionSummary } from './status-summary.js';
export { describeReason } from './reason-text.js';
