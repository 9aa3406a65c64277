import { sql, type Kysely } from 'kysely';

/**
 * The ledger across a subtree (`GET …/ledger`): items by their org's path, in byte order
 * (`collate "C"`, so a subtree is a range and a page is read in index order), then by item
 * id, the keyset of its pages. Frozen once shipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index rm_problems_subtree_idx on rm_problems (campaign_id, (path collate "C"), problem_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index rm_problems_subtree_idx`.execute(db);
}
