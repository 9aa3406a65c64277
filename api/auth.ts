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
import { orgPath } from '../db/models/directory.js';
import { tokenByHash } from '../db/models/tokens.js';
import type { Database } from '../db/schema.js';
import { forbidden, notFound, orgNotVisible, ProblemError } from './problem.js';

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

/**
 * The token of an `Authorization` header, or undefined when it holds no bearer token. The
 * scheme is case-insensitive and followed by one or more spaces (RFC 9110 §11.1, §11.4;
 * RFC 6750 §2.1), so `bearer …` and `BEARER  …` are read as well as `Bearer …`; the token
 * itself is taken as sent (tokens have no spaces in them).
 */
export function bearerToken(header: string | undefined): string | undefined {
  return /^bearer +(\S+) *$/i.exec(header ?? '')?.[1];
}

/**
 * Resolves the caller from `Authorization: Bearer …`; 401 when absent, unknown, expired or
 * revoked. A token expires at its `expires_at` by `now` (ms since the epoch), the app's
 * clock, which tests move instead of waiting days (AppDeps.now).
 */
export async function authenticate(
  db: Kysely<Database>,
  adminToken: string | undefined,
  request: FastifyRequest,
  now: () => number = Date.now,
): Promise<Principal> {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw unauthorized('a bearer token is required');
  if (adminToken && safeEqual(hashToken(token), hashToken(adminToken))) return adminPrincipal('admin');
  const row = await tokenByHash(db, hashToken(token));
  // The log names the token id at most, never the token.
  const tokenId = /^ce_([0-9a-f]{12})_/.exec(token)?.[1] ?? 'malformed';
  if (!row) {
    request.log.warn({ tokenId }, 'authentication failed: unknown token');
    throw unauthorized('the token is not valid');
  }
  const verdict = judgeToken(row, now);
  if (verdict === 'revoked or expired') {
    request.log.warn({ tokenId }, 'authentication failed: revoked or expired token');
    throw unauthorized('the token has been revoked or has expired');
  }
  if (verdict === 'org removed') {
    // An import removed the token's org: the token has nothing left to act on.
    request.log.warn({ tokenId }, "authentication failed: the token's org no longer exists");
    throw unauthorized(`the token's org ${row.org_id} no longer exists`);
  }
  return verdict;
}

/** The bootstrap admin, and any admin token: no org, every path. */
export const adminPrincipal = (tokenId: string): Principal => ({ tokenId, role: 'admin', orgId: null, orgPath: '/' });

/** A stored token as bearer and session authentication both read it (`path` is its org's, absent when an import removed it). */
export interface StoredToken {
  id: string;
  role: Role;
  org_id: string | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  path: string | null;
}

/**
 * What a stored token makes of its caller at `now` (the app's clock): a principal, or why it
 * may no longer act. One judgement for a bearer header and for a session opened with the
 * token, so revoking, expiry and a removed org end both alike; each caller words the refusal.
 */
export function judgeToken(row: StoredToken, now: () => number): Principal | 'revoked or expired' | 'org removed' {
  if (row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= now())) return 'revoked or expired';
  if (row.role === 'admin') return adminPrincipal(row.id);
  if (!row.path) return 'org removed';
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
 *
 * An org the caller may not read (outside its subtree) is answered exactly as an org that
 * does not exist: 404, "org X does not exist or is outside what you may see". Otherwise a
 * secretary could tell the ids that exist elsewhere (403) from those that do not (404). An
 * org the caller reads but may not act on this way stays a 403 saying which rule refuses.
 * An admin reads everything, so it gets the plain "does not exist".
 */
export async function requireOrgAccess(
  db: Kysely<Database>,
  request: FastifyRequest,
  orgId: string,
  mode: 'act' | 'supervise' | 'vet' | 'read',
): Promise<{ principal: Principal; path: string }> {
  const p = principal(request);
  const path = await orgPath(db, orgId);
  if (p.role === 'admin') {
    if (path === undefined) throw notFound(`org ${orgId}`);
    return { principal: p, path };
  }
  if (path === undefined || !path.startsWith(p.orgPath)) throw orgNotVisible(orgId);
  if (mode === 'read') return { principal: p, path };
  const own = path === p.orgPath;
  const allowed =
    mode === 'act'
      ? own
        ? p.role === 'organiser' || p.role === 'secretary'
        : p.role === 'organiser'
      : mode === 'vet' && own
        ? p.role === 'secretary' || p.role === 'organiser' || p.role === 'inspector'
        : p.role === 'organiser' || p.role === 'inspector';
  if (!allowed) throw forbidden(refusal(p, orgId, own, mode));
  return { principal: p, path };
}

/**
 * Why a caller that reads an org may not act on it this way, as the rule itself: "a
 * secretary of X may not act on org X" read as if a secretary could not act on its own
 * org, when what it may not do there is verify or vet.
 */
function refusal(p: Principal, orgId: string, own: boolean, mode: 'act' | 'supervise' | 'vet'): string {
  const who = `a ${p.role} of ${p.orgId}`;
  if (mode === 'supervise') {
    return `${who} may not verify org ${orgId}'s rectifications: an item is verified by an inspector over the org or an organiser above it, never by whoever rectified it`;
  }
  if (mode === 'vet') return `${who} may not vet org ${orgId}'s research topics: that is for the org's own secretary, or an inspector or organiser over it`;
  if (p.role === 'secretary' && !own) return `${who} acts on its own org only, not on org ${orgId} below it`;
  return `${who} may not act on org ${orgId}: that is for the org's own secretary or an organiser over it`;
}

/** How a caller is named in the events it causes: role and token id, never the secret. */
export function actor(p: Principal): string {
  return `${p.role}:${p.tokenId}`;
}
