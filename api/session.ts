/**
 * Sign-in sessions for the console (a browser never holds a bearer token where a script
 * could read it). `POST /session {token}` checks the token exactly as bearer auth does
 * (it runs `authenticate` on it), stores a session keyed by the sha256 of a random id and
 * sets that id as the `ce_session` cookie: HttpOnly, SameSite=Strict, Path=/, and Secure
 * when the request came over HTTPS (`request.protocol`: behind a TLS-terminating proxy set
 * Fastify's `trustProxy`, or have the proxy send `X-Forwarded-Proto: https`, which is
 * believed for this alone). `GET /session` says who is signed
 * in and which campaigns it may look at; `DELETE /session` deletes the row (the old cookie
 * then gets 401), clears the cookie and the browser's cache of this site (`Clear-Site-Data`).
 *
 * Every other route takes the cookie as an alternative to `Authorization: Bearer`
 * (`sessionPrincipal`, called by the authentication hook in api/app.ts); a request with an
 * Authorization header is judged by it alone. A session is re-checked on every request
 * against its token: a revoked or expired token, or a token whose org an import removed,
 * ends it.
 *
 * Cross-site requests: a cookie-authenticated request with an unsafe method (anything but
 * GET, HEAD, OPTIONS) must carry `X-CSRF: 1`, which the console always sends and which a
 * cross-site form cannot send, and an `Origin`, when present, equal to this server's own;
 * otherwise it is refused with 403 problem+json before any handler runs. SameSite=Strict
 * already keeps the cookie off cross-site requests in current browsers; the header holds
 * where it does not. Bearer requests are not affected.
 */
import { createHash, randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { campaignsWithRootPaths } from '../db/models/campaigns.js';
import { orgName } from '../db/models/directory.js';
import { endSession, openSession, sessionByIdHash, tokenExpiry } from '../db/models/tokens.js';
import type { Database } from '../db/schema.js';
import type { ApiInstance } from './deps.js';
import { adminPrincipal, authenticate, judgeToken, type Principal } from './auth.js';
import { noContent, ok, responses } from './openapi.js';
import { forbidden, ProblemError } from './problem.js';

export const SESSION_COOKIE = 'ce_session';
/** The header (and value) the console sends with every write. */
export const CSRF_HEADER = 'x-csrf';
/** How long a session lasts at most (never past its token's own expiry). */
export const SESSION_HOURS = 12;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');
const unauthorized = (detail: string) => new ProblemError(401, 'Unauthorized', detail);

/**
 * The caller resolved from its session cookie; undefined when the request carries an
 * Authorization header or no session cookie (bearer auth then decides). 401 for a cookie
 * that names no live session; 403 for an unsafe request without the CSRF header or from
 * another origin.
 */
export async function sessionPrincipal(
  db: Kysely<Database>,
  adminToken: string | undefined,
  request: FastifyRequest,
  now: () => number = Date.now,
): Promise<Principal | undefined> {
  return (await sessionOf(db, adminToken, request, now))?.principal;
}

/** {@link sessionPrincipal} with the session's end, from the one read of its row. */
async function sessionOf(
  db: Kysely<Database>,
  adminToken: string | undefined,
  request: FastifyRequest,
  now: () => number,
): Promise<{ principal: Principal; expiresAt: Date } | undefined> {
  if (request.headers.authorization !== undefined) return undefined;
  const id = request.cookies?.[SESSION_COOKIE];
  if (!id) return undefined;
  refuseCrossSite(request);
  return principalOfSession(db, adminToken, id, request, now);
}

/** 403 unless an unsafe request carries `X-CSRF: 1` and, when it names one, this server's own origin. */
export function refuseCrossSite(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers[CSRF_HEADER] !== '1') throw forbidden(`a request signed in by cookie must carry the ${CSRF_HEADER}: 1 header to change anything`);
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`)
    throw forbidden(`a cross-site request (from ${origin}) may not change anything`);
}

async function principalOfSession(
  db: Kysely<Database>,
  adminToken: string | undefined,
  id: string,
  request: FastifyRequest,
  now: () => number,
): Promise<{ principal: Principal; expiresAt: Date }> {
  const row = await sessionByIdHash(db, hashId(id));
  if (!row || new Date(row.expires_at).getTime() <= now()) throw unauthorized('the session has ended: sign in again');
  const expiresAt = new Date(row.expires_at);
  if (row.token_id === 'admin') {
    if (!adminToken) throw unauthorized('the session has ended: sign in again');
    return { principal: adminPrincipal('admin'), expiresAt };
  }
  // The token is judged as a bearer header would be (auth.ts judgeToken); a deleted token counts as revoked.
  const verdict = row.role
    ? judgeToken({ id: row.token_id, role: row.role, org_id: row.org_id, expires_at: row.token_expires_at, revoked_at: row.revoked_at, path: row.path }, now)
    : 'revoked or expired';
  if (verdict === 'revoked or expired') {
    request.log.warn({ tokenId: row.token_id }, 'session refused: its token is revoked or expired');
    throw unauthorized('the token this session was opened with has been revoked or has expired');
  }
  if (verdict === 'org removed') throw unauthorized(`the token's org ${row.org_id} no longer exists`);
  return { principal: verdict, expiresAt };
}

/**
 * Whether the browser reached us over HTTPS: `request.protocol` (which follows
 * `X-Forwarded-Proto` once Fastify's `trustProxy` is on), or a proxy's `X-Forwarded-Proto:
 * https` even without it: believing that header can only make the cookie Secure, never less.
 */
function overHttps(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return request.protocol === 'https' || first === 'https';
}

