/**
 * A freshly migrated, empty database for one test file.
 *
 * With `DATABASE_URL` (the test global setup starts a real PostgreSQL and sets it) each
 * call creates its own database on that server, so files run in parallel without sharing
 * rows. Without it, an in-memory PGlite stands in: the same SQL, for a quick local run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type OpenDatabase } from '../../db/connect.js';
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
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  await migrateToLatest(db.kysely);
  return { ...db, url: url.toString() };
}
