/**
 * vitest global setup: one headless Temporal dev server and one PostgreSQL cluster for the
 * whole run, on free ports, so test files only create their own task queues and databases.
 *
 * The addresses reach the test files two ways: `process.env` (the forked workers inherit
 * it, and `test/support/*.ts` read it) and vitest's `provide`/`inject` (read through
 * `test/support/env.ts`), so neither depends on the other's implementation details.
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { SINGLE_PARTITION_CONFIG } from '../config/temporal-server.js';
import { findPostgresBinaries, startPostgresServer } from '../scripts/postgres-server.js';
import { startTemporalServer } from '../scripts/temporal-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string | undefined;
  }
}

/**
 * Starts Temporal and (unless DATABASE_URL is set) PostgreSQL, and returns the teardown
 * that stops both. Without PostgreSQL binaries the run falls back to in-memory PGlite
 * with a loud warning, or fails when REQUIRE_POSTGRES=1 (CI).
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['test/global-setup.ts'] } });
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const teardown = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(error));
  };
  try {
    const testDataDir = path.resolve(process.env.DATA_DIR || '.data', 'test');
    await mkdir(testDataDir, { recursive: true });
    await pruneLeftovers(testDataDir);

    const temporalStarting = startTemporalServer({
      uiPort: false,
      logLevel: 'warn',
      // One partition per task queue: each test file's single worker sees every task at once.
      // The per-workflow update limit comes with every server (config/temporal-server.ts).
      dynamicConfig: SINGLE_PARTITION_CONFIG,
      logFile: path.join(testDataDir, `temporal-${process.pid}.log`),
    });

    // Whatever happens to PostgreSQL below, a Temporal server that did start is stopped.
    stops.push(async () => (await temporalStarting.catch(() => undefined))?.stop());
    let databaseUrl = process.env.DATABASE_URL || undefined;
    if (!databaseUrl) {
      if (findPostgresBinaries()) {
        const requested = await mkdtemp(path.join(testDataDir, 'pg-'));
        const postgres = await startPostgresServer({ dataDir: requested, unsafeFast: true });
        stops.push(async () => {
          await postgres.stop();
          await rm(postgres.dataDir, { recursive: true, force: true });
          await rm(requested, { recursive: true, force: true });
        });
        databaseUrl = postgres.url;
      } else if (process.env.REQUIRE_POSTGRES === '1') {
        throw new Error('REQUIRE_POSTGRES=1 but no PostgreSQL server binaries were found (apt-get install -y postgresql)');
      } else {
        console.warn(
          [
            '',
            '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
            '!! No PostgreSQL server binaries found: tests use in-memory PGlite instead.  !!',
            '!! Install them (apt-get install -y postgresql) or set DATABASE_URL for a    !!',
            '!! run against real PostgreSQL; CI sets REQUIRE_POSTGRES=1 to forbid this.   !!',
            '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
            '',
          ].join('\n'),
        );
      }
    }

    const temporal = await temporalStarting;

    process.env.TEMPORAL_ADDRESS = temporal.address;
    if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
    else delete process.env.DATABASE_URL;
    project.provide('temporalAddress', temporal.address);
    project.provide('databaseUrl', databaseUrl);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

/**
 * Each run keeps its server log for post-mortems; a day later it is only clutter. A run
 * that was killed leaves its stopped cluster behind (teardown never ran); one without a
 * `postmaster.pid` that is a while old belongs to no live run.
 */
async function pruneLeftovers(dir: string): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  const tenMinutesAgo = Date.now() - 10 * 60 * 1000;
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info) continue;
    if (/^temporal-\d+\.log$/.test(name) && info.mtimeMs < dayAgo) await rm(file, { force: true });
    if (/^pg-/.test(name) && info.isDirectory() && info.mtimeMs < tenMinutesAgo) {
      const running = await stat(path.join(file, 'postmaster.pid')).catch(() => undefined);
      if (!running) await rm(file, { recursive: true, force: true });
    }
  }
}
