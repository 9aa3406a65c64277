/**
 * Starting, reading and closing campaigns, and reading an org's progress. Reads come
 * from the read models (db/models/campaigns.ts, db/models/org-progress.ts), never from workflows.
 */
import { z } from 'zod';
import { readCampaign, type CampaignRules } from '../../db/models/campaigns.js';
import { orgPath } from '../../db/models/directory.js';
import { cascadeWaitsFor, listChildProgress, listLaggingCandidates, readOrgProgress, readRootProgress } from '../../db/models/org-progress.js';
import { ORG_ID } from '../../domain/org-tree.js';
import { closeCampaign, startCampaign } from '../../client/campaigns.js';
import { CampaignId, CampaignSpecFields, ENDS_BEFORE_STARTS } from '../../domain/campaign.js';
import { laggingReasons } from '../../domain/report.js';
import { actor, principal, requireOrgAccess, requireRole } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { ok, ORG_404, PageOf, responses, Timestamp } from '../openapi.js';
import { cascadeWait, notFound, ProblemError, unprocessable } from '../problem.js';
import { encodeCursor, offsetFromCursor, Page, valueFromCursor } from './paging.js';

/** Ids in paths have the shapes the domain gives them: anything else is a 400, not an empty list. */
export const CampaignParams = z.object({ id: CampaignId });
const OrgId = z.string().regex(ORG_ID, 'letters, digits and _.-, at most 64');
export const CampaignOrgParams = CampaignParams.extend({ orgId: OrgId });

/**
 * The spec's fields; the rule between two of them (`endsOn` on or after `startsOn`) is checked
 * by the handler and refused as a 422, since JSON Schema cannot say it: a 400 would refuse a
 * request the document calls valid.
 */
const CampaignBody = CampaignSpecFields.meta({ description: '`endsOn` is on or after `startsOn` (422 naming `body.endsOn` otherwise).' });

const Started = z.object({
  id: z.string(),
  created: z.boolean().describe('false: a campaign with this id and this same specification was already started (a retry)'),
});

const CampaignStatus = z.enum(['running', 'closing', 'completed', 'closed']);
const Campaign = z.looseObject({
  id: z.string(),
  name: z.string(),
  batch: z.number().int(),
  root_org_id: z.string(),
  phase_mode: z.string(),
  rules: z.looseObject({}),
  starts_on: z.string().describe('YYYY-MM-DD'),
  ends_on: z.string().describe('YYYY-MM-DD'),
  status: CampaignStatus,
  started_at: Timestamp,
  ended_at: Timestamp.nullable(),
  root: z
    .looseObject({ status: z.string(), subtree: z.looseObject({}), details: z.string() })
    .nullable()
    .describe('the root org’s progress; null until the read model has it'),
});

/** An org's row in the progress read model (`rm_org_progress`). */
export const OrgProgress = z.looseObject({
  campaign_id: z.string(),
  org_id: z.string(),
  parent_id: z.string().nullable(),
  level: z.string(),
  path: z.string(),
  name: z.string(),
  status: z.string(),
  mobilised_on: z.string().nullable().describe('YYYY-MM-DD'),
  own: z.looseObject({}).describe('the org’s own figures (numbers by name)'),
  subtree: z.looseObject({}).describe('the figures of the org and everything under it (numbers by name)'),
  details: z.string(),
  updated_at: Timestamp,
});

const Lagging = z.object({
  orgId: z.string(),
  name: z.string(),
  level: z.string(),
  status: z.string(),
  reasons: z.array(z.string()).describe('`not mobilised`, `study N days`, `N overdue`'),
  details: z.string(),
});

const PAGE_400 = 'A `cursor` not given out by this API.';

