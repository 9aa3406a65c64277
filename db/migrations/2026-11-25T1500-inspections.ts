import { sql, type Kysely } from 'kysely';

// 巡回指导组 / 暗访抽查 / 通报: guidance groups (a source of truth, set through the API), and the
// read models of inspection rounds, their findings and their circulated notices. Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('guidance_groups')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope_org_id', 'text', (c) => c.notNull())
    .addColumn('scope_path', 'text', (c) => c.notNull())
    .addColumn('inspector_token_ids', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('guidance_groups_pk', ['campaign_id', 'group_id'])
    .execute();
  await db.schema
    .createTable('rm_inspection_rounds')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('round_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('scope_org_id', 'text', (c) => c.notNull())
    .addColumn('seed', 'text', (c) => c.notNull())
    .addColumn('sample_size', 'integer', (c) => c.notNull())
    .addColumn('stratify_by_level', 'boolean', (c) => c.notNull())
    .addColumn('inspectors', 'jsonb', (c) => c.notNull())
    .addColumn('candidates', 'integer')
    .addColumn('sample', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('interviews', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('interview_notes', 'jsonb', (c) => c.notNull())
    .addColumn('notice_title', 'text')
    .addColumn('notice_text', 'text')
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('findings_issued_at', 'timestamptz')
    .addColumn('circulated_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_inspection_rounds_pk', ['campaign_id', 'round_id'])
    .execute();
  await db.schema.createIndex('rm_inspection_rounds_circulated_idx').on('rm_inspection_rounds').columns(['campaign_id', 'circulated_at']).execute();
  await db.schema
    .createTable('rm_inspection_findings')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('round_id', 'text', (c) => c.notNull())
    .addColumn('finding_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('prevention', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('problem_id', 'text')
    .addColumn('delivered', 'boolean')
    .addColumn('added_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_inspection_findings_pk', ['campaign_id', 'round_id', 'finding_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rm_inspection_findings').execute();
  await db.schema.dropTable('rm_inspection_rounds').execute();
  await db.schema.dropTable('guidance_groups').execute();
}
