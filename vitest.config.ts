import { defineConfig } from 'vitest/config';

// One graphql module: Node resolves Pothos' and graphql-yoga's `graphql` to its CommonJS build
// (graphql 16 has no exports map), vite would give our files its `module` build; two copies fail
// with "Cannot use GraphQLObjectType from another module or realm".
const resolve = { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] };

const packages = '{core,store,services,workers,plugins/*,graphql,ui,cli,bench,examples/*,docs}';

export default defineConfig({
  test: {
    // Temporal's native worker does not run in worker_threads: every project uses child processes.
    pool: 'forks',
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: [`${packages}/test/**/*.test.ts`],
          exclude: ['**/node_modules/**', '**/*.int.test.ts', 'workers/test/e2e/**'],
          pool: 'forks',
          // Property tests draw graphs of random size, and CI runs both projects at once on
          // 2 shared cores: vitest's 5 s default failed a 6.5 s run. Speed is the benches' job.
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'services',
          include: [`${packages}/test/**/*.int.test.ts`, 'workers/test/e2e/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./test/global-setup.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
