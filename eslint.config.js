/**
 * ESLint for the whole repository (`npm run lint`, run by `npm test` and so by CI).
 *
 * - typescript-eslint with type information (`projectService`: each file is checked against
 *   the tsconfig that owns it, `tsconfig.json` for the engine and `console/tsconfig.json` for
 *   the console). The promise rules are the point: a promise nobody awaits is a write that may
 *   not happen, an error nobody sees, or an activity that outlives its workflow task.
 * - The recommended sets are on except the `no-unsafe-*` family and a few style rules (see
 *   below): the code reads JSON (`res.json()`, JSONB columns, Temporal payloads) in hundreds
 *   of places where the value is checked by a test's assertion or a zod schema right after,
 *   and flagging each `any` there would drown the rules that find bugs.
 * - The layers: `domain/` is pure (no Node built-ins, no I/O, no Temporal); `workflows/` is
 *   deterministic (no Node built-ins, no I/O, no timers but the SDK's `sleep`). Arrows run
 *   api → client → workflows ← activities ← db, domain at the bottom.
 */
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Every Node built-in by its bare name: exact names (`paths`), not patterns, since a pattern
 * `domain` (Node's deprecated module) would also match `../domain/…`.
 */
const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));

/** Modules that do I/O: a database, a network, a Temporal connection, a worker. */
const IO_MODULES = [
  'pg',
  'kysely',
  'fastify',
  'undici',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  '@electric-sql/pglite',
];

/** The `paths` and `patterns` of `no-restricted-imports` that keep `where` free of Node and of I/O. */
const noNodeNoIo = (where) => ({
  paths: [
    ...NODE_BUILTINS.map((name) => ({ name, message: `${where} code must not use Node built-ins.` })),
    ...IO_MODULES.map((name) => ({ name, message: `${where} code must not do I/O: that belongs in activities/ (writes), db/ (reads) or api/.` })),
  ],
  patterns: [
    { group: ['node:*'], message: `${where} code must not use Node built-ins.` },
    {
      group: ['@fastify/*', 'kysely/*', 'pg/*', '@temporalio/client/*', '@temporalio/worker/*', '@temporalio/activity/*'],
      message: `${where} code must not do I/O.`,
    },
  ],
});
const layersAbove = (where, layers) => ({
  group: layers.flatMap((l) => [`../${l}/*`, `../../${l}/*`]),
  message: `${where} must not import from the layers above it.`,
});

export default defineConfig(
  globalIgnores(['node_modules/', '.data/', 'console/dist/', 'client/api-types.ts', 'bench/results/', 'bench/recorded/', 'test/histories/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `any` from JSON is checked right after by a schema or an assertion (see the header).
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Non-null assertions mark "the test (or the line above) just made sure"; they are read as such.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Interpolating numbers and unions of literals into messages is deliberate.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Our own interfaces declare functions in method syntax (`close(): Promise<void>`) and are
      // implemented by object literals of closures, so taking `close` off its object is safe; the
      // rule cannot tell those from class methods and flagged 56 such lines and no bug.
      '@typescript-eslint/unbound-method': 'off',
      // An async function without `await` is often an interface's implementation (a handler, an activity).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Kysely's documented migration signature: a migration runs against whatever schema was there.
    files: ['db/migrations/*.ts', 'db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The console runs in a browser.
    files: ['console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noNodeNoIo('Domain').paths,
          patterns: [
            ...noNodeNoIo('Domain').patterns,
            { group: ['@temporalio/*'], message: 'Domain code is plain TypeScript: the workflow wires it to Temporal.' },
            layersAbove('domain/', ['api', 'client', 'workflows', 'activities', 'db', 'worker', 'scripts', 'console', 'config']),
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts', 'bench/baseline/workflows.ts', 'bench/baseline/update-workflow.ts', 'bench/baseline/storm-workflow.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noNodeNoIo('Workflow').paths,
          patterns: [
            ...noNodeNoIo('Workflow').patterns,
            // Activities are reached through `proxyActivities<typeof …>`: a type import is how.
            { ...layersAbove('workflows/', ['activities']), allowTypeImports: true },
            layersAbove('workflows/', ['api', 'client', 'db', 'worker', 'scripts', 'console', 'config']),
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: "Use `sleep` from '@temporalio/workflow': a workflow's timers are the server's." },
        { name: 'setInterval', message: "Use `sleep` in a loop from '@temporalio/workflow': a workflow's timers are the server's." },
        { name: 'setImmediate', message: 'Workflows have no event loop of their own to defer to.' },
        { name: 'process', message: 'Workflows run in a sandbox without the process.' },
      ],
    },
  },
  {
    // Plain JavaScript (this file): no type information to lint with.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
