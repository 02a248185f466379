import { defineConfig } from '@weft/core';

export default defineConfig({
  location: 'readings',
  assets: ['./assets/*.ts'],
  // storage defaults to .weft/objects and compute to the worker itself (weft dev).
  concurrency: { global: 8 },
});
