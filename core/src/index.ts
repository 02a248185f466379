export * from './errors.js';
export * from './storage/object-storage.js';
