export * from './object-storage.js';
export { textOrderedAssets } from './ordered-assets.js';
export type { RetentionPolicy } from './retention-policy.js';
