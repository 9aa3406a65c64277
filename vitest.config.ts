/**
 * Two test projects:
 * - `unit`: pure tests, no server. The tests beside their modules (`domain/**`, and any
 *   `*.test.ts` under the code's own folders) and the few under `test/` that need neither
 *   Temporal nor PostgreSQL. No global setup: `npm run test:unit` runs in seconds and needs
 *   no Temporal CLI. In-process PGlite is allowed here (`db/models/overview.test.ts` uses it).
 * - `integration`: everything else under `test/`, against a real Temporal dev server and a
 *   real PostgreSQL, both started once per run by `test/global-setup.ts`. Timeouts are
 *   generous because workflow tests wait on a real server's timers and task dispatch.
 *
 * A test under `test/` that needs no server belongs in `PURE_TESTS_UNDER_TEST`; a test that
 * does must not sit beside a module.
 */
import { defineConfig } from 'vitest/config';

/** Tests beside their modules: pure by the project's rule (see README, "Tests"). */
const BESIDE_MODULES = ['{domain,workflows,activities,api,client,db,worker,scripts,bench}/**/*.test.ts', 'console/src/**/*.test.ts'];

/** Tests under `test/` that start no server and read nothing the global setup provides. */
const PURE_TESTS_UNDER_TEST = [
  'test/activities/start-pacer.test.ts',
  'test/activities/update-coalescer.test.ts',
  'test/console/citizens-words.test.ts',
  'test/console/directives-coverage.test.ts',
  'test/console/escalation-rule.test.ts',
  'test/console/ledger-rules.test.ts',
  'test/console/record-rules.test.ts',
  'test/console/reports-words.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    watch: false,
    // `expect.poll` waits 1 s by default; the console's pages ask the API every 3 s, so a screen can
    // be a poll behind what the test just did. 15 s covers a few polls on a loaded machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: [...BESIDE_MODULES, ...PURE_TESTS_UNDER_TEST] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: PURE_TESTS_UNDER_TEST,
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