const SignIn = z.object({ token: z.string().trim().min(1).max(200).describe('a token an organiser issued (POST /tokens), or the admin token') }).strict();
const CampaignChoice = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  rootOrgId: z.string(),
  startOrgId: z.string().describe('where the caller starts looking: its own org when the campaign covers it, else the campaign’s root'),
});
const Me = z.object({
  role: z.enum(['admin', 'organiser', 'secretary', 'inspector', 'operator']),
  tokenId: z.string(),
  orgId: z.string().nullable(),
  orgName: z.string().nullable(),
  orgPath: z.string(),
  via: z.enum(['session', 'bearer']),
  expiresAt: z.string().nullable(),
  campaigns: z.array(CampaignChoice),
  temporalWorkflowUrl: z
    .string()
    .nullable()
    .describe('an org workflow’s page in the Temporal UI is this followed by its url-encoded workflow id; null when not configured'),
});

/** The cookie plugin and `POST|GET|DELETE /session`; they are public routes of api/app.ts and authenticate themselves. */
export async function sessionRoutes(
  app: ApiInstance,
  db: Kysely<Database>,
  adminToken: string | undefined,
  temporalUiUrl?: string,
  now: () => number = Date.now,
): Promise<void> {
  await app.register(cookie);

  const cookieOptions = (request: FastifyRequest) => ({ httpOnly: true, sameSite: 'strict' as const, path: '/', secure: overHttps(request) });

  app.post(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in: exchange a token for a session cookie (ce_session, HttpOnly, SameSite=Strict)',
        security: [],
        body: SignIn,
        response: responses(
          { 201: ok(Me, 'Signed in: the `ce_session` cookie is set, and who it is') },
          {
            public: true,
            unauthorized: 'The token in the body is unknown, expired or revoked, or its org was removed by an import (judged as a bearer token is).',
            body: { limit: '1 MiB' },
          },
        ),
      },
    },
    async (request, reply) => {
      // The token is judged exactly as a bearer header would be.
      const probe = { headers: { authorization: `Bearer ${request.body.token}` }, log: request.log } as FastifyRequest;
      const p = await authenticate(db, adminToken, probe, now);
      const tokenExpires = p.tokenId === 'admin' ? undefined : await tokenExpiry(db, p.tokenId);
      const hours = now() + SESSION_HOURS * 3600_000;
      const expiresAt = new Date(tokenExpires ? Math.min(hours, new Date(tokenExpires).getTime()) : hours);
      const id = randomBytes(32).toString('base64url');
      await openSession(db, { idHash: hashId(id), tokenId: p.tokenId, expiresAt }, new Date(now()));
      reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions(request), expires: expiresAt });
      return reply.code(201).send(await whoIs(p, 'session', expiresAt));
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Who is signed in (by the session cookie, or a bearer token), and the campaigns it may look at',
        security: [],
        response: responses(
          { 200: ok(Me, 'Who is signed in, and the campaigns it may look at') },
          {
            public: true,
            unauthorized:
              'Neither a live session nor a valid bearer token: no `ce_session` cookie and no bearer token, a cookie whose session has ended (signed out, expired, or its token revoked or expired), or a bearer token that is unknown, expired or revoked, or whose org an import removed.',
          },
        ),
      },
    },
    async (request) => {
      // One read of the session row gives who and until when.
      const session = await sessionOf(db, adminToken, request, now);
      if (session) return whoIs(session.principal, 'session', session.expiresAt);
      return whoIs(await authenticate(db, adminToken, request, now), 'bearer', null);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out: ends the session on the server and clears the cookie',
        security: [],
        response: responses(
          { 204: noContent('Signed out (or no session to end): the session is deleted and the cookie cleared') },
          {
            public: true,
            // Fastify reads a DELETE's body when one is sent.
            body: { limit: '1 MiB' },
            403: 'a request signed in by the session cookie must carry `X-CSRF: 1` and, when it sends an `Origin`, this server’s own (a cross-site write is refused)',
          },
        ),
      },
    },
    async (request, reply: FastifyReply) => {
      const id = request.cookies[SESSION_COOKIE];
      if (id) {
        refuseCrossSite(request);
        await endSession(db, hashId(id));
      }
      reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
      // The reads the browser kept to revalidate (`private, no-cache`, api/app.ts) go with the session.
      reply.header('clear-site-data', '"cache"');
      return reply.code(204).send();
    },
  );

  async function whoIs(p: Principal, via: 'session' | 'bearer', expiresAt: Date | null): Promise<z.infer<typeof Me>> {
    const name = p.orgId ? await orgName(db, p.orgId) : undefined;
    const campaigns = await campaignsWithRootPaths(db);
    const visible = campaigns.flatMap((c) => {
      // The root in the caller's subtree: start there. The caller inside the campaign's tree: start at its own org.
      if (p.role === 'admin' || c.path.startsWith(p.orgPath)) return [{ c, start: c.root_org_id }];
      if (p.orgPath.startsWith(c.path) && p.orgId) return [{ c, start: p.orgId }];
      return [];
    });
    return {
      role: p.role,
      tokenId: p.tokenId,
      orgId: p.orgId,
      orgName: name ?? null,
      orgPath: p.orgPath,
      via,
      expiresAt: expiresAt?.toISOString() ?? null,
      campaigns: visible.map(({ c, start }) => ({ id: c.id, name: c.name, status: c.status, rootOrgId: c.root_org_id, startOrgId: start })),
      temporalWorkflowUrl: temporalUiUrl ? `${temporalUiUrl.replace(/\/$/, '')}/workflows/` : null,
    };
  }
}
