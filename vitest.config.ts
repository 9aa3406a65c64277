/**
 * Tests run against a real Temporal dev server and a real PostgreSQL, both started once
 * per run by `test/global-setup.ts`. Timeouts are generous because workflow tests wait on
 * a real server's timers and task dispatch.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'domain/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    watch: false,
  },
});
