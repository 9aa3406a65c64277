/**
 * 例会 through the API: the reports the campaign's Schedules compile (weekly for the campaign
 * office, fortnightly for its meeting with the guidance-group leaders), listed, read as JSON or
 * as a page (a table and a chart), and compiled by hand.
 *
 * Who reads them: the campaign office, i.e. whoever reads the campaign's root org (a token of
 * the root or above it, any role; an admin), since a report names orgs across the whole tree.
 * The fortnightly report also goes to the guidance groups: an inspector a group of the campaign
 * names reads the fortnightly reports (and only those), whatever org its token is bound to.
 * Compiling by hand is steering the campaign: an organiser over the root, or an admin.
 * The stored reports are read through db/models/reports.ts.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { startSupportingWorkflow } from '../../client/campaigns.js';
import { readCampaign } from '../../db/models/campaigns.js';
import { orgPath } from '../../db/models/directory.js';
import { listReports, namedByAGroup, readReport } from '../../db/models/reports.js';
import type { Database } from '../../db/schema.js';
import { ReportKind, reportHtml, type ReportFigures } from '../../domain/report.js';
import { reportWorkflowId } from '../../domain/workflow-ids.js';
import type { reportWorkflow } from '../../workflows/report.js';
import type { CompiledReport } from '../../workflows/activity-contract.js';
import { principal, requireOrgAccess, requireRole } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { forbidden, notFound } from '../problem.js';
import { ok, okAs, PageOf, responses } from '../openapi.js';
import { CampaignParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const ReportId = z.string().regex(/^(weekly|fortnightly)-\d{8}T\d{9}Z$/, 'a report id as listed (kind-yyyymmddThhmmssmmmZ)');
const ReportParams = CampaignParams.extend({ reportId: ReportId });
const ListQuery = Page.extend({ kind: ReportKind.optional() });
const CompileBody = z.object({ kind: ReportKind }).strict();

/** How long POST waits for the compilation before answering 202 with the workflow id instead. */
const COMPILE_WAIT_MS = 20_000;

const Listed = z.object({
  reportId: z.string(),
  kind: ReportKind,
  periodFrom: z.string(),
  periodTo: z.string(),
  createdAt: z.string(),
  workflowId: z.string(),
  page: z.string().describe('the report as an HTML page'),
});
const Report = Listed.omit({ page: true }).extend({
  figures: z
    .looseObject({})
    .describe(
      'rectification by level and in total, the period’s problems, overdue items and lagging orgs, escalations; the fortnightly report adds the guidance groups',
    ),
});
const Compiled = z.looseObject({
  reportId: z.string(),
  kind: ReportKind,
  periodFrom: z.string(),
  periodTo: z.string(),
  workflowId: z.string(),
  page: z.string(),
});
const READ_403 =
  'only the campaign office (a token of the root org or above, or an admin) reads the reports, and a guidance group’s inspector the fortnightly ones';

const iso = (d: Date | string) => new Date(d).toISOString();

type Reader = 'office' | 'guidance-group';

