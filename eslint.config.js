// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Deep imports into another package's sources bypass its public surface. */
const noDeepImports = { group: ['@weft/*/src', '@weft/*/src/*'], message: 'Import a package through its exports, never its src/ files.' };

/**
 * SQL in a string or template: a statement keyword, or one of the store's tables. Only @weft/store
 * holds SQL (plugins may query their own services' tables, never Weft's).
 */
const noSql = [
  String.raw`Literal[value=/\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|MERGE\s+INTO|UPDATE\s+\w+\s+SET)\b|\bweft_[a-z]+_?[a-z_]*\b/]`,
  String.raw`TemplateElement[value.raw=/\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|MERGE\s+INTO|UPDATE\s+\w+\s+SET)\b|\bweft_[a-z]+_?[a-z_]*\b/]`,
];
const sqlMessage = 'SQL belongs in @weft/store: call (or add) a named store method.';

/**
 * Dependency rules of DESIGN.md §4, one block per layer. Each block repeats `noDeepImports`
 * because a later `no-restricted-imports` setting replaces an earlier one for the same files.
 */
export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.weft/**', 'migrations/**', 'ui/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': ['error', { patterns: [noDeepImports] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // core is the bottom layer: no other Weft package, no clock (the clock is a parameter).
    files: ['core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@weft/*'], message: '@weft/core imports no other Weft package.' },
            { group: ['@temporalio/*', 'graphql', 'graphql-*', '@pothos/*', 'node:http', 'node:https'], message: 'core has no Temporal or HTTP code.' },
            {
              group: ['pg', 'pg-*', '@electric-sql/*', 'drizzle-orm', 'drizzle-orm/*', 'drizzle-kit', 'esbuild'],
              message: 'core has no database driver or bundler: the store is @weft/store, code versions are computed in @weft/workers.',
            },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'core takes the clock as a parameter.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core takes the clock as a parameter: no `new Date()`.' },
        ...noSql.map((selector) => ({ selector, message: sqlMessage })),
      ],
    },
  },
  {
    // The store implements core's interfaces on PostgreSQL and PGlite: it imports core only.
    files: ['store/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepImports,
            { group: ['@weft/*', '!@weft/core'], message: '@weft/store imports only @weft/core.' },
            { group: ['@temporalio/*', 'graphql', 'graphql-*', '@pothos/*', 'node:http', 'node:https'], message: 'the store has no Temporal or HTTP code.' },
          ],
        },
      ],
    },
  },
  {
    // No SQL outside the store: the other packages call its named methods.
    // (core's own block above carries the same selectors.)
    files: ['workers/src/**/*.ts', 'cli/src/**/*.ts', 'graphql/src/**/*.ts', 'ui/src/**/*.{ts,tsx}'],
    rules: { 'no-restricted-syntax': ['error', ...noSql.map((selector) => ({ selector, message: sqlMessage }))] },
  },
  {
    // The determinism boundary: workflow code may import only the workflow SDK, workflow-safe core
    // exports and its own folder; activities and everything else only as types.
    files: ['workers/src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepImports,
            {
              regex: '^(?!(@temporalio/workflow|@weft/core/workflow)$|\\./)',
              allowTypeImports: true,
              message: 'Workflow code is deterministic: import only @temporalio/workflow, @weft/core/workflow and ./ files (anything else with `import type`).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop.' },
        { name: 'fetch', message: 'I/O belongs in activities.' },
        { name: 'process', message: 'Workflows cannot read the environment.' },
      ],
    },
  },
  {
    // Plugins import only core (never workers, the API or each other).
    files: ['plugins/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noDeepImports, { group: ['@weft/*', '!@weft/core', '!@weft/core/*'], message: 'Plugins import only @weft/core.' }] },
      ],
    },
  },
  {
    // The API imports core, the store and a Temporal client, never plugin internals or workers.
    // (`@weft/workers/client` is that client: @temporalio/client and the loop's workflow ids, no worker code.)
    files: ['graphql/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@weft/workers', message: 'The API imports core, the store and a Temporal client only (@weft/workers/client).' }],
          patterns: [
            noDeepImports,
            { group: ['@weft/plugin-*', '@weft/workers/*', '@temporalio/worker', '@temporalio/workflow', '@temporalio/activity', '!@weft/workers/client'], message: 'The API imports core, the store and a Temporal client only.' },
          ],
        },
      ],
    },
  },
  {
    // The UI reaches the server only over GraphQL/HTTP.
    files: ['ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: ['@weft/*', '!@weft/ui'], message: 'The UI talks to the server over GraphQL only.' }] }],
    },
  },
);
