/**
 * Bearer tokens, each bound to a role and an org. A token acts on its own org, and a
 * supervisory role (organiser, inspector, operator) on its whole subtree too; the
 * subtree test is a prefix test on the materialised path. Tokens are stored only as
 * sha256 hashes; the admin bootstrap token comes from the environment.
 *
 * | role      | acts on                        | reads          |
 * |-----------|--------------------------------|----------------|
 * | admin     | everything                     | everything     |
 * | organiser | its org and subtree            | its subtree    |
 * | inspector | vets and verifies in subtree   | its subtree    |
 * | operator  | nothing                        | its subtree    |
 * | secretary | its own org only               | its subtree    |
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { forbidden, notFound, ProblemError } from './problem.js';

/** Who a token speaks for; the table above says what each may do. */
export const Role = z.enum(['admin', 'organiser', 'secretary', 'inspector', 'operator']);
export type Role = z.infer<typeof Role>;

/** The caller as a handler sees it (`request.principal`), resolved from its token. */
export interface Principal {
  tokenId: string;
  role: Role;
  orgId: string | null;
  /** `/` for admin: every path starts with it. */
  orgPath: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The only form a token is stored in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new token `ce_<id>_<secret>` (the secret has 192 random bits) and its id. */
export function newToken(): { id: string; token: string } {
  const id = randomBytes(6).toString('hex');
  return { id, token: `ce_${id}_${randomBytes(24).toString('base64url')}` };
}

const unauthorized = (detail: string) => new ProblemError(401, 'Unauthorized', detail);

/** Resolves the caller from `Authorization: Bearer …`; 401 when absent, unknown, expired or revoked. */
export async function authenticate(db: Kysely<Database>, adminToken: string | undefined, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!token) throw unauthorized('a bearer token is required');
  if (adminToken && safeEqual(hashToken(token), hashToken(adminToken))) return { tokenId: 'admin', role: 'admin', orgId: null, orgPath: '/' };
  const row = await db
    .selectFrom('api_tokens')
    .leftJoin('orgs', 'orgs.id', 'api_tokens.org_id')
    .select(['api_tokens.id', 'role', 'org_id', 'expires_at', 'revoked_at', 'orgs.path'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  // The log names the token id at most, never the token.
  const tokenId = /^ce_([0-9a-f]{12})_/.exec(token)?.[1] ?? 'malformed';
  if (!row) {
    request.log.warn({ tokenId }, 'authentication failed: unknown token');
    throw unauthorized('the token is not valid');
  }
  if (row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= Date.now())) {
    request.log.warn({ tokenId }, 'authentication failed: revoked or expired token');
    throw unauthorized('the token has been revoked or has expired');
  }
  if (row.role === 'admin') return { tokenId: row.id, role: 'admin', orgId: null, orgPath: '/' };
  if (!row.path) {
    // An import removed the token's org: the token has nothing left to act on.
    request.log.warn({ tokenId }, 'authentication failed: the token\'s org no longer exists');
    throw unauthorized(`the token's org ${row.org_id} no longer exists`);
  }
  return { tokenId: row.id, role: row.role, orgId: row.org_id, orgPath: row.path };
}

/** The roles an organiser may hand out (and revoke) within its subtree; operator and admin tokens come from an admin. */
export const ORGANISER_ISSUES: readonly Role[] = ['organiser', 'secretary', 'inspector'];

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The caller, who must be authenticated by now. */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('a bearer token is required');
  return request.principal;
}

/** The caller, refused with a 403 unless it has one of the roles (an admin always has). */
export function requireRole(request: FastifyRequest, roles: readonly Role[]): Principal {
  const p = principal(request);
  if (p.role !== 'admin' && !roles.includes(p.role)) throw forbidden(`a ${p.role} token cannot do this (needs ${roles.join(' or ')})`);
  return p;
}

/**
 * Checks the caller may act on, or read, an org: `act` allows the org itself and, for an
 * organiser, its subtree; `supervise` (verifying) an organiser or inspector over the org;
 * `vet` (research topics) that, or the org's own secretary; `read` the caller's subtree.
 */
export async function requireOrgAccess(
  db: Kysely<Database>,
  request: FastifyRequest,
  orgId: string,
  mode: 'act' | 'supervise' | 'vet' | 'read',
): Promise<{ principal: Principal; path: string }> {
  const p = principal(request);
  const org = await db.selectFrom('orgs').select('path').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw notFound(`org ${orgId}`);
  if (p.role === 'admin') return { principal: p, path: org.path };
  const own = org.path === p.orgPath;
  const inSubtree = org.path.startsWith(p.orgPath);
  const allowed =
    mode === 'read'
      ? inSubtree
      : mode === 'act'
        ? own
          ? p.role === 'organiser' || p.role === 'secretary'
          : inSubtree && p.role === 'organiser'
        : mode === 'vet' && own
          ? p.role === 'secretary' || p.role === 'organiser' || p.role === 'inspector'
          : inSubtree && (p.role === 'organiser' || p.role === 'inspector');
  if (!allowed) throw forbidden(`a ${p.role} of ${p.orgId} may not ${mode === 'read' ? 'read' : 'act on'} org ${orgId}`);
  return { principal: p, path: org.path };
}

/** How a caller is named in the events it causes: role and token id, never the secret. */
export function actor(p: Principal): string {
  return `${p.role}:${p.tokenId}`;
}
