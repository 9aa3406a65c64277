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
    // `expect.poll` waits 1 s by default; the console's pages ask the API every 3 s, so a screen can
    // be a poll behind what the test just did. 15 s covers a few polls on a loaded machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    pool: 'forks',
    watch: false,
  },
});
