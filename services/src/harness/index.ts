export { startTestServices, type StartTestServicesOptions, type TestServices, type TestServicesInfo } from './test-services.js';
export { LeakTracker, type TrackedResource } from './leaks.js';
export { useServices, useTestDatabase, useTemporal, useBucket, type TestDatabase, type TestTemporal, type TestBucket } from './per-file.js';
