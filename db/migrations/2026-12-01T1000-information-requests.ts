import type { Kysely } from 'kysely';

// 为基层减负: a directive's kind (a task, or a request for information the campaign may cap
// per week), and the refusals of requests over the cap, one row per refusal. Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rm_directives')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('task'))
    .execute();
  await db.schema
    .createTable('rm_information_request_refusals')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('week', 'text', (c) => c.notNull())
    .addColumn('cap', 'integer', (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addColumn('directive_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('refused_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('rm_information_request_refusals_org_idx')
    .on('rm_information_request_refusals')
    .columns(['campaign_id', 'org_id', 'week'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rm_information_request_refusals').execute();
  await db.schema.alterTable('rm_directives').dropColumn('kind').execute();
}
