/**
 * What every read model's projection handlers share: the transaction they write through,
 * the handler of one event type, the map of them (exhaustive in db/projections.ts, partial
 * in each model under db/models/), and the rows of the event's org. A module of its own so
 * that every model imports it and db/projections.ts imports every model, with no circle.
 *
 * @example
 * export const studyProjections = { StudySessionRecorded: (trx, e) => trx.insertInto('rm_study_sessions')… } satisfies ModelProjections;
 */
import type { ExpressionBuilder, Transaction } from 'kysely';
import type { DomainEvent, DomainEventType, EventOf } from '../../domain/events.js';
import type { Database } from '../schema.js';

/** The transaction an append (or a rebuild) applies its events in. */
export type Trx = Transaction<Database>;

/** How one event of type `T` changes a read model. A pure function of the event: times come from `occurredAt`. */
export type Handler<T extends DomainEventType> = (trx: Trx, e: EventOf<T>) => Promise<unknown>;

/** One entry for every event type: a model's handler, or {@link unread} with why no model reads it. */
export type Handlers = { [T in DomainEventType]: Handler<T> };

/** A model's share of the map: the events it reads. */
export type ModelProjections = Partial<Handlers>;

/**
 * The entry of an event no read model reads, with the reason: the map names every event
 * type, so a new one without an entry is a compile error rather than silently unread.
 */
export function unread(reason: string): Handler<DomainEventType> & { unread: string } {
  return Object.assign(() => Promise.resolve(), { unread: reason });
}

/** The rows of the event's org in the event's campaign. */
export function ofOrg(e: DomainEvent) {
  return (eb: ExpressionBuilder<Database, 'rm_org_progress' | 'rm_research_topics' | 'rm_problems'>) =>
    eb.and([eb('campaign_id', '=', e.campaignId), eb('org_id', '=', e.orgId!)]);
}
