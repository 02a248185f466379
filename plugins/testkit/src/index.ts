/**
 * @weft/plugin-testkit: one conformance suite per plugin kind. A plugin's tests call the suite of
 * its kind with a factory for a fresh instance (against the real service) and the capabilities it
 * claims; the suite registers vitest tests that hold it to Weft's contract.
 *
 *   describeStorageConformance('fs', async () => ({ storage: fsStorage({ root }) }), { streaming: true, crashWriter: … });
 *
 * @module
 */
export { describeStorageConformance, type StorageCapabilities, type StorageUnderTest } from './storage-suite.js';
export { describeConnectorConformance, type ConnectorCapabilities, type ConnectorUnderTest } from './connector-suite.js';
export { describeComputeConformance, type ComputeCapabilities, type ComputeUnderTest, type RemoteObservation } from './compute-suite.js';
export * as computeFixtures from './compute-fixtures.js';
export { crashWhileWriting, type CrashWriterOptions } from './crash-writer.js';
export { patternedChunks, rssSampler } from './streams.js';
