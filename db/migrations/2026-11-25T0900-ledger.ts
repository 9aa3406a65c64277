import type { Kysely } from 'kysely';

// The rectification ledger: the lifecycle's columns on rm_problems, democratic life
// meetings and special rectification projects. Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rm_problems')
    .addColumn('immediate', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('project_ref', 'text')
    .addColumn('meeting_id', 'text')
    .addColumn('owner', 'text')
    .addColumn('measures', 'text')
    .addColumn('deadline', 'timestamptz')
    .addColumn('extended_from', 'timestamptz')
    .addColumn('extension_reason', 'text')
    .addColumn('alert', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('evidence', 'text')
    .addColumn('attachments', 'jsonb')
    .addColumn('rectified_by', 'text')
    .addColumn('verified_by', 'text')
    .addColumn('returns', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('return_reason', 'text')
    .addColumn('result', 'text')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('disclosed_on', 'date')
    .addColumn('path', 'text')
    .execute();
  await db.schema.createIndex('rm_problems_project_idx').on('rm_problems').column('project_ref').execute();
  await db.schema.createIndex('rm_problems_alert_idx').on('rm_problems').columns(['campaign_id', 'alert', 'status']).execute();

  await db.schema
    .createTable('rm_democratic_life_meetings')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('attendance', 'integer', (c) => c.notNull())
    .addColumn('problems_found', 'integer', (c) => c.notNull())
    .addColumn('criticisms', 'integer', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_democratic_life_meetings_pk', ['campaign_id', 'org_id', 'meeting_id'])
    .execute();

  await db.schema
    .createTable('rm_projects')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('project_ref', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('lead_org_id', 'text', (c) => c.notNull())
    .addColumn('participant_org_ids', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_projects_pk', ['campaign_id', 'project_ref'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rm_projects').execute();
  await db.schema.dropTable('rm_democratic_life_meetings').execute();
  await db.schema.dropIndex('rm_problems_alert_idx').execute();
  await db.schema.dropIndex('rm_problems_project_idx').execute();
  for (const c of [
    'immediate',
    'project_ref',
    'meeting_id',
    'owner',
    'measures',
    'deadline',
    'extended_from',
    'extension_reason',
    'alert',
    'evidence',
    'attachments',
    'rectified_by',
    'verified_by',
    'returns',
    'return_reason',
    'result',
    'closed_at',
    'disclosed_on',
    'path',
  ]) {
    await db.schema.alterTable('rm_problems').dropColumn(c).execute();
  }
}
