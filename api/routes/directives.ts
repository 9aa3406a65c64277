/**
 * 上题下答 through the API: an org issues a directive to levels or orgs below it, sees
 * its coverage (done, rectified, overdue, lagging, by level) and the lagging orgs, and may
 * cancel it everywhere below.
 *
 * 为基层减负: a directive of kind `information_request` counts against the campaign's
 * weekly cap for its sender (`domain/burden.ts`). Over it the answer is a 429 with
 * `Retry-After` (the seconds to Monday 00:00 UTC+8), not a 422: the request is well formed
 * and the same request goes through next week, which is what 429 says; the refusal is
 * recorded, and `GET …/information-requests` counts them.
 *
 * What the routes read comes from db/models/directives.ts (directives, coverage, refusals).
 */
import { z } from 'zod';
import { IssueDirectiveCommand, ItemId } from '../../domain/commands.js';
import { IsoDate } from '../../domain/campaign.js';
import type { InformationRequestRefusal } from '../../domain/burden.js';
import {
  campaignRules,
  coverageAt,
  coverageIn,
  coverageTree,
  directiveWithIssuer,
  informationRequestCaps,
  informationRequestsIn,
  informationRequestsThisWeek,
  issuedPage,
  laggingPage,
  receivedPage,
} from '../../db/models/directives.js';
import { cancelDirectiveUpdate, issueDirectiveUpdate } from '../../workflows/messages.js';
import { actor, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { notFound, ProblemError } from '../problem.js';
import { sendOrgCommand } from '../org-command.js';
import { ok, ORG_404, PageOf, responses, Timestamp } from '../openapi.js';
import { CampaignOrgParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const DirectiveParams = CampaignOrgParams.extend({ directiveId: ItemId });

/** The command as the document states it: the workflow refuses a directive that names neither target levels nor target orgs (422). */
const IssueBody = IssueDirectiveCommand.omit({ by: true }).meta({
  description: 'A directive names target levels below the issuer’s, or target orgs, or both (422 naming `body.targetLevels` when it names neither).',
  anyOf: [
    { required: ['targetLevels'], properties: { targetLevels: { minItems: 1 } } },
    { required: ['targetOrgIds'], properties: { targetOrgIds: { minItems: 1 } } },
  ],
} as never);

const Directive = z.looseObject({
  campaign_id: z.string(),
  directive_id: z.string(),
  issuer_org_id: z.string(),
  kind: z.string().describe('task or information_request'),
  title: z.string(),
  instructions: z.string(),
  deadline: Timestamp,
  target_levels: z.array(z.string()),
  target_org_ids: z.array(z.string()),
  cancelled: z.boolean(),
  issued_at: Timestamp,
});
/** Counts of the targeted orgs, in the subtree or at one level of it (domain/directive.ts `coverageView`). */
const CoverageCounts = z.object({
  targeted: z.number().int().describe('orgs the directive asks to act'),
  done: z.number().int().describe('their item verified from above and closed'),
  rectified: z.number().int().describe('their item rectified and awaiting verification from above (finished on their side, so not lagging)'),
  overdue: z.number().int().describe('their item still open past its deadline'),
  lagging: z.number().int().describe('neither done nor rectified: `targeted - done - rectified` (what the directive’s lagging list holds)'),
});
const CoverageView = CoverageCounts.extend({
  byLevel: z.record(z.string(), CoverageCounts).describe('the same counts for each level of the subtree that holds targeted orgs'),
})
  .nullable()
  .describe('the directive’s coverage in this org’s subtree, in total and by level; null when the subtree holds none of it (or before the first report)');
const Received = z.looseObject({
  directive_id: z.string(),
  kind: z.string().describe('task or information_request'),
  issuer_org_id: z.string(),
  title: z.string(),
  instructions: z.string(),
  deadline: Timestamp,
  cancelled: z.boolean(),
  problem_id: z.string(),
  status: z.string(),
  alert: z.string(),
});
const ThisWeek = z.object({ week: z.string(), cap: z.number().int().nullable(), sent: z.number().int(), refused: z.number().int() });
const DirectiveList = z.object({
  items: z
    .array(z.union([Received, Directive.extend({ coverage: CoverageView })]))
    .describe('received: the org’s items of directives; issued: the directives with their coverage'),
  nextCursor: z.string().nullable(),
  informationRequests: ThisWeek.optional().describe('issued only: this week’s requests for information against the cap (cap null: not capped)'),
});
const InformationRequests = z.object({
  caps: z.looseObject({}).nullable().describe('`rules.informationRequestsPerWeek`: the cap of each level; null when none is set'),
  byWeek: z.array(z.object({ week: z.string(), level: z.string(), sent: z.number().int(), refused: z.number().int() })),
  refusals: z.array(
    z.looseObject({
      org_id: z.string(),
      level: z.string(),
      week: z.string(),
      cap: z.number(),
      sent: z.number(),
      directive_id: z.string(),
      title: z.string(),
      by: z.string(),
      refused_at: Timestamp,
    }),
  ),
  nextCursor: z.string().nullable(),
});
const TreeNode = z.object({ orgId: z.string(), name: z.string(), level: z.string(), coverage: CoverageView });

const ACT_403 = 'only the org’s own secretary or organiser, or an organiser above it, acts for the org';
const READ = { 404: ORG_404 };
const PAGED = { ...READ, badRequest: 'A `cursor` not given out by this API.' };

export function directiveRoutes(app: ApiInstance, deps: ApiDeps): void {
  const { db } = deps;
  app.post(
    '/campaigns/:id/orgs/:orgId/directives',
    {
      schema: {
        tags: ['directives'],
        summary: 'Issue a directive to levels or orgs below (上题下答), or a request for information (kind information_request)',
        description:
          'A request for information over the campaign’s weekly cap for its sender (rules.informationRequestsPerWeek, weeks Monday to Sunday in UTC+8) is refused with 429 and Retry-After; the refusal is recorded and counted, nothing is sent.',
        params: CampaignOrgParams,
        body: IssueBody,
        response: responses(
          { 200: ok(z.looseObject({ directiveId: z.string() }), 'Issued: it is relayed down the tree') },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: ACT_403,
            404: `no such campaign; ${ORG_404}`,
            409: 'the campaign is over for the org, or the cascade has not reached it yet; a directive with this id was already issued here',
            422: 'a target level not below the issuer’s, neither target levels nor target orgs, or a deadline already passed',
            429: 'a request for information over the sender’s weekly cap (`rules.informationRequestsPerWeek`); the problem names the cap, the week, `sent` and `nextWeekStartsAt`, and the refusal is recorded',
          },
        ),
      },
    },
    async (request, reply) => {
      const { principal } = await requireOrgAccess(db, request, request.params.orgId, 'act');
      const target = { campaignId: request.params.id, orgId: request.params.orgId };
      const answer = await sendOrgCommand(deps, request.log, target, issueDirectiveUpdate, { ...request.body, by: actor(principal) });
      if (answer.refused) {
        const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(answer.refused.nextWeekStartsAt) - Date.now()) / 1000));
        reply.header('retry-after', String(retryAfterSeconds));
        throw overTheCap(answer.directiveId, answer.refused, retryAfterSeconds);
      }
      return answer;
    },
  );

  app.post(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId/cancel',
    {
      schema: {
        tags: ['directives'],
        summary: 'Cancel a directive everywhere below',
        params: DirectiveParams,
        body: z.object({}).strict(),
        response: responses(
          { 200: ok(z.looseObject({ directiveId: z.string(), cancelled: z.literal(true) }), 'Cancelled, here and everywhere below') },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: ACT_403,
            404: `no such campaign; ${ORG_404}; or no directive with this id issued by the org`,
            409: 'the campaign is over for the org',
          },
        ),
      },
    },
    async (request) => {
      const { principal } = await requireOrgAccess(db, request, request.params.orgId, 'act');
      const target = { campaignId: request.params.id, orgId: request.params.orgId };
      return sendOrgCommand(deps, request.log, target, cancelDirectiveUpdate, { directiveId: request.params.directiveId, by: actor(principal) });
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId',
    {
      schema: {
        tags: ['directives'],
        summary: 'A directive with its coverage in this org’s subtree',
        params: DirectiveParams,
        response: responses(
          { 200: ok(Directive.extend({ coverage: CoverageView }), 'The directive and its coverage') },
          { ...READ, 404: `${ORG_404}; or no such directive on the org’s line (issued by it, above it or below it)` },
        ),
      },
    },
    async (request) => {
      const { id, orgId, directiveId } = request.params;
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const found = await directiveWithIssuer(db, id, directiveId);
      // Seen through an org only when issued on its line: by it, above it (relayed through it) or below it.
      const issuerPath = found?.issuerPath;
      if (!found || !issuerPath || !(path.startsWith(issuerPath) || issuerPath.startsWith(path))) throw notFound(`directive ${directiveId} in campaign ${id}`);
      return { ...found.directive, coverage: coverageIn(await coverageAt(db, id, orgId), directiveId) };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId/lagging',
    {
      schema: {
        tags: ['directives'],
        summary: 'Targeted orgs in this subtree that have not completed the directive (neither done nor rectified)',
        params: DirectiveParams,
        querystring: Page,
        response: responses(
          {
            200: ok(
              PageOf(
                z.looseObject({
                  org_id: z.string(),
                  name: z.string().describe('the org’s name in the directory'),
                  status: z.string(),
                  deadline: Timestamp.nullable(),
                  alert: z.string(),
                  overdue: z.boolean(),
                }),
              ),
              'A page of the targeted orgs whose item is neither done nor rectified (awaiting verification)',
            ),
          },
          PAGED,
        ),
      },
    },
    async (request) => {
      const { id, orgId, directiveId } = request.params;
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const offset = offsetFromCursor(request.query.cursor);
      const rows = await laggingPage(db, { campaignId: id, directiveId, path, limit: request.query.limit + 1, offset });
      return {
        items: rows.slice(0, request.query.limit),
        nextCursor: rows.length > request.query.limit ? encodeCursor(String(offset + request.query.limit)) : null,
      };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/directives',
    {
      schema: {
        tags: ['directives'],
        summary: 'Directives this org received (its items) or issued (with coverage in its subtree)',
        params: CampaignOrgParams,
        querystring: Page.extend({ direction: z.enum(['received', 'issued']).default('received') }),
        response: responses({ 200: ok(DirectiveList, 'A page of directives') }, PAGED),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit, direction } = request.query;
      const offset = offsetFromCursor(request.query.cursor);
      const page = <T>(rows: T[]) => ({ items: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null });
      if (direction === 'received') return page(await receivedPage(db, { campaignId: id, orgId, limit: limit + 1, offset }));
      const rows = await issuedPage(db, { campaignId: id, orgId, limit: limit + 1, offset });
      return { ...page(rows), informationRequests: await informationRequestsThisWeek(db, id, orgId, Date.now()) };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/information-requests',
    {
      schema: {
        tags: ['directives'],
        summary: 'Requests for information sent and refused over the weekly cap (为基层减负) in this org’s subtree, by week and level, and the refusals',
        description: 'Weeks are Monday to Sunday in UTC+8, named by their Monday. Through the campaign’s root org: the whole campaign.',
        params: CampaignOrgParams,
        querystring: Page.extend({ week: IsoDate.optional().describe('a Monday (the week’s name); other dates match no week') }),
        response: responses(
          { 200: ok(InformationRequests, 'The caps, the counts by week and level, and a page of the refusals, newest first') },
          { ...PAGED, 404: `${ORG_404}; or no such campaign` },
        ),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const { limit, week } = request.query;
      const offset = offsetFromCursor(request.query.cursor);
      const rules = await campaignRules(db, id);
      if (rules === undefined) throw notFound(`campaign ${id}`);
      const { byWeek, refusals: rows } = await informationRequestsIn(db, { campaignId: id, path, week, limit: limit + 1, offset });
      return {
        caps: informationRequestCaps(rules),
        byWeek,
        refusals: rows.slice(0, limit),
        nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null,
      };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId/tree',
    {
      schema: {
        tags: ['directives'],
        summary: 'A directive’s coverage at this org and at each of its children, to drill down level by level',
        params: DirectiveParams,
        querystring: Page,
        response: responses(
          { 200: ok(TreeNode.extend({ children: z.array(TreeNode), nextCursor: z.string().nullable() }), 'The coverage here and a page of the children’s') },
          { ...PAGED, 404: `${ORG_404}; or the campaign has not reached it` },
        ),
      },
    },
    async (request) => {
      const { id, orgId, directiveId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit } = request.query;
      const offset = offsetFromCursor(request.query.cursor);
      const coverageOf = (directives: unknown) => coverageIn(directives, directiveId);
      const { self, children } = await coverageTree(db, { campaignId: id, orgId, limit: limit + 1, offset });
      if (!self) throw notFound(`org ${orgId} in campaign ${id}`);
      return {
        orgId,
        name: self.name,
        level: self.level,
        coverage: coverageOf(self.directives),
        children: children.slice(0, limit).map((c) => ({ orgId: c.org_id, name: c.name, level: c.level, coverage: coverageOf(c.directives) })),
        nextCursor: children.length > limit ? encodeCursor(String(offset + limit)) : null,
      };
    },
  );
}

/** The 429 for a request for information over its sender's weekly cap; the detail names the cap and the week. */
function overTheCap(directiveId: string, refused: InformationRequestRefusal, retryAfterSeconds: number): ProblemError {
  const { reason, ...facts } = refused;
  return new ProblemError(429, 'Too Many Requests', reason, { directiveId, ...facts, retryAfterSeconds });
}
