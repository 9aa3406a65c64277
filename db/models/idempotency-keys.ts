/**
 * Kept answers (`idempotency_keys`): the first answer to a create or an org action, by scope
 * and key, replayed to a retry carrying the same `Idempotency-Key`. A source of truth, not a
 * projection. What a kept answer holds (sealed or plain) and when one is replayed is decided
 * in api/idempotency.ts (tokens, public messages) and api/routes/org-actions.ts (org actions);
 * tests in test/api/tokens.test.ts, test/api/edges.test.ts and test/public/public-messages.test.ts.
 *
 * @example
 * const first = await keptAnswer(db, scope, keyHash); // { request_hash, response } or undefined
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Holds, until the caller's transaction ends, the lock of one (scope, key): creates under it run one at a time. */
export async function lockKey(trx: Kysely<Database>, scope: string, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${scope} ${key}`}, 0))`.execute(trx);
}

/** The answer kept under (scope, key) and the hash of the request it answered, or undefined. */
export function keptAnswer(db: Kysely<Database>, scope: string, key: string) {
  return db.selectFrom('idempotency_keys').select(['request_hash', 'response']).where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

/** Keeps an answer under (scope, key); an answer already kept there stays (the first one wins). */
export async function keepAnswer(
  db: Kysely<Database>,
  kept: { scope: string; key: string; requestHash: string; statusCode: number; response: unknown },
): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ scope: kept.scope, key: kept.key, request_hash: kept.requestHash, status_code: kept.statusCode, response: JSON.stringify(kept.response ?? null) })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .execute();
}
