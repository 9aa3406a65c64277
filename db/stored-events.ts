/**
 * The event log read back: a stored row as its typed event ({@link fromRow}), and the reads
 * by a payload field, each returning the typed event (or a typed subquery), and the counts of
 * events in a period the reports make (activities/reports.ts). Payload fields
 * are named here and nowhere else, checked against the event type that declares them: a
 * change to an event's shape fails to compile here instead of silently breaking a reader.
 * db/event-store.ts (the append and the rebuild) re-exports these; the read models
 * (db/models/) import them from here, as the projections import the read models.
 *
 * @example
 * const chain = await escalationEvents(db, escalationId, ['ProblemEscalated', 'EscalationClaimed']);
 */
import { sql, type Kysely } from 'kysely';
import type { DomainEvent, EventOf } from '../domain/events.js';
import type { Database, EventRow } from './schema.js';

/** The event a stored row holds. */
export function fromRow(row: EventRow): DomainEvent {
  return {
    ...(row.payload as object),
    type: row.type,
    id: row.id,
    streamId: row.stream_id,
    seq: row.stream_seq,
    campaignId: row.campaign_id,
    orgId: row.org_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
  } as DomainEvent;
}

/** The events that name an escalation (下题上答). */
export type EscalationEventType = Extract<DomainEvent, { escalationId: string }>['type'];

/**
 * `payload->>'<field>'`: a field of the event types named as text, checked against every one
 * of them (a renamed field fails to compile; without the types named, no field passes),
 * written as a literal so the expression indexes (`events_escalation_idx`,
 * `events_escalation_received_idx`) serve it.
 *
 * @example
 * payloadText<'EscalationForwarded'>('escalationId') // payload->>'escalationId'
 */
export function payloadText<T extends DomainEvent['type'] = never>(field: PayloadField<T>) {
  return sql<string>`payload->>${sql.lit(field)}`;
}
type EventEnvelope = Pick<DomainEvent, 'type' | 'id' | 'streamId' | 'seq' | 'campaignId' | 'orgId' | 'occurredAt'>;
/** A payload field every one of the event types has (none when no type is named). */
type PayloadField<T extends DomainEvent['type']> = [T] extends [never] ? never : Exclude<keyof EventOf<T>, keyof EventEnvelope> & string;

/** The events of these types that name the escalation, in the order stored (`events_escalation_idx`). */
export async function escalationEvents<T extends EscalationEventType>(db: Kysely<Database>, escalationId: string, types: readonly T[]): Promise<EventOf<T>[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where(sql<boolean>`payload ? ${sql.lit('escalationId')}`) // lets the partial index serve the lookup
    .where(payloadText<EscalationEventType>('escalationId'), '=', escalationId)
    .where('type', 'in', types)
    .orderBy('global_seq')
    .execute();
  return rows.map((r) => fromRow(r) as EventOf<T>);
}

/**
 * The `EscalationReceived` events of one org's stream for these escalations: the message
 * each arrived with (`events_escalation_received_idx`). activities/deliver-signals.ts
 * `storedMessages` reads the same rows and should read them through this.
 */
export async function escalationsReceived(db: Kysely<Database>, streamId: string, escalationIds: readonly string[]): Promise<EventOf<'EscalationReceived'>[]> {
  if (escalationIds.length === 0) return [];
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('stream_id', '=', streamId)
    .where('type', '=', 'EscalationReceived')
    .where(payloadText<'EscalationReceived'>('escalationId'), 'in', escalationIds)
    .execute();
  return rows.map((r) => fromRow(r) as EventOf<'EscalationReceived'>);
}

/** The ids of the escalations an org passed on to its parent (by hand or when a claim deadline lapsed): a subquery over its `EscalationForwarded` events. */
export function escalationsForwardedBy(db: Kysely<Database>, campaignId: string, orgId: string) {
  return db
    .selectFrom('events')
    .select(payloadText<'EscalationForwarded'>('escalationId').as('escalation_id'))
    .where('campaign_id', '=', campaignId)
    .where('org_id', '=', orgId)
    .where('type', '=', 'EscalationForwarded');
}

/**
 * `payload-><field>`: a field of the event types as JSON (a list, an object), checked as
 * {@link payloadText} checks it.
 */
export function payloadJson<T extends DomainEvent['type'] = never>(field: PayloadField<T>) {
  return sql`payload->${sql.lit(field)}`;
}

/** `recorded_at` in (from, to]: an event falls into the period by when the database stored it, so into exactly one of two adjacent periods. */
function recordedIn(from: Date, to: Date) {
  return sql<boolean>`recorded_at > ${from} and recorded_at <= ${to}`;
}

/**
 * How many events of each of these types the campaign recorded in (from, to], and how many
 * of them were recorded `lapsed` (an `EscalationForwarded` because the claim deadline passed;
 * no other type has the field, so theirs is 0). A type with none is left out.
 */
export function eventCountsIn(db: Kysely<Database>, campaignId: string, types: readonly DomainEvent['type'][], from: Date, to: Date) {
  return db
    .selectFrom('events')
    .select([
      'type',
      (eb) => eb.fn.countAll<string>().as('n'),
      sql<string>`count(*) filter (where ${payloadText<'EscalationForwarded'>('lapsed')} = 'true')`.as('lapsed'),
    ])
    .where('campaign_id', '=', campaignId)
    .where(recordedIn(from, to))
    .where('type', 'in', [...types])
    .groupBy('type')
    .execute();
}

/** Each `InspectionFindingsIssued` the campaign recorded in (from, to]: its round and how many findings it issued. */
export function findingsIssuedIn(db: Kysely<Database>, campaignId: string, from: Date, to: Date) {
  return db
    .selectFrom('events')
    .select([
      payloadText<'InspectionFindingsIssued'>('roundId').as('round_id'),
      sql<string>`jsonb_array_length(${payloadJson<'InspectionFindingsIssued'>('items')})`.as('n'),
    ])
    .where('campaign_id', '=', campaignId)
    .where('type', '=', 'InspectionFindingsIssued')
    .where(recordedIn(from, to))
    .execute();
}

/** How many inspection rounds each guidance group started in the campaign in (from, to] (`InspectionRoundStarted`, by its round's group). */
export function roundsStartedIn(db: Kysely<Database>, campaignId: string, from: Date, to: Date) {
  const groupId = sql<string>`${payloadJson<'InspectionRoundStarted'>('round')}->>${sql.lit('groupId' satisfies keyof EventOf<'InspectionRoundStarted'>['round'])}`;
  return db
    .selectFrom('events')
    .select([groupId.as('group_id'), (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('type', '=', 'InspectionRoundStarted')
    .where(recordedIn(from, to))
    .groupBy(groupId)
    .execute();
}
