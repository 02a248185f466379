/**
 * The workflow-safe part of @weft/core: deterministic modules without `node:*` imports, importable
 * from Temporal workflow code (`workers/src/workflows/`). Hashing reaches native crypto only when
 * the runtime offers it and falls back to a pure SHA-256 inside the workflow sandbox.
 */
export * from './errors.js';
export * from './partitions/sets/range-set.js';
export * from './partitions/sets/box-set.js';
export * from './hashing/sha256.js';
export * from './hashing/canonical-encoding.js';
export * from './hashing/data-version.js';
export * from './hashing/token.js';
export * from './hashing/range-hash.js';
export type * from './planner/types.js';
export type { PartitionKey } from './partitions/types.js';
