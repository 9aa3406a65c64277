import { sql, type Kysely } from 'kysely';

// 例会: the regular meetings' reports, compiled on a Schedule from the read models and the
// events. A source of truth, not a read model: a report is what the figures were when it was
// compiled, and a rebuild of the read models must not rewrite the papers a meeting read.
// One report per campaign, kind and period end, so a retried compilation stores it once.
// Frozen once shipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('period_from', 'timestamptz', (c) => c.notNull())
    .addColumn('period_to', 'timestamptz', (c) => c.notNull())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('figures', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('reports_pk', ['campaign_id', 'kind', 'period_to'])
    .addUniqueConstraint('reports_id_unique', ['campaign_id', 'report_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reports').execute();
}
