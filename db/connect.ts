/**
 * One way to open the database, whichever PostgreSQL is behind it.
 *
 * - `DATABASE_URL=postgres://…` uses a real PostgreSQL server through `pg`.
 * - otherwise PGlite (PostgreSQL 17 compiled to WASM, in-process) with its data
 *   directory under `DATA_DIR`: the embedded default that needs no system install.
 *
 * Both speak Kysely's PostgreSQL query compiler, so the SQL is byte-for-byte the same.
 * PGlite is one connection; Kysely's PGlite dialect serialises its users, which is
 * what a transaction needs.
 *
 * @example
 * const db = await openDatabase({ url: process.env.DATABASE_URL });
 * await migrateToLatest(db.kysely);
 */
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

/** Types we keep as strings on both drivers: bigint (20) and date (1082). */
const KEEP_AS_TEXT = [20, 1082];
for (const oid of KEEP_AS_TEXT) pg.types.setTypeParser(oid, (v: string) => v);

export interface DatabaseConfig {
  /** A PostgreSQL connection string; when absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite's data directory (ignored with `url`). Omit for an in-memory PGlite. */
  pgliteDir?: string | undefined;
  /** Pool size for a real server. */
  maxConnections?: number;
}

export interface OpenDatabase {
  kysely: Kysely<Database>;
  /** Which engine answered: useful in logs and /readyz. */
  engine: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export async function openDatabase(config: DatabaseConfig): Promise<OpenDatabase> {
  if (config.url) {
    const pool = new pg.Pool({ connectionString: config.url, max: config.maxConnections ?? 10, connectionTimeoutMillis: 5_000 });
    // A client that loses its server must not crash the process: an idle one reports it
    // to the pool, a checked-out one (mid-transaction when PostgreSQL stops) emits it on
    // itself, where pg has no listener of its own. The query in flight fails either way,
    // and the pool drops the broken client. Found by test/faults/postgres-stop.test.ts.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, engine: 'postgres', close: () => kysely.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const parsers = Object.fromEntries(KEEP_AS_TEXT.map((oid) => [oid, (v: string) => v]));
  const lite = new PGlite({ ...(config.pgliteDir ? { dataDir: config.pgliteDir } : {}), parsers });
  await lite.waitReady;
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: lite }) });
  return { kysely, engine: 'pglite', close: () => kysely.destroy() };
}
