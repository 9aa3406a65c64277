/**
 * The database's side of the readiness probe (`/readyz`, api/routes/health.ts): a query that
 * needs nothing but a live connection.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Resolves when the database answers `select 1`. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
