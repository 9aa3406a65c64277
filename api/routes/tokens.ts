/**
 * Issuing, listing and revoking bearer tokens. An admin issues any role (an admin token
 * belongs to no org); an organiser issues organiser, secretary and inspector tokens for
 * orgs in its subtree, and may list and revoke exactly the tokens it could have issued.
 * The token itself is shown once, in the answer to POST; afterwards only its hash exists
 * (db/models/tokens.ts holds the table's queries).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { insertToken, listTokens, readToken, revokeToken } from '../../db/models/tokens.js';
import type { ApiTokenRow, Database } from '../../db/schema.js';
import { actor, hashToken, newToken, ORGANISER_ISSUES, requireOrgAccess, requireRole, Role, type Principal } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { SecretIdempotencyKey, sendCreatedOnce } from '../idempotency.js';
import { IDEMPOTENCY_KEY_REUSED, noContent, ok, PageOf, responses } from '../openapi.js';
import { forbidden, notFound, ProblemError } from '../problem.js';
import { cursorFromKey, keyFromCursor, Page } from './paging.js';

const IssueBody = z
  .object({
    role: Role,
    orgId: z.string().min(1).max(64).optional().describe('the org the token acts for: required for every role but admin, absent for admin'),
    label: z.string().trim().min(1).max(120),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.role === 'admin' && body.orgId !== undefined) ctx.addIssue({ code: 'custom', path: ['orgId'], message: 'an admin token belongs to no org' });
    if (body.role !== 'admin' && body.orgId === undefined) ctx.addIssue({ code: 'custom', path: ['orgId'], message: `a ${body.role} token needs an org` });
  })
  // The rule above, as JSON Schema says it: an admin token without orgId, every other role with one.
  .meta({
    description: 'An admin token belongs to no org (no `orgId`); every other role needs one (400 naming `body.orgId` otherwise).',
    oneOf: [
      { properties: { role: { enum: ['admin'] } }, not: { required: ['orgId'] } },
      { properties: { role: { enum: Role.options.filter((r) => r !== 'admin') } }, required: ['orgId'] },
    ],
  } as never);

const TokenView = z.object({
  id: z.string(),
  role: Role,
  orgId: z.string().nullable(),
  label: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});

const Issued = TokenView.pick({ id: true, role: true, orgId: true, expiresAt: true }).extend({ token: z.string().describe('shown only this once') });

const ListQuery = Page.extend({ orgId: z.string().min(1).max(64).optional().describe('only the tokens of this org') }).strict();

const TokenParams = z.object({ id: z.string().min(1).max(40) });

/** POST /tokens, GET /tokens, DELETE /tokens/:id. */
export function tokenRoutes(app: ApiInstance, { db, now }: ApiDeps): void {
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        description:
          'With an `Idempotency-Key` (32 to 80 characters, e.g. a random UUID), a retry of the same request gets the first answer back, token included, and issues nothing twice; ' +
          'the kept answer is sealed under the key, which is stored only as a hash (api/idempotency.ts). A replayed answer carries `Idempotent-Replayed: true`.',
        body: IssueBody,
        headers: z.object({
          'idempotency-key': SecretIdempotencyKey.optional().describe(
            '32 to 80 characters (a random UUID): a retry under it gets the same token back; the same key with a different request is a 422',
          ),
        }),
        response: responses(
          { 201: ok(Issued, 'The token, shown this once (a replay under the same Idempotency-Key shows it again, with `Idempotent-Replayed: true`)') },
          {
            body: { limit: '1 MiB' },
            403: 'an organiser hands out organiser, secretary and inspector tokens within its subtree; other roles and admins only an admin (secretaries, inspectors and operators issue none)',
            404: 'the org `orgId` does not exist, or is outside the organiser’s subtree (answered alike)',
            422: IDEMPOTENCY_KEY_REUSED,
          },
        ),
      },
    },
    async (request, reply) => {
      const caller = requireRole(request, ['organiser']);
      const { role, orgId, label, expiresInDays } = request.body;
      mayHandOut(caller, role);
      if (orgId !== undefined) await requireOrgAccess(db, request, orgId, caller.role === 'admin' ? 'read' : 'act');
      const issue = async (into: Kysely<Database>) => {
        const { id, token } = newToken();
        const expiresAt = expiresInDays ? new Date(now() + expiresInDays * 86_400_000) : null;
        // The label keeps who issued the token: revocation disputes need it and the table has no column for it.
        await insertToken(into, {
          id,
          token_hash: hashToken(token),
          role,
          org_id: orgId ?? null,
          label: `${label} (by ${actor(caller)})`,
          expires_at: expiresAt,
          revoked_at: null,
        });
        return { id, token, role, orgId: orgId ?? null, expiresAt: expiresAt?.toISOString() ?? null };
      };
      return sendCreatedOnce(db, reply, { scope: `tokens:${actor(caller)}`, key: request.headers['idempotency-key'], request: request.body }, issue);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Tokens the caller could have issued, without their secrets, newest id order',
        querystring: ListQuery,
        response: responses(
          { 200: ok(PageOf(TokenView), 'A page of tokens, without their secrets') },
          {
            badRequest: 'A `cursor` not given out by this API.',
            403: 'only an admin or an organiser lists tokens (an organiser sees those of its subtree)',
            404: 'the org `orgId` does not exist, or is outside the organiser’s subtree (answered alike)',
          },
        ),
      },
    },
    async (request) => {
      const caller = requireRole(request, ['organiser']);
      const { orgId, limit, cursor } = request.query;
      if (orgId !== undefined) await requireOrgAccess(db, request, orgId, caller.role === 'admin' ? 'read' : 'act');
      const after = keyFromCursor(cursor, z.string());
      // An organiser sees only the roles it hands out, in its subtree.
      const within = caller.role === 'admin' ? undefined : { path: caller.orgPath, roles: ORGANISER_ISSUES };
      const rows = await listTokens(db, { orgId, after, limit: limit + 1, within });
      const items = rows.slice(0, limit).map(view);
      return { items, nextCursor: rows.length > limit ? cursorFromKey(items.at(-1)!.id) : null };
    },
  );

  const revoked = responses(
    { 204: noContent('Revoked (or already revoked)') },
    // Fastify reads a DELETE's body when one is sent, so a body of another media type is a 415 here too.
    {
      body: { limit: '1 MiB' },
      403: 'only an admin or an organiser revokes tokens, and an organiser only organiser, secretary and inspector tokens',
      404: 'no token has this id, or (for an organiser) the token’s org is outside its subtree (answered alike)',
    },
  );
  app.delete(
    '/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke a token (revoking twice is fine)', params: TokenParams, response: revoked } },
    async (request, reply) => {
      const caller = requireRole(request, ['organiser']);
      const row = await readToken(db, request.params.id);
      // A token of an org outside the caller's subtree is answered as one that does not exist, or the
      // answer would tell which ids exist elsewhere and, by the 403's wording, their org.
      const unseen = () => new ProblemError(404, 'Not Found', `token ${request.params.id} does not exist or is outside what you may see`);
      if (!row) throw caller.role === 'admin' ? notFound(`token ${request.params.id}`) : unseen();
      if (row.org_id !== null && caller.role !== 'admin') {
        await requireOrgAccess(db, request, row.org_id, 'read').catch((err: unknown) => {
          throw err instanceof ProblemError && err.status === 404 ? unseen() : err;
        });
      }
      mayHandOut(caller, row.role);
      if (row.org_id !== null && caller.role !== 'admin') await requireOrgAccess(db, request, row.org_id, 'act');
      await revokeToken(db, row.id, new Date());
      return reply.code(204).send();
    },
  );
}

/** Refuses a role the caller may neither issue nor revoke. */
function mayHandOut(caller: Principal, role: Role): void {
  if (caller.role !== 'admin' && !ORGANISER_ISSUES.includes(role)) throw forbidden(`only an admin hands out ${role} tokens`);
}

// `created_at` is `Generated<Timestamp>`, which Kysely's Selectable leaves wrapped: it is a Date at run time.
function view(row: ApiTokenRow): z.infer<typeof TokenView> {
  return {
    id: row.id,
    role: row.role,
    orgId: row.org_id,
    label: row.label,
    createdAt: new Date(row.created_at as unknown as Date).toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
