/**
 * A freshly migrated, empty database for one test file.
 *
 * With `DATABASE_URL` (the test global setup starts a real PostgreSQL and sets it) each
 * call creates its own database on that server, so files run in parallel without sharing
 * rows. Without it, an in-memory PGlite stands in: the same SQL, for a quick local run.
 */
import { openDatabase, type OpenDatabase } from '../../db/connect.js';
import { createMigratedDatabase } from '../../db/fresh.js';
import { migrateToLatest } from '../../db/migrate.js';

export interface TestDatabase extends OpenDatabase {
  /** The connection string of this database, when it is on a real server. */
  url: string | undefined;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const db = await openDatabase({});
    await migrateToLatest(db.kysely);
    return { ...db, url: undefined };
  }
  return createMigratedDatabase(serverUrl, 'test');
}
