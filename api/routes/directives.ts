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
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const directive = await db.selectFrom('rm_directives').selectAll().where('campaign_id', '=', id).where('directive_id', '=', directiveId).executeTakeFirst();
      // Seen through an org only when issued on its line: by it, above it (relayed through it) or below it.
      const issuer = directive && (await db.selectFrom('orgs').select('path').where('id', '=', directive.issuer_org_id).executeTakeFirst());
      if (!directive || !issuer || !(path.startsWith(issuer.path) || issuer.path.startsWith(path))) throw notFound(`directive ${directiveId} in campaign ${id}`);
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

  app.get(
    '/campaigns/:id/orgs/:orgId/directives',
    {
      schema: {
        tags: ['directives'],
        summary: 'Directives this org received (its items) or issued (with coverage in its subtree)',
        params: CampaignOrgParams,
        querystring: Page.extend({ direction: z.enum(['received', 'issued']).default('received') }),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit, direction } = request.query;
      const offset = offsetFromCursor(request.query.cursor);
      const page = <T>(rows: T[]) => ({ items: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null });
      if (direction === 'received') {
        const rows = await db
          .selectFrom('rm_problems as p')
          .innerJoin('rm_directives as d', (j) => j.onRef('d.campaign_id', '=', 'p.campaign_id').onRef('d.directive_id', '=', 'p.directive_id'))
          .select(['d.directive_id', 'd.issuer_org_id', 'd.title', 'd.instructions', 'd.deadline', 'd.cancelled', 'p.problem_id', 'p.status', 'p.alert'])
          .where('p.campaign_id', '=', id)
          .where('p.org_id', '=', orgId)
          .orderBy('d.directive_id')
          .limit(limit + 1)
          .offset(offset)
          .execute();
        return page(rows);
      }
      const [rows, progress] = await Promise.all([
        db.selectFrom('rm_directives').selectAll().where('campaign_id', '=', id).where('issuer_org_id', '=', orgId).orderBy('directive_id').limit(limit + 1).offset(offset).execute(),
        db.selectFrom('rm_org_progress').select('directives').where('campaign_id', '=', id).where('org_id', '=', orgId).executeTakeFirst(),
      ]);
      const coverage = (progress?.directives ?? {}) as Record<string, unknown>;
      return page(rows.map((r) => ({ ...r, coverage: coverage[r.directive_id] ?? null })));
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
      },
    },
    async (request) => {
      const { id, orgId, directiveId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const { limit } = request.query;
      const offset = offsetFromCursor(request.query.cursor);
      const coverageOf = (directives: unknown) => ((directives ?? {}) as Record<string, unknown>)[directiveId] ?? null;
      const [self, children] = await Promise.all([
        db.selectFrom('rm_org_progress').select(['org_id', 'name', 'level', 'directives']).where('campaign_id', '=', id).where('org_id', '=', orgId).executeTakeFirst(),
        db
          .selectFrom('rm_org_progress')
          .select(['org_id', 'name', 'level', 'directives'])
          .where('campaign_id', '=', id)
          .where('parent_id', '=', orgId)
          .orderBy('org_id')
          .limit(limit + 1)
          .offset(offset)
          .execute(),
      ]);
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
