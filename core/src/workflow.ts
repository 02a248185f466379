/**
 * The workflow-safe part of @weft/core: pure, deterministic modules with no `node:*` imports,
 * importable from Temporal workflow code (`workers/src/workflows/`).
 */
export * from './errors.js';
