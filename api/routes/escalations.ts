/**
 * 下题上答 through the API: an org marks a problem as rooted above and names the target
 * (an org, or the ancestor at a level); the target claims or forwards it; both sides
 * list what they have. Escalation ids contain `/` and `#`: URL-encode them in paths.
 */
import { z } from 'zod';
import { orgHandle } from '../../client/campaigns.js';
import { ItemId } from '../../domain/commands.js';
import { Level } from '../../domain/levels.js';
import { claimEscalationUpdate, escalateProblemUpdate, forwardEscalationUpdate } from '../../workflows/messages.js';
import { actor, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../app.js';
import { unprocessable } from '../problem.js';
import { CampaignOrgParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const EscalateBody = z
  .object({
    targetOrgId: z.string().min(1).max(64).optional(),
    /** The ancestor at this level, instead of naming it. */
    targetLevel: Level.optional(),
    /** An earlier batch's campaign still in its continuing-rectification period. */
    targetCampaignId: z.string().min(1).max(63).optional(),
    reason: z.string().trim().min(1).max(2000),
  })
  .strict()
  .refine((b) => Boolean(b.targetOrgId) !== Boolean(b.targetLevel), { message: 'give exactly one of targetOrgId and targetLevel', path: ['targetOrgId'] });

const EscalationParams = CampaignOrgParams.extend({ escalationId: z.string().min(1).max(300) });

export function escalationRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  app.post(
    '/campaigns/:id/orgs/:orgId/problems/:problemId/escalation',
    { schema: { tags: ['escalations'], summary: 'Escalate a problem rooted above (下题上答)', params: CampaignOrgParams.extend({ problemId: ItemId }), body: EscalateBody } },
    async (request) => {
      const { id, orgId, problemId } = request.params;
      const { principal, path } = await requireOrgAccess(db, request, orgId, 'act');
      const body = request.body;
      let targetOrgId = body.targetOrgId;
      if (body.targetLevel) {
        const ancestors = path.split('/').filter(Boolean).slice(0, -1);
        const found = await db.selectFrom('orgs').select('id').where('id', 'in', ancestors.length ? ancestors : ['']).where('level', '=', body.targetLevel).executeTakeFirst();
        if (!found) throw unprocessable(`${orgId} has no ancestor at level ${body.targetLevel}`, [{ path: 'body.targetLevel', message: 'no ancestor at this level' }]);
        targetOrgId = found.id;
      }
      const target = await db.selectFrom('orgs').select('path').where('id', '=', targetOrgId!).executeTakeFirst();
      if (!target) throw unprocessable(`org ${targetOrgId} is not in the directory`, [{ path: 'body.targetOrgId', message: 'unknown org' }]);
      if (!body.targetCampaignId && target.path.startsWith(path)) {
        throw unprocessable(`an escalation goes above or across; ${targetOrgId} is ${orgId} or below it`, [{ path: 'body.targetOrgId', message: 'inside the escalating org’s subtree' }]);
      }
      return orgHandle(temporal.client, id, orgId).executeUpdate(escalateProblemUpdate, {
        args: [{ problemId, targetOrgId: targetOrgId!, ...(body.targetCampaignId ? { targetCampaignId: body.targetCampaignId } : {}), reason: body.reason, by: actor(principal) }],
      });
    },
  );

  app.post(
    '/campaigns/:id/orgs/:orgId/escalations/:escalationId/claim',
    {
      schema: {
        tags: ['escalations'],
        summary: 'Claim (认领) an escalation: a new item, or merged into an existing one',
        params: EscalationParams,
        body: z.object({ problemId: ItemId.optional(), intoProblemId: ItemId.optional() }).strict(),
      },
    },
    async (request) => {
      const { id, orgId, escalationId } = request.params;
      const { principal } = await requireOrgAccess(db, request, orgId, 'act');
      return orgHandle(temporal.client, id, orgId).executeUpdate(claimEscalationUpdate, { args: [{ escalationId, ...request.body, by: actor(principal) }] });
    },
  );

  app.post(
    '/campaigns/:id/orgs/:orgId/escalations/:escalationId/forward',
    { schema: { tags: ['escalations'], summary: 'Forward an escalation to the parent org, with a reason', params: EscalationParams, body: z.object({ reason: z.string().trim().min(1).max(1000) }).strict() } },
    async (request) => {
      const { id, orgId, escalationId } = request.params;
      const { principal } = await requireOrgAccess(db, request, orgId, 'act');
      return orgHandle(temporal.client, id, orgId).executeUpdate(forwardEscalationUpdate, { args: [{ escalationId, reason: request.body.reason, by: actor(principal) }] });
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/escalations',
    {
      schema: {
        tags: ['escalations'],
        summary: 'Escalations at this org (received) or from it (sent)',
        params: CampaignOrgParams,
        querystring: Page.extend({ direction: z.enum(['received', 'sent']).default('received'), status: z.enum(['pending', 'claimed', 'forwarded']).optional() }),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit, cursor, direction, status } = request.query;
      const offset = offsetFromCursor(cursor);
      let q = db.selectFrom('rm_escalations').selectAll();
      q = direction === 'received' ? q.where('target_campaign_id', '=', id).where('current_org_id', '=', orgId) : q.where('origin_campaign_id', '=', id).where('origin_org_id', '=', orgId);
      if (status) q = q.where('target_status', '=', status);
      const rows = await q.orderBy('escalation_id').limit(limit + 1).offset(offset).execute();
      return { items: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null };
    },
  );
}
