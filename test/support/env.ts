/**
 * Where the test servers started by `test/global-setup.ts` answer, for test files.
 * Reads vitest's `inject` first and the inherited environment second, so a test works
 * whichever way vitest hands values to its workers.
 */
import { inject } from 'vitest';

/**
 * The Temporal frontend of this test run (`host:port`).
 *
 * @example
 * const connection = await Connection.connect({ address: testTemporalAddress() });
 */
export function testTemporalAddress(): string {
  const address = inject('temporalAddress') || process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('no test Temporal server: run the tests with `npm test` (its global setup starts one)');
  return address;
}

/**
 * The PostgreSQL server of this test run, or undefined when tests fall back to PGlite.
 *
 * @example
 * const url = testDatabaseUrl(); // 'postgres://postgres@127.0.0.1:41234/postgres'
 */
export function testDatabaseUrl(): string | undefined {
  return inject('databaseUrl') || process.env.DATABASE_URL || undefined;
}
