/**
 * Provenance hashing: canonical encoding, data versions, tokens, range hashes and codecs. (Code
 * versions, which read modules with esbuild, are computed where deployments are recorded:
 * `@weft/workers`.) Workflow-safe code imports the pure files directly, never this index.
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
