import { sql, type Kysely } from 'kysely';

/**
 * 动员部署 on time (`rules.mobiliseWithinDays`): when the cascade reached an org, i.e. its
 * workflow started (`OrgStarted`'s time), so the colour rule can turn it red once it has not
 * mobilised that many days later. Rows from before are filled from their `OrgStarted` event.
 * Frozen once shipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rm_org_progress').addColumn('reached_at', 'timestamptz').execute();
  await sql`update rm_org_progress p set reached_at = e.occurred_at
    from events e
    where e.stream_id = 'campaign/' || p.campaign_id || '/org/' || p.org_id and e.type = 'OrgStarted'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rm_org_progress').dropColumn('reached_at').execute();
}
