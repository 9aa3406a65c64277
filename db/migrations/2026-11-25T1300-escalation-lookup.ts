import { sql, type Kysely } from 'kysely';

/**
 * Claims and forwards read an escalation's message back from the event that received it
 * (workflow state keeps only its id), and the API reads an escalation's chain from every
 * event that names it; both reads are indexed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index events_escalation_received_idx on events (stream_id, (payload->>'escalationId')) where type = 'EscalationReceived'`.execute(db);
  await sql`create index events_escalation_idx on events ((payload->>'escalationId')) where payload ? 'escalationId'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index events_escalation_idx`.execute(db);
  await sql`drop index events_escalation_received_idx`.execute(db);
}
