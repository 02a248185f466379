export type { MappingCardinality, MappingContext, MappingSpec, PartitionMapping, PreparedMapping, UpstreamPartitions } from './types.js';
export { identity, all, staticMap, fromUnpartitioned } from './identity.js';
export { timeIdentity, rollup, fanOut, timeOverlap, offset, window, type TimeMappingOptions, type ShiftOptions } from './time-overlap.js';
export { perDimension, dimension } from './multi-dimensional.js';
export { defaultMapping } from './default-mapping.js';
export { mappingFromSpec } from './from-spec.js';
