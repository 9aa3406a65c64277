/**
 * A new, migrated database on a PostgreSQL server, named `<prefix>_<random>`: each test
 * file and each benchmark run gets rows of its own on a shared server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type OpenDatabase } from './connect.js';
import { migrateToLatest } from './migrate.js';

export async function createMigratedDatabase(serverUrl: string, prefix: string): Promise<OpenDatabase & { url: string }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
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
