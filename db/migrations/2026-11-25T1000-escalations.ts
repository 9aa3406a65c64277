import type { Kysely } from 'kysely';

// 下题上答: one row per escalation, written by the origin's events and by each target's.
// Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rm_escalations')
    .addColumn('escalation_id', 'text', (c) => c.primaryKey())
    .addColumn('origin_campaign_id', 'text')
    .addColumn('origin_org_id', 'text')
    .addColumn('origin_problem_id', 'text')
    .addColumn('category', 'text')
    .addColumn('description', 'text')
    .addColumn('reason', 'text')
    .addColumn('origin_status', 'text')
    .addColumn('target_campaign_id', 'text')
    .addColumn('current_org_id', 'text')
    .addColumn('hop', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('target_status', 'text')
    .addColumn('claim_deadline', 'timestamptz')
    .addColumn('claimed_problem_id', 'text')
    .addColumn('lapses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rm_escalations_current_idx').on('rm_escalations').columns(['target_campaign_id', 'current_org_id', 'target_status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rm_escalations').execute();
}
