/**
 * The append-only event log. An append is idempotent: events are keyed by their
 * deterministic id, inserted with ON CONFLICT DO NOTHING, and only the rows actually
 * inserted are applied to the read models, in the same transaction. A retried
 * activity therefore changes nothing.
 *
 * @example
 * await appendEvents(db, node.outbox); // twice: stored and projected once
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { orgWorkflowId } from '../domain/workflow-ids.js';
import type { DomainEvent, DomainEventType, EventOf } from '../domain/events.js';
import { applyEvent } from './projections.js';
import { READ_MODEL_TABLES, type Database } from './schema.js';
import { fromRow } from './stored-events.js';

export async function appendEvents(db: Kysely<Database>, events: readonly DomainEvent[]): Promise<{ stored: number }> {
  if (events.length === 0) return { stored: 0 };
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('events')
      .values(events.map(toRow))
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    const fresh = new Set(inserted.map((r) => r.id));
    for (const event of events) if (fresh.has(event.id)) await applyEvent(trx, event);
    return { stored: fresh.size };
  });
}

/**
 * Empties the read models and replays every event in the order it was stored, in
 * one transaction: readers see the old read model or the new one, never half.
 */
export async function rebuildProjections(db: Kysely<Database>, onProgress?: (applied: number) => void): Promise<{ events: number }> {
  return db.transaction().execute(async (trx) => {
    for (const table of READ_MODEL_TABLES) await trx.deleteFrom(table).execute();
    let after = '0';
    let applied = 0;
    for (;;) {
      const rows = await trx.selectFrom('events').selectAll().where('global_seq', '>', after).orderBy('global_seq').limit(2000).execute();
      if (rows.length === 0) break;
      for (const row of rows) await applyEvent(trx, fromRow(row));
      applied += rows.length;
      after = rows[rows.length - 1]!.global_seq;
      onProgress?.(applied);
    }
    return { events: applied };
  });
}

function toRow(e: DomainEvent) {
  const { id, streamId, seq, campaignId, orgId, occurredAt, type, ...payload } = e;
  return {
    id,
    stream_id: streamId,
    stream_seq: seq,
    campaign_id: campaignId,
    org_id: orgId,
    type,
    payload: JSON.stringify(payload),
    occurred_at: occurredAt,
  };
}

/**
 * A page of the events of these types an org's own workflow recorded (its stream: nothing
 * another workflow recorded about it), newest first: `limit` events from `offset`.
 *
 * @example
 * const page = await orgStreamEvents(db, 'tj-2019', 'tj-d1', ['OrgStarted', 'OrgMobilised'], 51, 0);
 */
export async function orgStreamEvents<T extends DomainEventType>(
  db: Kysely<Database>,
  campaignId: string,
  orgId: string,
  types: readonly T[],
  limit: number,
  offset: number,
): Promise<EventOf<T>[]> {
  const rows = await orgStream(db, campaignId, orgId, types).orderBy('stream_seq', 'desc').limit(limit).offset(offset).execute();
  return rows.map((r) => fromRow(r) as EventOf<T>);
}

/** The stored events of these types in an org's own stream (what its workflow recorded). */
function orgStream(db: Kysely<Database>, campaignId: string, orgId: string, types: readonly DomainEventType[]) {
  return db
    .selectFrom('events')
    .selectAll()
    .where('stream_id', '=', orgWorkflowId(campaignId, orgId))
    .where('type', 'in', [...types]);
}

/**
 * The events of these types in an org's stream that concern one of its ledger items (their
 * `problemId`, or among their `problemIds`), oldest first: one org's stream filtered to the
 * item, at most a few hundred rows.
 */
export async function problemEvents<T extends DomainEventType>(
  db: Kysely<Database>,
  campaignId: string,
  orgId: string,
  problemId: string,
  types: readonly T[],
): Promise<EventOf<T>[]> {
  const rows = await orgStream(db, campaignId, orgId, types)
    .where((eb) => eb.or([eb(sql`payload->>'problemId'`, '=', problemId), eb(sql`payload->'problemIds'`, '?', problemId)]))
    .orderBy('stream_seq')
    .execute();
  return rows.map((r) => fromRow(r) as EventOf<T>);
}

/** A field of an event as a reader is shown it: a plain value, or a list of strings where asked for. */
export type ShownValue = string | number | boolean | null | string[];

/**
 * The fields of these names an event has, where each is a plain value (or, with `lists`, a
 * list of strings): what a timeline or an item's history shows of an event, and no more.
 */
export function shownFields(e: DomainEvent, names: readonly string[], lists = false): Record<string, ShownValue> {
  const fields: Record<string, ShownValue> = {};
  for (const name of names) {
    const v = (e as unknown as Record<string, unknown>)[name];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[name] = v;
    else if (lists && Array.isArray(v) && v.every((x) => typeof x === 'string')) fields[name] = v;
  }
  return fields;
}

export type { Transaction };

/** The stored events read back, typed: db/stored-events.ts (apart, so the read models can use them without a circle through the projections). */
export { escalationEvents, escalationsForwardedBy, escalationsReceived, eventCountsIn, findingsIssuedIn, fromRow, roundsStartedIn } from './stored-events.js';
