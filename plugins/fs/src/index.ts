export { fsStorage, type FsStorageOptions } from './fs-storage.js';
