import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The console's sign-in sessions (api/session.ts): a row per session, keyed by the sha256 of
// the session id the cookie carries (the id itself is stored nowhere), bound to the token it
// was opened with, so revoking that token ends its sessions. Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_token_idx').on('sessions').column('token_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sessions').execute();
}
