export type { ObjectStorage } from '../storage/object-storage.js';
export type { ConnectorContext, ObservedPartition, ReportedVersion, SourceConnector } from './connector.js';
export type { ComputeProvider, ComputeTask } from './compute.js';
export { compileKeyPattern, type KeyPattern } from './key-pattern.js';
