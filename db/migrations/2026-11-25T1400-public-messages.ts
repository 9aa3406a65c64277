import { sql, type Kysely } from 'kysely';

// 民意直通车: the messages' read model, the items that answer them, the campaign's routing
// rules and the senders' tracking codes (hashes only). Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rm_problems').addColumn('public_message_id', 'text').execute();
  await db.schema
    .createTable('rm_public_messages')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('area', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('contact', 'text')
    .addColumn('office_org_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('org_path', 'text')
    .addColumn('problem_id', 'text')
    .addColumn('item_status', 'text')
    .addColumn('triage_reason', 'text')
    .addColumn('routed_by', 'text')
    .addColumn('routed_same_day', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deadline', 'timestamptz', (c) => c.notNull())
    .addColumn('routed_at', 'timestamptz')
    .addColumn('flagged_at', 'timestamptz')
    .addColumn('rectification_started_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('rm_public_messages_pk', ['campaign_id', 'message_id'])
    .execute();
  await db.schema.createIndex('rm_public_messages_state_idx').on('rm_public_messages').columns(['campaign_id', 'state', 'received_at']).execute();
  await sql`create index rm_public_messages_path_idx on rm_public_messages (campaign_id, org_path text_pattern_ops)`.execute(db);

  // Sources of truth, not read models: the office sets the rules; the API keeps the codes' hashes.
  await db.schema
    .createTable('public_message_routes')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('area', 'text')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('set_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('public_message_routes_pk', ['campaign_id', 'position'])
    .execute();
  await db.schema
    .createTable('public_message_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('public_message_codes').execute();
  await db.schema.dropTable('public_message_routes').execute();
  await db.schema.dropTable('rm_public_messages').execute();
  await db.schema.alterTable('rm_problems').dropColumn('public_message_id').execute();
}
