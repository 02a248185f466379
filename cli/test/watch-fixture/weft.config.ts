import { defineConfig } from '@weft/core';

// The `weft dev` watch test's project: the test runs it from a temporary copy it edits, with its
// own location (the test files share one Temporal server) and data folder.
export default defineConfig({
  location: process.env['WEFT_FIXTURE_LOCATION'] ?? 'watch-fixture',
  assets: ['./assets/*.ts'],
});
