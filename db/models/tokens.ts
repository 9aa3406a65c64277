/**
 * Bearer tokens (`api_tokens`, only their sha256 hashes) and the console's sign-in sessions
 * (`sessions`, only the sha256 of the session id): sources of truth, not projections. Each
 * read of a token or a session joins its org's path from the directory (absent when an import
 * removed the org), which is what the caller may act on.
 *
 * The rest: the roles, hashing and judging of a token in api/auth.ts, the cookie and its
 * routes in api/session.ts, issuing and revoking in api/routes/tokens.ts; tests in
 * test/api/tokens.test.ts and test/api/session.test.ts.
 *
 * @example
 * const row = await tokenByHash(db, hashToken(token)); // with its org's path, or undefined
 */
import type { Insertable, Kysely } from 'kysely';
import { subtreePattern } from '../../domain/org-tree.js';
import type { ApiTokenRow, ApiTokensTable, Database } from '../schema.js';

type Role = ApiTokensTable['role'];

/** The token of this hash with its org's path (null when an import removed the org), or undefined. */
export function tokenByHash(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('api_tokens')
    .leftJoin('orgs', 'orgs.id', 'api_tokens.org_id')
    .select(['api_tokens.id', 'role', 'org_id', 'expires_at', 'revoked_at', 'orgs.path'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Stores a new token (its hash, never the token). */
export async function insertToken(db: Kysely<Database>, token: Insertable<ApiTokensTable>): Promise<void> {
  await db.insertInto('api_tokens').values(token).execute();
}

/** The token's role and org, or undefined. */
export function readToken(db: Kysely<Database>, id: string) {
  return db.selectFrom('api_tokens').select(['id', 'role', 'org_id']).where('id', '=', id).executeTakeFirst();
}

/** When the token expires (null: never), or undefined when there is no such token. */
export async function tokenExpiry(db: Kysely<Database>, id: string): Promise<Date | null | undefined> {
  return (await db.selectFrom('api_tokens').select('expires_at').where('id', '=', id).executeTakeFirst())?.expires_at;
}

/** Revokes the token at `at`, unless it is revoked already (revoking twice keeps the first time). */
export async function revokeToken(db: Kysely<Database>, id: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * Tokens in id order after `after`, at most `limit`, optionally of one org; `within` (for an
 * organiser) keeps only tokens of these roles whose org lies in the subtree at `path`.
 */
export function listTokens(
  db: Kysely<Database>,
  q: { orgId: string | undefined; after: string | undefined; limit: number; within?: { path: string; roles: readonly Role[] } | undefined },
): Promise<ApiTokenRow[]> {
  let query = db.selectFrom('api_tokens').selectAll('api_tokens');
  if (q.orgId !== undefined) query = query.where('api_tokens.org_id', '=', q.orgId);
  if (q.within) {
    query = query
      .innerJoin('orgs', 'orgs.id', 'api_tokens.org_id')
      .where('orgs.path', 'like', subtreePattern(q.within.path))
      .where('api_tokens.role', 'in', [...q.within.roles]);
  }
  if (q.after !== undefined) query = query.where('api_tokens.id', '>', q.after);
  return query.orderBy('api_tokens.id').limit(q.limit).execute();
}

/** The session of this id hash with its token (absent fields when the token was deleted) and the token's org path. */
export function sessionByIdHash(db: Kysely<Database>, idHash: string) {
  return db
    .selectFrom('sessions')
    .leftJoin('api_tokens', 'api_tokens.id', 'sessions.token_id')
    .leftJoin('orgs', 'orgs.id', 'api_tokens.org_id')
    .select([
      'sessions.token_id',
      'sessions.expires_at',
      'api_tokens.role',
      'api_tokens.org_id',
      'api_tokens.revoked_at',
      'api_tokens.expires_at as token_expires_at',
      'orgs.path',
    ])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
}

/** Stores a new session, first deleting the sessions that ended before `now`. */
export async function openSession(db: Kysely<Database>, session: { idHash: string; tokenId: string; expiresAt: Date }, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  await db.insertInto('sessions').values({ id_hash: session.idHash, token_id: session.tokenId, expires_at: session.expiresAt }).execute();
}

/** Ends the session of this id hash (nothing when there is none). */
export async function endSession(db: Kysely<Database>, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}
