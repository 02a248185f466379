/** Partitions definitions: time windows, static, dynamic, multi-dimensional and unpartitioned, and their specs. */
export * from './time-window.js';
export * from './static.js';
export * from './dynamic.js';
export * from './multi.js';
export * from './from-spec.js';
export * from './unpartitioned.js';
export { escapeKeyPart, encodeMultiKey, decodeMultiKey, type KeyPair } from './multi-key.js';
export { partitionKeyProblem, isValidPartitionKey } from './key-rules.js';
export { MAX_CRON_WINDOWS } from './cron-layout.js';
export { discoveredDynamicKeys } from './dynamic-discovery.js';
