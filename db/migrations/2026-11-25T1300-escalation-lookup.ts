import { sql, type Kysely } from 'kysely';

/**
 * Claims and forwards read an escalation's message back from the event that received it
 * (workflow state keeps only its id), so that read is indexed: by stream and escalation
 * id, over `EscalationReceived` events only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index events_escalation_received_idx on events (stream_id, (payload->>'escalationId')) where type = 'EscalationReceived'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index events_escalation_received_idx`.execute(db);
}
