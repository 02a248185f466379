export { s3Storage, type S3StorageOptions } from './s3-storage.js';
export { s3Objects, type S3ObjectsOptions } from './s3-objects.js';
export { isTransientS3Error, minioClient, type S3Like, type S3ObjectInfo, type S3ConnectionOptions } from './s3-client.js';
export { memoryS3 } from './memory-s3.js';
export { s3 } from './plugin.js';
