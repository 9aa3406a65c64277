import type { Kysely } from 'kysely';

// 上题下答: directives, the items they put in ledgers, and their coverage at each org.
// Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rm_org_progress').addColumn('directives', 'jsonb').execute();
  await db.schema.alterTable('rm_problems').addColumn('directive_id', 'text').execute();
  await db.schema.createIndex('rm_problems_directive_idx').on('rm_problems').columns(['campaign_id', 'directive_id']).execute();
  await db.schema
    .createTable('rm_directives')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('directive_id', 'text', (c) => c.notNull())
    .addColumn('issuer_org_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('instructions', 'text', (c) => c.notNull())
    .addColumn('deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('target_levels', 'jsonb', (c) => c.notNull())
    .addColumn('target_org_ids', 'jsonb', (c) => c.notNull())
    .addColumn('cancelled', 'boolean', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_directives_pk', ['campaign_id', 'directive_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rm_directives').execute();
  await db.schema.dropIndex('rm_problems_directive_idx').execute();
  await db.schema.alterTable('rm_problems').dropColumn('directive_id').execute();
  await db.schema.alterTable('rm_org_progress').dropColumn('directives').execute();
}
