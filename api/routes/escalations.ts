/**
 * 下题上答 through the API: an org marks a problem as rooted above and names the target
 * (an org, or the ancestor at a level); the target claims or forwards it; both sides
 * list what they have. Escalation ids contain `/` and `#`: URL-encode them in paths.
 */
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { orgHandle } from '../../client/campaigns.js';
import { ItemId } from '../../domain/commands.js';
import { Level } from '../../domain/levels.js';
import { claimEscalationUpdate, escalateProblemUpdate, forwardEscalationUpdate } from '../../workflows/messages.js';
import { actor, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../app.js';
import { conflict, notFound, ProblemError, unprocessable } from '../problem.js';
import { CampaignOrgParams, CampaignParams } from './campaigns.js';
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
      const answer = await orgHandle(temporal.client, id, orgId).executeUpdate(claimEscalationUpdate, { args: [{ escalationId, ...request.body, by: actor(principal) }] });
      // The workflow answers a repeated claim with the first one (a retry is safe); a repeat
      // naming another item is a second claim, refused rather than answered as if it were done.
      const asked = request.body.problemId ?? request.body.intoProblemId;
      if (asked !== undefined && asked !== answer.problemId) {
        throw conflict(`escalation ${escalationId} was already claimed as ${answer.problemId}`, { currentStatus: 'claimed', problemId: answer.problemId });
      }
      return answer;
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
        // `overdue=true`: red (claim deadline passed at the campaign's top, `overdue_at` set) and still waiting for a claim.
        querystring: Page.extend({ direction: z.enum(['received', 'sent']).default('received'), status: z.enum(['pending', 'claimed', 'forwarded']).optional(), overdue: z.enum(['true', 'false']).optional() }),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit, cursor, direction, status, overdue } = request.query;
      const offset = offsetFromCursor(cursor);
      let q = db.selectFrom('rm_escalations').selectAll();
      q = direction === 'received' ? q.where('target_campaign_id', '=', id).where('current_org_id', '=', orgId) : q.where('origin_campaign_id', '=', id).where('origin_org_id', '=', orgId);
      if (status) q = q.where('target_status', '=', status);
      if (overdue === 'true') q = q.where('overdue_at', 'is not', null).where('target_status', '=', 'pending');
      if (overdue === 'false') q = q.where((eb) => eb.or([eb('overdue_at', 'is', null), eb('target_status', '!=', 'pending')]));
      const rows = await q.orderBy('escalation_id').limit(limit + 1).offset(offset).execute();
      return { items: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null };
    },
  );

  app.get(
    '/campaigns/:id/escalations/:escalationId',
    {
      schema: {
        tags: ['escalations'],
        summary: 'The chain of an escalation: every hop, when, and who acted (readable by anyone who may read an org on it)',
        params: CampaignParams.extend({ escalationId: z.string().min(1).max(300) }),
      },
    },
    async (request) => {
      const { id, escalationId } = request.params;
      const row = await db.selectFrom('rm_escalations').selectAll().where('escalation_id', '=', escalationId).executeTakeFirst();
      if (!row || (row.origin_campaign_id !== id && row.target_campaign_id !== id)) throw notFound(`escalation ${escalationId} in campaign ${id}`);
      const events = await db
        .selectFrom('events')
        .select(['type', 'org_id', 'campaign_id', 'payload', 'occurred_at'])
        .where(sql<boolean>`payload ? 'escalationId'`) // lets the partial index serve the lookup
        .where(sql<string>`payload->>'escalationId'`, '=', escalationId)
        .where('type', 'in', CHAIN_EVENTS)
        .orderBy('global_seq')
        .execute();
      const orgsOnIt = [...new Set([row.origin_org_id, row.current_org_id, ...events.map((e) => e.org_id)].filter((o): o is string => Boolean(o)))];
      if (!(await canReadAny(db, request, orgsOnIt))) throw notFound(`escalation ${escalationId} in campaign ${id}`);
      return { ...row, hops: events.map((e) => chainStep(e.type, e.org_id!, e.campaign_id, e.payload as Record<string, unknown>, e.occurred_at)) };
    },
  );
}

const CHAIN_EVENTS = ['ProblemEscalated', 'EscalationReceived', 'EscalationForwarded', 'EscalationOverdue', 'EscalationClaimed', 'EscalationProgress'] as const;

/** One hop of an escalation's chain, in words an organiser reads: what happened where, when, by whom. */
function chainStep(type: string, orgId: string, campaignId: string, e: Record<string, unknown>, at: Date | string) {
  const when = new Date(at).toISOString();
  switch (type) {
    case 'ProblemEscalated':
      return { step: 'raised', at: when, orgId, campaignId, by: e.by, to: e.targetOrgId, reason: e.reason };
    case 'EscalationReceived':
      return { step: 'received', at: when, orgId, campaignId, hop: e.hop, claimDeadline: e.claimDeadline };
    case 'EscalationForwarded':
      return { step: e.lapsed ? 'lapsed' : 'forwarded', at: when, orgId, campaignId, hop: e.hop, by: e.by, to: e.toOrgId, reason: e.reason };
    case 'EscalationOverdue':
      return { step: 'overdue', at: when, orgId, campaignId, hop: e.hop, by: e.by, claimDeadline: e.claimDeadline, reason: e.reason };
    case 'EscalationClaimed':
      return { step: e.merged ? 'merged' : 'claimed', at: when, orgId, campaignId, hop: e.hop, by: e.by, problemId: e.problemId };
    default:
      return { step: `origin heard: ${String(e.status)}`, at: when, orgId, campaignId, from: e.atOrgId, detail: e.detail };
  }
}

/** Whether the caller may read any of these orgs (an escalation is visible to everyone on its chain). */
async function canReadAny(db: ApiDeps['db'], request: FastifyRequest, orgIds: string[]): Promise<boolean> {
  for (const orgId of orgIds) {
    try {
      await requireOrgAccess(db, request, orgId, 'read');
      return true;
    } catch (err) {
      if (!(err instanceof ProblemError) || (err.status !== 403 && err.status !== 404)) throw err;
    }
  }
  return false;
}
