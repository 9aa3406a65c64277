/**
 * 上题下答 through the API: an org issues a directive to levels or orgs below it, sees
 * its coverage (done, in progress, overdue, by level) and the lagging orgs, and may
 * cancel it everywhere below.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { subtreePattern } from '../../domain/org-tree.js';
import { orgHandle } from '../../client/campaigns.js';
import { IssueDirectiveCommand, ItemId } from '../../domain/commands.js';
import { cancelDirectiveUpdate, issueDirectiveUpdate } from '../../workflows/messages.js';
import { actor, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../app.js';
import { notFound } from '../problem.js';
import { CampaignOrgParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const DirectiveParams = CampaignOrgParams.extend({ directiveId: ItemId });

export function directiveRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  app.post(
    '/campaigns/:id/orgs/:orgId/directives',
    { schema: { tags: ['directives'], summary: 'Issue a directive to levels or orgs below (上题下答)', params: CampaignOrgParams, body: IssueDirectiveCommand.omit({ by: true }) } },
    async (request) => {
      const { principal } = await requireOrgAccess(db, request, request.params.orgId, 'act');
      return orgHandle(temporal.client, request.params.id, request.params.orgId).executeUpdate(issueDirectiveUpdate, { args: [{ ...request.body, by: actor(principal) }] });
    },
  );

  app.post(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId/cancel',
    { schema: { tags: ['directives'], summary: 'Cancel a directive everywhere below', params: DirectiveParams, body: z.object({}).strict() } },
    async (request) => {
      const { principal } = await requireOrgAccess(db, request, request.params.orgId, 'act');
      return orgHandle(temporal.client, request.params.id, request.params.orgId).executeUpdate(cancelDirectiveUpdate, {
        args: [{ directiveId: request.params.directiveId, by: actor(principal) }],
      });
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId',
    { schema: { tags: ['directives'], summary: 'A directive with its coverage in this org’s subtree', params: DirectiveParams } },
    async (request) => {
      const { id, orgId, directiveId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const directive = await db.selectFrom('rm_directives').selectAll().where('campaign_id', '=', id).where('directive_id', '=', directiveId).executeTakeFirst();
      if (!directive) throw notFound(`directive ${directiveId} in campaign ${id}`);
      const progress = await db.selectFrom('rm_org_progress').select('directives').where('campaign_id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
      const coverage = ((progress?.directives ?? {}) as Record<string, unknown>)[directiveId] ?? null;
      return { ...directive, coverage };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/directives/:directiveId/lagging',
    { schema: { tags: ['directives'], summary: 'Targeted orgs in this subtree that have not completed the directive', params: DirectiveParams, querystring: Page } },
    async (request) => {
      const { id, orgId, directiveId } = request.params;
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const offset = offsetFromCursor(request.query.cursor);
      const rows = await db
        .selectFrom('rm_problems')
        .select(['org_id', 'status', 'deadline', 'alert', sql<boolean>`alert = 'red'`.as('overdue')])
        .where('campaign_id', '=', id)
        .where('directive_id', '=', directiveId)
        .where('path', 'like', subtreePattern(path))
        .where('status', 'not in', ['closed', 'cancelled'])
        .orderBy('path')
        .limit(request.query.limit + 1)
        .offset(offset)
        .execute();
      return { items: rows.slice(0, request.query.limit), nextCursor: rows.length > request.query.limit ? encodeCursor(String(offset + request.query.limit)) : null };
    },
  );
}
