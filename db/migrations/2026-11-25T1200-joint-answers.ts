import type { Kysely } from 'kysely';

// 同题共答: joint problems and the ledger items that are their parts. Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rm_problems').addColumn('joint_id', 'text').execute();
  await db.schema
    .createTable('rm_joint_problems')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('joint_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('opener_org_id', 'text', (c) => c.notNull())
    .addColumn('parts', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addPrimaryKeyConstraint('rm_joint_problems_pk', ['campaign_id', 'joint_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rm_joint_problems').execute();
  await db.schema.alterTable('rm_problems').dropColumn('joint_id').execute();
}