export function reportRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  /** The office reads every report; a guidance group's inspector only the fortnightly ones; anyone else is refused (403). */
  const reader = async (
    request: Parameters<typeof principal>[0],
    campaignId: string,
  ): Promise<{ reader: Reader; campaign: { id: string; root_org_id: string } }> => {
    const campaign = await loadCampaign(db, campaignId);
    const p = principal(request);
    const root = await orgPath(db, campaign.root_org_id);
    if (p.role === 'admin' || (root !== undefined && root.startsWith(p.orgPath))) return { reader: 'office', campaign };
    if (p.role === 'inspector' && (await namedByAGroup(db, campaignId, p.tokenId))) return { reader: 'guidance-group', campaign };
    throw forbidden(
      `a ${p.role} of ${p.orgId} may not read the reports of campaign ${campaignId} (the office over ${campaign.root_org_id}, or a guidance group's inspector for the fortnightly ones)`,
    );
  };
  const refuseWeekly = (r: Reader, kind: string | undefined, campaignId: string) => {
    if (r === 'guidance-group' && kind !== 'fortnightly') throw forbidden(`a guidance group reads only the fortnightly reports of campaign ${campaignId}`);
  };

  app.get(
    '/campaigns/:id/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'The reports (例会) of a campaign, newest first; a guidance group’s inspector sees the fortnightly ones',
        params: CampaignParams,
        querystring: ListQuery,
        response: responses(
          { 200: ok(PageOf(Listed), 'A page of reports, newest first') },
          { badRequest: 'A `cursor` not given out by this API.', 403: READ_403, 404: 'no such campaign' },
        ),
      },
    },
    async (request) => {
      const { id } = request.params;
      const { reader: r } = await reader(request, id);
      if (request.query.kind) refuseWeekly(r, request.query.kind, id);
      const kind = r === 'guidance-group' ? 'fortnightly' : request.query.kind;
      const { limit, cursor } = request.query;
      const offset = offsetFromCursor(cursor);
      const rows = await listReports(db, id, kind, limit + 1, offset);
      return {
        items: rows.slice(0, limit).map((row) => ({
          reportId: row.report_id,
          kind: row.kind,
          periodFrom: iso(row.period_from),
          periodTo: iso(row.period_to),
          createdAt: iso(row.created_at),
          workflowId: row.workflow_id,
          page: `/campaigns/${id}/reports/${row.report_id}/page`,
        })),
        nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null,
      };
    },
  );

  app.get(
    '/campaigns/:id/reports/:reportId',
    {
      schema: {
        tags: ['reports'],
        summary: 'One report with all its figures, as JSON',
        params: ReportParams,
        response: responses({ 200: ok(Report, 'The report') }, { 403: READ_403, 404: 'no such campaign, or no such report of it' }),
      },
    },
    async (request) => {
      const { reader: r } = await reader(request, request.params.id);
      const row = await loadReport(db, request.params.id, request.params.reportId);
      refuseWeekly(r, row.kind, request.params.id);
      return {
        reportId: row.report_id,
        kind: row.kind,
        periodFrom: iso(row.period_from),
        periodTo: iso(row.period_to),
        createdAt: iso(row.created_at),
        workflowId: row.workflow_id,
        figures: row.figures,
      };
    },
  );

  app.get(
    '/campaigns/:id/reports/:reportId/page',
    {
      schema: {
        tags: ['reports'],
        summary: 'One report as a self-contained HTML page: a chart of rectification by level, the tables, the lists',
        params: ReportParams,
        response: responses(
          { 200: okAs('text/html', 'The page: no script, nothing fetched') },
          { 403: READ_403, 404: 'no such campaign, or no such report of it' },
        ),
      },
    },
    async (request, reply) => {
      const { reader: r } = await reader(request, request.params.id);
      const row = await loadReport(db, request.params.id, request.params.reportId);
      refuseWeekly(r, row.kind, request.params.id);
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(reportHtml({ kind: row.kind, createdAt: iso(row.created_at), figures: row.figures as unknown as ReportFigures }));
    },
  );

  app.post(
    '/campaigns/:id/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'Compile a report now, for the period since the last one of its kind: 201 with it, or 202 with its workflow id if it takes longer than 20 s',
        params: CampaignParams,
        body: CompileBody,
        response: responses(
          {
            201: ok(Compiled, 'Compiled: the report, for the period since the last one of its kind'),
            200: ok(Compiled, 'The report this same moment’s run had already stored'),
            202: ok(z.object({ workflowId: z.string(), periodTo: z.string() }), 'Still compiling after 20 s: the report will be listed under this period end'),
          },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: 'only an admin or an organiser compiles a report',
            404: 'no such campaign, or its root org is outside the organiser’s subtree (answered alike)',
          },
        ),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const campaign = await loadCampaign(db, id);
      requireRole(request, ['organiser']);
      await requireOrgAccess(db, request, campaign.root_org_id, 'act');
      const { kind } = request.body;
      // Started directly rather than through the Schedule's trigger: the caller learns which run
      // (and so which report) its request made, and campaigns without a Schedule get one too.
      const periodTo = new Date().toISOString();
      const { workflowId } = await startSupportingWorkflow<typeof reportWorkflow>(temporal.client, temporal.taskQueue, 'reportWorkflow', {
        workflowId: reportWorkflowId(id, kind, periodTo),
        campaignId: id,
        phase: 'report',
        summary: `例会 · ${kind} report · asked for by hand`,
        args: [{ campaignId: id, kind, periodTo }],
      });
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        temporal.client.workflow.getHandle(workflowId).result() as Promise<CompiledReport>,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), COMPILE_WAIT_MS))),
      ]).finally(() => clearTimeout(timer));
      if (!done) return reply.code(202).send({ workflowId, periodTo });
      return reply.code(done.created ? 201 : 200).send({ ...done, kind, workflowId, page: `/campaigns/${id}/reports/${done.reportId}/page` });
    },
  );
}

async function loadCampaign(db: Kysely<Database>, id: string) {
  const campaign = await readCampaign(db, id);
  if (!campaign) throw notFound(`campaign ${id}`);
  return campaign;
}

async function loadReport(db: Kysely<Database>, campaignId: string, reportId: string) {
  const row = await readReport(db, campaignId, reportId);
  if (!row) throw notFound(`report ${reportId} of campaign ${campaignId}`);
  return row;
}
