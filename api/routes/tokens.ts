import { z } from 'zod';
import { actor, newToken, hashToken, requireOrgAccess, requireRole, Role } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../app.js';
import { forbidden, notFound } from '../problem.js';

const IssueBody = z
  .object({
    role: Role.exclude(['admin']),
    orgId: z.string().min(1).max(64),
    label: z.string().trim().min(1).max(120),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

/** Issuing and revoking tokens: admin for any org; an organiser for its subtree, but never an operator token. */
export function tokenRoutes(app: ApiInstance, { db }: ApiDeps): void {
  app.post('/tokens', { schema: { tags: ['tokens'], body: IssueBody } }, async (request, reply) => {
    const caller = requireRole(request, ['organiser']);
    const body = request.body;
    await requireOrgAccess(db, request, body.orgId, caller.role === 'admin' ? 'read' : 'act');
    if (caller.role !== 'admin' && body.role === 'operator') throw forbidden('only an admin issues operator tokens');
    const { id, token } = newToken();
    const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
    await db
      .insertInto('api_tokens')
      .values({ id, token_hash: hashToken(token), role: body.role, org_id: body.orgId, label: `${body.label} (by ${actor(caller)})`, expires_at: expiresAt, revoked_at: null })
      .execute();
    return reply.code(201).send({ id, token, role: body.role, orgId: body.orgId, expiresAt });
  });

  app.delete('/tokens/:id', { schema: { tags: ['tokens'], params: z.object({ id: z.string().max(40) }) } }, async (request, reply) => {
    requireRole(request, ['organiser']);
    const row = await db.selectFrom('api_tokens').select(['id', 'org_id']).where('id', '=', request.params.id).executeTakeFirst();
    if (!row) throw notFound(`token ${request.params.id}`);
    if (row.org_id) await requireOrgAccess(db, request, row.org_id, 'act');
    await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', row.id).where('revoked_at', 'is', null).execute();
    return reply.code(204).send();
  });
}
