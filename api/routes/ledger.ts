/**
 * The lists people look at, all from read models: an org's ledger (问题清单) and its
 * results (成效清单) as JSON or CSV, what it disclosed (公示), overdue items across a
 * subtree, special projects with their participants' figures, democratic life
 * meetings, study sessions and research topics. The queries are the models' (db/models/
 * problems.ts, projects.ts, democratic-life.ts, study-sessions.ts, research-topics.ts); an
 * item's history is read from the event store (db/event-store.ts `problemEvents`).
 */
import { z } from 'zod';
import { listDemocraticLifeMeetings } from '../../db/models/democratic-life.js';
import {
  HISTORY_FIELDS,
  HISTORY_TYPES,
  ITEM_COLOURS,
  listDisclosed,
  listLedger,
  listOverdueItems,
  listProblems,
  readItem,
  redEscalations,
} from '../../db/models/problems.js';
import { readProject } from '../../db/models/projects.js';
import { listResearchTopics } from '../../db/models/research-topics.js';
import { listStudySessions } from '../../db/models/study-sessions.js';
import { problemEvents, shownFields } from '../../db/event-store.js';
import { ItemId } from '../../domain/commands.js';
import { ledgerCsv } from '../../domain/ledger-csv.js';
import { requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { notFound } from '../problem.js';
import { ok, okAs, ORG_404, PageOf, responses, Timestamp } from '../openapi.js';
import { CampaignOrgParams } from './campaigns.js';
import { cursorFromKey, encodeCursor, keyFromCursor, offsetFromCursor, Page } from './paging.js';
import { Level } from '../../domain/levels.js';
import { PROBLEM_SOURCES } from '../../domain/events.js';

/** Red escalations the overdue view lists in full; more are counted, and listed by the org's inbox. */
const OVERDUE_ESCALATIONS_LISTED = 100;

const Scope = z.enum(['org', 'subtree']).default('org');
const ProblemsQuery = Page.extend({ scope: Scope, status: z.enum(['found', 'planned', 'in_progress', 'rectified', 'closed']).optional() });

/** An item of a ledger (`rm_problems`), as the lists pass it through. */
const Problem = z.looseObject({
  campaign_id: z.string(),
  org_id: z.string(),
  problem_id: z.string(),
  source: z.string(),
  category: z.string(),
  description: z.string(),
  status: z.string().describe('found, planned, in_progress, rectified, closed or cancelled'),
  owner: z.string().nullable(),
  deadline: Timestamp.nullable(),
  alert: z.string().describe('none, yellow or red'),
  recorded_at: Timestamp,
});
const Overdue = z.looseObject({
  org_id: z.string(),
  problem_id: z.string(),
  category: z.string(),
  description: z.string(),
  owner: z.string().nullable(),
  deadline: Timestamp.nullable(),
  extended_from: Timestamp.nullable(),
  status: z.string(),
});
/** An escalation red at the campaign's top: not claimed within its claim deadline, nothing above to forward it to. */
const RedEscalation = z.looseObject({
  escalation_id: z.string(),
  org_id: z.string().nullable().describe('the org holding it (the campaign’s top)'),
  org_name: z.string(),
  origin_org_id: z.string().nullable(),
  category: z.string().nullable(),
  description: z.string().nullable(),
  reason: z.string().nullable(),
  hop: z.number().int(),
  claim_deadline: Timestamp.nullable(),
  overdue_at: Timestamp.nullable().describe('when its claim deadline passed'),
  lapses: z.number().int(),
});
const OverdueView = PageOf(Overdue).extend({
  escalations: z
    .object({
      total: z.number().int().describe('every escalation red in the subtree and still waiting for a claim'),
      items: z.array(RedEscalation).describe('the first 100 of them by claim deadline (the org’s inbox lists all with `?overdue=true`)'),
    })
    .describe('escalations red in the subtree, apart from `items` (not ledger items until claimed), not paged'),
});
const Disclosed = z.looseObject({
  disclosed_on: z.string(),
  problem_id: z.string(),
  category: z.string(),
  description: z.string(),
  result: z.string().nullable(),
  immediate: z.boolean(),
});
const Figures = z.object({ items: z.number().int(), closed: z.number().int(), overdue: z.number().int() });
const Project = z.looseObject({
  org_id: z.string(),
  project_id: z.string(),
  project_ref: z.string(),
  title: z.string(),
  lead_org_id: z.string(),
  participant_org_ids: z.array(z.string()),
  progress: Figures,
  participants: z.array(Figures.extend({ orgId: z.string() })),
});
const Listed = {
  'democratic-life-meetings': z.looseObject({
    org_id: z.string(),
    meeting_id: z.string(),
    date: z.string(),
    attendance: z.number(),
    problems_found: z.number(),
    criticisms: z.number(),
  }),
  'study-sessions': z.looseObject({ org_id: z.string(), session_id: z.string(), date: z.string(), kind: z.string(), counted: z.boolean() }),
  topics: z.looseObject({ org_id: z.string(), topic_id: z.string(), leader: z.string(), title: z.string(), status: z.string() }),
};

const ITEM_STATUSES = ['found', 'planned', 'in_progress', 'rectified', 'closed', 'cancelled'] as const;
const LedgerQuery = Page.extend({
  status: z.enum(ITEM_STATUSES).optional(),
  colour: z.enum(ITEM_COLOURS).optional().describe('red: overdue, yellow: due soon (both while planned or in progress); none: neither'),
  source: z.enum(PROBLEM_SOURCES).optional().describe('where the item came from (self-inspection, escalation, directive, spot check, public message, …)'),
  level: Level.optional().describe('the level of the org that owns the item'),
}).strict();
/** A row of the ledger across a subtree: the item and the org that owns it. */
const LedgerRow = z.looseObject({
  org_id: z.string(),
  org_name: z.string(),
  org_level: Level,
  path: z.string().nullable().describe('the owning org’s materialised path (`/<rootId>/…/<orgId>/`)'),
  problem_id: z.string(),
  source: z.string(),
  category: z.string(),
  description: z.string(),
  status: z.enum(ITEM_STATUSES),
  owner: z.string().nullable(),
  measures: z.string().nullable(),
  deadline: Timestamp.nullable(),
  extended_from: Timestamp.nullable().describe('the deadline before its one extension'),
  alert: z.string().describe('the last alert the workflow raised: none, yellow or red'),
  colour: z.enum(ITEM_COLOURS).describe('the alert while the item is worked on (planned or in progress), otherwise none'),
  returns: z.number().int(),
  recorded_at: Timestamp,
  closed_at: Timestamp.nullable(),
});
const HistoryEntry = z.object({
  seq: z.number().int(),
  type: z.enum(HISTORY_TYPES),
  occurredAt: z.string().describe('ISO instant'),
  fields: z
    .record(z.string(), z.union([z.string().nullable(), z.number(), z.boolean(), z.array(z.string())]))
    .describe('the event’s fields that concern the item (measures, deadline, evidence, reason, by, …)'),
});
const ItemWithHistory = z.object({
  item: LedgerRow.extend({
    evidence: z.string().nullable(),
    extension_reason: z.string().nullable(),
    return_reason: z.string().nullable(),
    result: z.string().nullable(),
    rectified_by: z.string().nullable(),
    verified_by: z.string().nullable(),
  }),
  events: z.array(HistoryEntry).describe('what the org’s workflow recorded about the item, oldest first'),
});

const READ = { 404: ORG_404 };
const PAGED = { ...READ, badRequest: 'A `cursor` not given out by this API.' };

export function ledgerRoutes(app: ApiInstance, { db }: ApiDeps): void {
  app.get(
    '/campaigns/:id/orgs/:orgId/problems',
    {
      schema: {
        tags: ['ledger'],
        params: CampaignOrgParams,
        querystring: ProblemsQuery,
        response: responses({ 200: ok(PageOf(Problem), 'A page of the ledger (问题清单)') }, PAGED),
      },
    },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.orgId, 'read');
      const offset = offsetFromCursor(request.query.cursor);
      const { scope, status, limit } = request.query;
      const rows = await listProblems(db, { campaignId: request.params.id, orgId: request.params.orgId, path, scope, status }, { limit: limit + 1, offset });
      return page(rows, request.query.limit, offset);
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/ledger',
    {
      schema: {
        tags: ['ledger'],
        summary: 'The ledger (整改台账) across the org’s subtree, each row naming its org; filtered by status, colour, source and level',
        params: CampaignOrgParams,
        querystring: LedgerQuery,
        response: responses(
          { 200: ok(PageOf(LedgerRow), 'A page of the subtree’s items in tree order (an org before those below it), then by item id') },
          PAGED,
        ),
      },
    },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.orgId, 'read');
      const { limit, cursor, ...filter } = request.query;
      const after = keyFromCursor(cursor, z.tuple([z.string().max(2000), z.string().max(80)]));
      const rows = await listLedger(db, request.params.id, path, filter, after, limit + 1);
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? cursorFromKey([items.at(-1)!.path, items.at(-1)!.problem_id]) : null };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/problems/:problemId/history',
    {
      schema: {
        tags: ['ledger'],
        summary: 'An item of the ledger and its whole history (from the event store)',
        params: CampaignOrgParams.extend({ problemId: ItemId }),
        response: responses(
          { 200: ok(ItemWithHistory, 'The item as the ledger holds it and what happened to it, oldest first') },
          { 404: `${ORG_404}; or no such item in the org` },
        ),
      },
    },
    async (request) => {
      const { id: campaignId, orgId, problemId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const item = await readItem(db, campaignId, orgId, problemId);
      if (!item) throw notFound(`problem ${problemId} of org ${orgId}`);
      const events = await problemEvents(db, campaignId, orgId, problemId, HISTORY_TYPES);
      return { item, events: events.map((e) => ({ seq: e.seq, type: e.type, occurredAt: e.occurredAt, fields: shownFields(e, HISTORY_FIELDS, true) })) };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/problems.csv',
    {
      schema: {
        tags: ['ledger'],
        summary: 'The problem list and its results (问题清单 → 成效清单) as CSV, UTF-8 with BOM',
        params: CampaignOrgParams,
        querystring: ProblemsQuery.omit({ limit: true, cursor: true }),
        response: responses({ 200: okAs('text/csv', 'The list, UTF-8 with a BOM, as an attachment') }, READ),
      },
    },
    async (request, reply) => {
      const { path } = await requireOrgAccess(db, request, request.params.orgId, 'read');
      const { scope, status } = request.query;
      const rows = await listProblems(db, { campaignId: request.params.id, orgId: request.params.orgId, path, scope, status });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="problems-${request.params.id}-${request.params.orgId}.csv"`)
        .send(ledgerCsv(rows));
    },
  );

  /**
   * Overdue ledger items in the subtree, paged (`items`), and beside them the escalations
   * red in it: not claimed within their claim deadline at the campaign's top, where nothing
   * is above to forward them to (`escalations`, the first 100 by claim deadline, and their
   * `total`; the org's inbox lists all of them with `?overdue=true`).
   *
   * Why here, and apart from `items`: the office reads this view for what is late, and an
   * unclaimed escalation at the top is late work of the office itself (it counts as a lapse
   * in its figures). But it is not a ledger item yet (claiming makes one), has no owner or
   * rectification deadline, and the weekly report counts `items` as overdue ledger items; mixing
   * the two in one paged list would change what that count means. Only the top holds such
   * escalations (below it a passed deadline forwards them), so the list stays short.
   */
  app.get(
    '/campaigns/:id/orgs/:orgId/overdue',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Overdue items anywhere in the subtree',
        params: CampaignOrgParams,
        querystring: Page,
        response: responses(
          { 200: ok(OverdueView, 'A page of red items still planned or in progress, earliest deadline first, and the escalations red in the subtree') },
          PAGED,
        ),
      },
    },
    async (request) => {
      const { path } = await requireOrgAccess(db, request, request.params.orgId, 'read');
      const offset = offsetFromCursor(request.query.cursor);
      const escalations = await redEscalations(db, request.params.id, path, OVERDUE_ESCALATIONS_LISTED);
      const rows = await listOverdueItems(db, request.params.id, path, request.query.limit + 1, offset);
      return { ...page(rows, request.query.limit, offset), escalations };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/disclosures',
    {
      schema: {
        tags: ['ledger'],
        summary: 'What the org disclosed (公示), by date',
        params: CampaignOrgParams,
        response: responses(
          {
            200: ok(
              z.object({ dates: z.array(z.object({ date: z.string(), count: z.number().int(), items: z.array(Disclosed) })) }),
              'The disclosed items by date of disclosure',
            ),
          },
          READ,
        ),
      },
    },
    async (request) => {
      await requireOrgAccess(db, request, request.params.orgId, 'read');
      const rows = await listDisclosed(db, request.params.id, request.params.orgId);
      const byDate = new Map<string, typeof rows>();
      for (const r of rows) byDate.set(r.disclosed_on!, [...(byDate.get(r.disclosed_on!) ?? []), r]);
      return { dates: [...byDate].map(([date, items]) => ({ date, count: items.length, items })) };
    },
  );

  app.get(
    '/campaigns/:id/projects/:orgId/:projectId',
    {
      schema: {
        tags: ['ledger'],
        summary: 'A special rectification project: progress, overdue items, participants',
        params: CampaignOrgParams.extend({ projectId: ItemId }),
        response: responses(
          { 200: ok(Project, 'The project, its figures and each participant’s') },
          { ...READ, 404: `${ORG_404}; or no such project led by it` },
        ),
      },
    },
    async (request) => {
      await requireOrgAccess(db, request, request.params.orgId, 'read');
      const ref = `${request.params.orgId}/${request.params.projectId}`;
      const project = await readProject(db, request.params.id, ref);
      if (!project) throw notFound(`project ${ref}`);
      return project;
    },
  );

  const simpleList = (
    path: keyof typeof Listed,
    list: (db: ApiDeps['db'], campaignId: string, orgId: string, limit: number, offset: number) => Promise<unknown[]>,
  ) =>
    app.get(
      `/campaigns/:id/orgs/:orgId/${path}`,
      {
        schema: {
          tags: ['progress'],
          params: CampaignOrgParams,
          querystring: Page,
          response: responses({ 200: ok(PageOf(Listed[path]), `A page of the org’s ${path.replace(/-/g, ' ')}`) }, PAGED),
        },
      },
      async (request) => {
        await requireOrgAccess(db, request, request.params.orgId, 'read');
        const offset = offsetFromCursor(request.query.cursor);
        const rows = await list(db, request.params.id, request.params.orgId, request.query.limit + 1, offset);
        return page(rows, request.query.limit, offset);
      },
    );
  simpleList('democratic-life-meetings', listDemocraticLifeMeetings);
  simpleList('study-sessions', listStudySessions);
  simpleList('topics', listResearchTopics);
}

function page<T>(rows: T[], limit: number, offset: number): { items: T[]; nextCursor: string | null } {
  return { items: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null };
}
