import { sql, type Kysely } from 'kysely';

// Frozen once shipped: change the schema with a new migration, never by editing this one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('global_seq', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('stream_seq', 'integer', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('events_stream_seq_unique', ['stream_id', 'stream_seq'])
    .execute();
  await db.schema.createIndex('events_global_seq_idx').on('events').column('global_seq').unique().execute();
  await db.schema.createIndex('events_campaign_idx').on('events').columns(['campaign_id', 'org_id']).execute();

  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('parent_id', 'text')
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await sql`create index orgs_path_idx on orgs (path text_pattern_ops)`.execute(db);
  await db.schema.createIndex('orgs_parent_idx').on('orgs').columns(['parent_id', 'position']).execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();

  await db.schema
    .createTable('rm_campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('batch', 'integer', (c) => c.notNull())
    .addColumn('root_org_id', 'text', (c) => c.notNull())
    .addColumn('phase_mode', 'text', (c) => c.notNull())
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('starts_on', 'date', (c) => c.notNull())
    .addColumn('ends_on', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('summary', 'jsonb')
    .execute();

  await db.schema
    .createTable('rm_org_progress')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('mobilised_on', 'date')
    .addColumn('components', 'jsonb', (c) => c.notNull())
    .addColumn('own', 'jsonb', (c) => c.notNull())
    .addColumn('subtree', 'jsonb', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('last_stream_seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_org_progress_pk', ['campaign_id', 'org_id'])
    .execute();
  await sql`create index rm_org_progress_path_idx on rm_org_progress (campaign_id, path text_pattern_ops)`.execute(db);
  await db.schema.createIndex('rm_org_progress_parent_idx').on('rm_org_progress').columns(['campaign_id', 'parent_id']).execute();

  await db.schema
    .createTable('rm_study_sessions')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('hours', 'double precision', (c) => c.notNull())
    .addColumn('attendance', 'integer', (c) => c.notNull())
    .addColumn('counted', 'boolean', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_study_sessions_pk', ['campaign_id', 'org_id', 'session_id'])
    .execute();

  await db.schema
    .createTable('rm_research_topics')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('topic_id', 'text', (c) => c.notNull())
    .addColumn('leader', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('similar_to', 'jsonb', (c) => c.notNull())
    .addColumn('vetted_by', 'text')
    .addColumn('return_reason', 'text')
    .addColumn('reports', 'integer', (c) => c.notNull())
    .addColumn('policy_measures', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_research_topics_pk', ['campaign_id', 'org_id', 'topic_id'])
    .execute();

  await db.schema
    .createTable('rm_problems')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('problem_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_problems_pk', ['campaign_id', 'org_id', 'problem_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'rm_problems',
    'rm_research_topics',
    'rm_study_sessions',
    'rm_org_progress',
    'rm_campaigns',
    'idempotency_keys',
    'api_tokens',
    'orgs',
    'events',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
