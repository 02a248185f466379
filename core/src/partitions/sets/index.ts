/** Partition sets: integer range sets, multi-dimensional box sets, sets bound to a partitions definition, and their stored key form. */
export * from './range-set.js';
export * from './box-set.js';
export * from './partition-set.js';
export * from './stored-partition-set.js';