export function campaignRoutes(app: ApiInstance, { db, temporal, now }: ApiDeps): void {
  app.post(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        body: CampaignBody,
        response: responses(
          { 201: ok(Started, 'Started'), 200: ok(Started, 'Already started with this same specification: nothing new was started') },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: 'only an admin or an organiser starts a campaign',
            404: '`rootOrgId` is outside the organiser’s subtree (answered as an org that does not exist)',
            409: 'a campaign with this id exists with a different specification',
            422: '`rootOrgId` is not in the directory, or `endsOn` is before `startsOn`',
          },
        ),
      },
    },
    async (request, reply) => {
      requireRole(request, ['organiser']);
      const spec = request.body;
      if (spec.endsOn < spec.startsOn) throw unprocessable(ENDS_BEFORE_STARTS, [{ path: 'body.endsOn', message: ENDS_BEFORE_STARTS }]);
      if ((await orgPath(db, spec.rootOrgId)) === undefined)
        throw unprocessable(`org ${spec.rootOrgId} is not in the directory`, [{ path: 'body.rootOrgId', message: 'unknown org' }]);
      await requireOrgAccess(db, request, spec.rootOrgId, 'act');
      const { created } = await startCampaign(temporal.client, temporal.taskQueue, spec);
      return reply.code(created ? 201 : 200).send({ id: spec.id, created });
    },
  );

  app.get(
    '/campaigns/:id',
    {
      schema: {
        tags: ['campaigns'],
        params: CampaignParams,
        response: responses(
          { 200: ok(Campaign, 'The campaign and its root org’s progress') },
          { 404: 'no such campaign, or its root org is outside the caller’s subtree (answered alike)' },
        ),
      },
    },
    async (request) => {
      const campaign = await loadCampaign(request.params.id);
      await requireOrgAccess(db, request, campaign.root_org_id, 'read');
      const root = await readRootProgress(db, campaign.id, campaign.root_org_id);
      return { ...campaign, root: root ?? null };
    },
  );

  app.post(
    '/campaigns/:id/close',
    {
      schema: {
        tags: ['campaigns'],
        params: CampaignParams,
        body: z.object({ reason: z.string().trim().min(1).max(1000) }).strict(),
        response: responses(
          {
            202: ok(
              z.looseObject({ status: z.string().describe('`closing`: the orgs are being closed') }),
              'Closing: every org workflow is told and closes in turn',
            ),
          },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: 'only an admin or an organiser closes a campaign',
            404: 'no such campaign, or its root org is outside the organiser’s subtree (answered alike)',
            409: 'the campaign has already finished',
          },
        ),
      },
    },
    async (request, reply) => {
      const campaign = await loadCampaign(request.params.id);
      requireRole(request, ['organiser']);
      await requireOrgAccess(db, request, campaign.root_org_id, 'act');
      const result = await closeCampaign(temporal.client, campaign.id, actor(principal(request)), request.body.reason);
      return reply.code(202).send(result);
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId',
    {
      schema: {
        tags: ['progress'],
        params: CampaignOrgParams,
        response: responses(
          { 200: ok(OrgProgress, 'The org’s own figures and its subtree’s aggregate') },
          {
            404: 'no such org, or one outside the caller’s subtree (answered alike), or the campaign has not reached it (or does not exist); when the campaign runs above the org, `waitingFor` `{ orgId, name, level, mobilised }` names the ancestor it waits for (the nearest whose workflow has started) and the detail says why',
          },
        ),
      },
    },
    async (request) => {
      await requireOrgAccess(db, request, request.params.orgId, 'read');
      const row = await readOrgProgress(db, request.params.id, request.params.orgId);
      if (!row) {
        // A secretary's screen asks this first: say whom the org waits for when the campaign runs above it.
        const waiting = await cascadeWaitsFor(db, request.params.id, request.params.orgId);
        if (waiting?.kind === 'ancestor') {
          const { detail, waitingFor } = cascadeWait(request.params.orgId, waiting);
          throw new ProblemError(404, 'Not Found', `${detail} (campaign ${request.params.id})`, { waitingFor });
        }
        throw notFound(`org ${request.params.orgId} in campaign ${request.params.id} (not reached by the cascade yet, or no such campaign)`);
      }
      return row;
    },
  );

  const ChildrenQuery = Page.extend({ sort: z.enum(['position', 'name', 'progress', 'status']).default('position') });
  app.get(
    '/campaigns/:id/orgs/:orgId/children',
    {
      schema: {
        tags: ['progress'],
        params: CampaignOrgParams,
        querystring: ChildrenQuery,
        response: responses(
          { 200: ok(PageOf(OrgProgress), 'A page of the org’s children that the campaign has reached') },
          { badRequest: PAGE_400, 404: ORG_404 },
        ),
      },
    },
    async (request) => {
      await requireOrgAccess(db, request, request.params.orgId, 'read');
      const { limit, cursor, sort } = request.query;
      const offset = offsetFromCursor(cursor);
      // Sorted pages of at most 1,000 siblings; the offset cursor is stable while the read model is.
      const rows = await listChildProgress(db, request.params.id, request.params.orgId, sort, limit + 1, offset);
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/lagging',
    {
      schema: {
        tags: ['progress'],
        params: CampaignOrgParams,
        querystring: Page,
        response: responses({ 200: ok(PageOf(Lagging), 'A page of the orgs of the subtree that lag, with why') }, { badRequest: PAGE_400, 404: ORG_404 }),
      },
    },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.orgId, 'read');
      const { limit, cursor } = request.query;
      const after = valueFromCursor(cursor, /^\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63}\/)+$/) ?? '';
      const rows = await listLaggingCandidates(db, request.params.id, path, after, limit + 1);
      // The reasons as the colour rule gives them (domain/report.ts), the mobilisation deadline's included.
      const campaign = await readCampaign(db, request.params.id);
      const ctx = { now: now(), mobiliseWithinDays: (campaign?.rules as CampaignRules | undefined)?.mobiliseWithinDays };
      const items = rows.slice(0, limit).map((r) => {
        const reasons = laggingReasons({ mobilised: r.mobilised_on !== null, own: r.own, reachedAt: r.reached_at }, ctx);
        return { orgId: r.org_id, name: r.name, level: r.level, status: r.status, reasons, details: r.details };
      });
      return { items, nextCursor: rows.length > limit ? encodeCursor(rows[limit - 1]!.path) : null };
    },
  );

  async function loadCampaign(id: string) {
    const campaign = await readCampaign(db, id);
    if (!campaign) throw notFound(`campaign ${id}`);
    return campaign;
  }
}
