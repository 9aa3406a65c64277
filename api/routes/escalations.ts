/**
 * 下题上答 through the API: an org marks a problem as rooted above and names the target
 * (an org, or the ancestor at a level); the target claims or forwards it; both sides
 * list what they have. Escalation ids contain `/` and `#`: URL-encode them in paths.
 * What the routes read comes from db/models/escalations.ts (the read model and the chain).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ItemId } from '../../domain/commands.js';
import { Level } from '../../domain/levels.js';
import { ancestorAtLevel, chainStep, escalationChain, escalationsPage, orgPath, orgsNamed } from '../../db/models/escalations.js';
import { claimEscalationUpdate, escalateProblemUpdate, forwardEscalationUpdate } from '../../workflows/messages.js';
import { actor, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { conflict, notFound, ProblemError, unprocessable } from '../problem.js';
import { sendOrgCommand } from '../org-command.js';
import { ok, ORG_404, PageOf, responses, Timestamp } from '../openapi.js';
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
  .refine((b) => Boolean(b.targetOrgId) !== Boolean(b.targetLevel), { message: 'give exactly one of targetOrgId and targetLevel', path: ['targetOrgId'] })
  .meta({
    description: 'Exactly one of `targetOrgId` and `targetLevel` (400 naming `body.targetOrgId` otherwise).',
    oneOf: [{ required: ['targetOrgId'] }, { required: ['targetLevel'] }],
  } as never);

/** Checked by the workflow (domain/commands.ts `ClaimEscalationCommand`); stated here as JSON Schema says it. */
const ClaimBody = z
  .object({
    problemId: ItemId.optional().describe('the id of the new item the claim makes (a random one when absent)'),
    intoProblemId: ItemId.optional().describe('an existing item of the org to merge the escalation into'),
  })
  .strict()
  .meta({
    description: 'Not both `problemId` and `intoProblemId`: a claim makes a new item or merges into an existing one.',
    not: { required: ['problemId', 'intoProblemId'] },
  } as never);

const Escalation = z.looseObject({
  escalation_id: z.string(),
  origin_campaign_id: z.string().nullable(),
  origin_org_id: z.string().nullable(),
  origin_problem_id: z.string().nullable(),
  target_campaign_id: z.string().nullable(),
  current_org_id: z.string().nullable(),
  target_status: z.string().nullable().describe('pending, claimed or forwarded'),
  claim_deadline: Timestamp.nullable(),
  claimed_problem_id: z.string().nullable(),
  overdue_at: Timestamp.nullable().describe(
    'when its claim deadline passed at the campaign’s top, where nothing is above to forward it to (red, still claimable); kept once claimed, as the record that the claim came late; null otherwise',
  ),
  category: z.string().nullable(),
  description: z.string().nullable(),
  reason: z.string().nullable().describe('why the origin raised it'),
  origin_status: z.string().nullable().describe('what the origin last heard: sent, acknowledged, forwarded, claimed, answered, undeliverable'),
  hop: z.number().int().describe('how many orgs up it has come (1 at its first target)'),
  lapses: z.number().int().describe('claim deadlines passed on its way'),
  updated_at: Timestamp,
  origin_org_name: z.string().nullable().describe('the origin org’s name in the directory'),
  current_org_name: z.string().nullable().describe('the name of the org it is at'),
});
const Hop = z
  .looseObject({
    step: z
      .string()
      .describe(
        'raised, received, forwarded, lapsed, overdue (its claim deadline passed at the campaign’s top: red, still claimable), claimed, merged, or `origin heard: <status>`',
      ),
    at: z.string(),
    orgId: z.string(),
    campaignId: z.string(),
    hop: z.number().int().optional().describe('received, forwarded, lapsed, overdue, claimed, merged: how many orgs up it had come'),
    by: z.string().optional().describe('who acted (raised, forwarded, lapsed, overdue, claimed, merged)'),
    to: z.string().optional().describe('raised, forwarded, lapsed: the org it went to'),
    reason: z.string().optional().describe('raised, forwarded, lapsed, overdue: why'),
    claimDeadline: z.string().optional().describe('received: by when the org is to claim it; overdue: the deadline that passed'),
    problemId: z.string().optional().describe('claimed, merged: the item that answers it'),
  })
  .describe('One hop; the fields after `campaignId` are there for the steps each names.');

