/**
 * The append-only event log. An append is idempotent: events are keyed by their
 * deterministic id, inserted with ON CONFLICT DO NOTHING, and only the rows actually
 * inserted are applied to the read models, in the same transaction. A retried
 * activity therefore changes nothing.
 *
 * @example
 * await appendEvents(db, node.outbox); // twice: stored and projected once
 */
import type { Kysely, Transaction } from 'kysely';
import type { DomainEvent } from '../domain/events.js';
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
      const rows = await trx
        .selectFrom('events')
        .selectAll()
        .where('global_seq', '>', after)
        .orderBy('global_seq')
        .limit(2000)
        .execute();
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

export type { Transaction };

/** The stored events read back, typed: db/stored-events.ts (apart, so the read models can use them without a circle through the projections). */
export { escalationEvents, escalationsForwardedBy, escalationsReceived, fromRow } from './stored-events.js';
