export { s3Storage, type S3StorageOptions } from './s3-storage.js';
export { s3Objects, compileKeyPattern, type S3ObjectsOptions, type KeyPattern } from './s3-objects.js';
export { minioClient, type S3Like, type S3ObjectInfo, type S3ConnectionOptions } from './s3-client.js';
export { memoryS3 } from './memory-s3.js';
