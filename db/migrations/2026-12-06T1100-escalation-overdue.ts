import { sql, type Kysely } from 'kysely';

/**
 * 下题上答 at the campaign's top: an escalation whose claim deadline passes there, with no
 * parent to forward it to, turns red (`EscalationOverdue`). `overdue_at` is when it did; it
 * stays once claimed, as the record that the claim came late. The office's overdue view
 * lists those still waiting for a claim, so they are indexed. Frozen once shipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rm_escalations').addColumn('overdue_at', 'timestamptz').execute();
  await sql`create index rm_escalations_overdue_idx on rm_escalations (target_campaign_id, current_org_id) where overdue_at is not null and target_status = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index rm_escalations_overdue_idx`.execute(db);
  await db.schema.alterTable('rm_escalations').dropColumn('overdue_at').execute();
}
