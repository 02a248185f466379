import { defineConfig } from '@weft/core';

export default defineConfig({
  location: 'readings',
  assets: ['./assets/*.ts'],
  // storage defaults to .weft/objects and compute to the worker itself (weft dev).
  concurrency: { global: 8 },
  // Applied every hour by a Temporal schedule of this location (`weft prune` does it by hand).
  retention: { events: '30d', detail: '90d', checks: '30d' },
});
