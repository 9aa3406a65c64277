import { sql, type Kysely } from 'kysely';

/**
 * The public routes' rate limits (api/rate-limit.ts), shared by every API process on the
 * database: a token bucket per route and client address, kept as the time it will be full
 * again (`full_at`); `allowed` is the verdict on the bucket's latest request. A row whose
 * `full_at` has passed says no more than a missing one, so such rows are deleted by
 * `full_at` (indexed). Frozen once shipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('client', 'text', (c) => c.notNull())
    .addColumn('full_at', 'timestamptz', (c) => c.notNull())
    .addColumn('allowed', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pkey', ['scope', 'client'])
    .execute();
  await sql`create index rate_limits_full_at_idx on rate_limits (full_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
}
