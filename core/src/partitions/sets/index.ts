/** Partition sets: integer range sets, multi-dimensional box sets, and sets bound to a partitions definition. */
export * from './range-set.js';
export * from './box-set.js';
export * from './partition-set.js';
