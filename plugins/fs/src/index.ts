export { fsStorage, type FsStorageOptions } from './fs-storage.js';
export { fsFiles, type FsFilesOptions } from './fs-files.js';
export { fs } from './plugin.js';
