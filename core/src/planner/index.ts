export * from './types.js';
export { Planner, type PlannerOptions } from './planner.js';
export { ABSENT_INPUT, rangeInputHashOf, type RangeRead } from './token-inputs.js';
export type { PlannerStats } from './evaluate.js';
