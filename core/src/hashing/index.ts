/**
 * Provenance hashing: canonical encoding, data versions, tokens, range hashes, codecs and code
 * versions.
 *
 * Everything here is pure and workflow-safe except `code-version.ts` (node:fs, esbuild), which no
 * other hashing module imports. Workflow-safe code must import the pure files directly, never this
 * index.
 *
 * @module
 */
export * from './sha256.js';
export * from './canonical-encoding.js';
export * from './canonical-decoding.js';
export * from './data-version.js';
export * from './token.js';
export * from './range-hash.js';
export * from './codec.js';
export * from './code-version.js';
