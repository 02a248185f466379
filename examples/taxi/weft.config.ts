import { fileURLToPath } from 'node:url';
import { defineConfig } from '@weft/core';
import { ensureLanding } from './src/landing.js';

// The first start lands three weeks of generated hourly files in .weft/landing/ (one of them cut
// off on purpose); later starts leave the folder as it is.
ensureLanding(fileURLToPath(new URL('.', import.meta.url)));

export default defineConfig({
  location: 'taxi',
  assets: ['./assets/*.ts'],
  // Storage defaults to .weft/objects and compute to the worker itself (weft dev).
  concurrency: { global: 24 },
  retention: { events: '30d', detail: '90d', checks: '30d' },
});