const ACT_403 = 'only the org’s own secretary or organiser, or an organiser above it, acts for the org';
const WORKFLOW_409 = 'the campaign is over for the org, or the cascade has not reached it yet';

const EscalationParams = CampaignOrgParams.extend({ escalationId: z.string().min(1).max(300) });

export function escalationRoutes(app: ApiInstance, deps: ApiDeps): void {
  const { db } = deps;
  app.post(
    '/campaigns/:id/orgs/:orgId/problems/:problemId/escalation',
    {
      schema: {
        tags: ['escalations'],
        summary: 'Escalate a problem rooted above (下题上答)',
        params: CampaignOrgParams.extend({ problemId: ItemId }),
        body: EscalateBody,
        response: responses(
          { 200: ok(z.looseObject({ escalationId: z.string(), status: z.string() }), 'Escalated: the item is marked and the escalation is on its way') },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: ACT_403,
            404: `no such campaign or problem; ${ORG_404}`,
            409: `${WORKFLOW_409}; the problem answers escalations from below, or is not in a state that can be escalated`,
            422: 'no ancestor at `targetLevel`; `targetOrgId` not in the directory, or the org itself or below it (an escalation goes above or across)',
          },
        ),
      },
    },
    async (request) => {
      const { id, orgId, problemId } = request.params;
      const { principal, path } = await requireOrgAccess(db, request, orgId, 'act');
      const body = request.body;
      let targetOrgId = body.targetOrgId;
      if (body.targetLevel) {
        targetOrgId = await ancestorAtLevel(db, path, body.targetLevel);
        if (!targetOrgId)
          throw unprocessable(`${orgId} has no ancestor at level ${body.targetLevel}`, [{ path: 'body.targetLevel', message: 'no ancestor at this level' }]);
      }
      const targetPath = await orgPath(db, targetOrgId!);
      if (targetPath === undefined) throw unprocessable(`org ${targetOrgId} is not in the directory`, [{ path: 'body.targetOrgId', message: 'unknown org' }]);
      if (!body.targetCampaignId && targetPath.startsWith(path)) {
        throw unprocessable(`an escalation goes above or across; ${targetOrgId} is ${orgId} or below it`, [
          { path: 'body.targetOrgId', message: 'inside the escalating org’s subtree' },
        ]);
      }
      return sendOrgCommand(deps, request.log, { campaignId: id, orgId }, escalateProblemUpdate, {
        problemId,
        targetOrgId: targetOrgId!,
        ...(body.targetCampaignId ? { targetCampaignId: body.targetCampaignId } : {}),
        reason: body.reason,
        by: actor(principal),
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
        body: ClaimBody,
        response: responses(
          {
            200: ok(
              z.looseObject({ escalationId: z.string(), problemId: z.string().describe('the item that answers it') }),
              'Claimed (a repeated claim gets the first answer)',
            ),
          },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: ACT_403,
            404: `no such campaign; ${ORG_404}; no such escalation at the org, or no item \`intoProblemId\``,
            409: `${WORKFLOW_409}; the escalation was already forwarded, or claimed as another item (\`currentStatus\`); \`problemId\` already exists`,
            422: 'both `problemId` and `intoProblemId`',
          },
        ),
      },
    },
    async (request) => {
      const { id, orgId, escalationId } = request.params;
      const { principal } = await requireOrgAccess(db, request, orgId, 'act');
      const answer = await sendOrgCommand(deps, request.log, { campaignId: id, orgId }, claimEscalationUpdate, {
        escalationId,
        ...request.body,
        by: actor(principal),
      });
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
    {
      schema: {
        tags: ['escalations'],
        summary: 'Forward an escalation to the parent org, with a reason',
        params: EscalationParams,
        body: z.object({ reason: z.string().trim().min(1).max(1000) }).strict(),
        response: responses(
          { 200: ok(z.looseObject({ escalationId: z.string(), toOrgId: z.string() }), 'Forwarded to the parent') },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: ACT_403,
            404: `no such campaign; ${ORG_404}; or no such escalation at the org`,
            409: `${WORKFLOW_409}; the escalation is not pending (\`currentStatus\`), or the org is the campaign’s top`,
          },
        ),
      },
    },
    async (request) => {
      const { id, orgId, escalationId } = request.params;
      const { principal } = await requireOrgAccess(db, request, orgId, 'act');
      return sendOrgCommand(deps, request.log, { campaignId: id, orgId }, forwardEscalationUpdate, {
        escalationId,
        reason: request.body.reason,
        by: actor(principal),
      });
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
        querystring: Page.extend({
          direction: z
            .enum(['received', 'sent', 'outbox'])
            .default('received')
            .describe(
              '`received`: at this org now, those waiting for a claim first (earliest claim deadline first), then the rest; `sent`: raised here; `outbox`: raised here, or passed on from here to the parent (by hand or when its claim deadline lapsed), the latest moved first',
            ),
          status: z.enum(['pending', 'claimed', 'forwarded']).optional(),
          overdue: z
            .enum(['true', 'false'])
            .optional()
            .describe(
              '`true`: only those red (claim deadline passed at the campaign’s top, `overdue_at` set) and still waiting for a claim; `false`: all others',
            ),
        }),
        response: responses({ 200: ok(PageOf(Escalation), 'A page of escalations') }, { badRequest: 'A `cursor` not given out by this API.', 404: ORG_404 }),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit, cursor, direction, status, overdue } = request.query;
      const offset = offsetFromCursor(cursor);
      const rows = await escalationsPage(db, {
        campaignId: id,
        orgId,
        direction,
        status,
        overdue: overdue === undefined ? undefined : overdue === 'true',
        limit: limit + 1,
        offset,
      });
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
        // Outsiders get the 404 too, never a 403: a 403 would tell them the escalation exists.
        response: responses(
          {
            200: ok(
              Escalation.extend({
                hops: z.array(Hop),
                orgs: z
                  .array(z.object({ orgId: z.string(), name: z.string(), level: Level, path: z.string() }))
                  .describe(
                    'the orgs the chain names (each hop’s `orgId` and `to`), with their names, levels and paths (a reader may open those under its own)',
                  ),
              }),
              'The escalation and every hop of its chain',
            ),
          },
          { 404: 'no such escalation in the campaign, or the caller may read no org on its chain' },
        ),
      },
    },
    async (request) => {
      const { id, escalationId } = request.params;
      const chain = await escalationChain(db, id, escalationId);
      if (!chain || !(await canReadAny(db, request, chain.orgsOnIt))) throw notFound(`escalation ${escalationId} in campaign ${id}`);
      const { row } = chain;
      const hops = chain.events.map(chainStep);
      // The names of the orgs the chain names (where each hop happened, and where it went), for a reader of the chain.
      const orgs = await orgsNamed(db, [...new Set([...chain.orgsOnIt, ...hops.flatMap((h) => ('to' in h && typeof h.to === 'string' ? [h.to] : []))])]);
      const names = new Map(orgs.map((o) => [o.orgId, o.name]));
      return {
        ...row,
        origin_org_name: row.origin_org_id ? (names.get(row.origin_org_id) ?? null) : null,
        current_org_name: row.current_org_id ? (names.get(row.current_org_id) ?? null) : null,
        hops,
        orgs,
      };
    },
  );
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
