/**
 * The campaign overview the console draws (one read): an org with its own and subtree
 * figures and its colour (三色督办, `domain/colour.ts`), what the caller may do on it, the
 * orgs of its subtree counted per level and colour, and a page of its children (from the
 * directory, so children the cascade has not reached show too) sorted red first by default,
 * filtered by colour, or, with `q`, the orgs of its whole subtree whose name or id matches
 * (the reads in db/models/overview.ts); and an org's timeline, from the event store.
 */
import { z } from 'zod';
import { readCampaign, type CampaignRules } from '../../db/models/campaigns.js';
import { orgsByIds } from '../../db/models/directory.js';
import { readOverview, type OverviewRow } from '../../db/models/overview.js';
import { orgStreamEvents, shownFields } from '../../db/event-store.js';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { orgColour, type ColourContext } from '../../domain/colour.js';
import { Level } from '../../domain/levels.js';
import { requireOrgAccess } from '../auth.js';
import { notFound } from '../problem.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { ok, ORG_404, responses } from '../openapi.js';
import { CampaignOrgParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const Colour = z.enum(['red', 'yellow', 'green', 'none']).describe('三色督办 (domain/colour.ts); none: the cascade has not reached the org yet');
const Figures = z.record(z.string(), z.number());
const Node = z.object({
  orgId: z.string(),
  name: z.string(),
  level: Level,
  path: z.string(),
  childCount: z.number().int(),
  workflowId: z.string(),
  reached: z.boolean().describe('the campaign’s cascade has started its workflow'),
  status: z.string().nullable(),
  mobilisedOn: z.string().nullable(),
  reachedAt: z.string().nullable().describe('ISO instant the cascade reached the org (its workflow started); the mobilisation deadline counts from it'),
  components: z.record(z.string(), z.string()).nullable(),
  own: Figures.nullable(),
  subtree: Figures.nullable(),
  details: z.string().nullable(),
  colour: Colour,
  reasons: z.array(z.string()),
});
const Overview = z.object({
  campaign: z.object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    minStudyDays: z.number().int(),
    warningDays: z.number(),
    mobiliseWithinDays: z.number().nullable().describe('days an org has to mobilise once reached, past which it is red; null: no deadline'),
    topicsMustBeVetted: z.boolean().describe('research topics need approval (把关) before reports count'),
    immediateDays: z.number().int().describe('longest deadline, in days, of an immediate-rectification item (立行立改)'),
    startsOn: z.string().describe('YYYY-MM-DD: the first date a meeting or session may carry'),
    endsOn: z.string().describe('YYYY-MM-DD: the last date a study session may carry (a democratic life meeting may be later, in continuing rectification)'),
  }),
  org: Node,
  ancestors: z.array(z.object({ orgId: z.string(), name: z.string() })).describe('from the caller’s readable root down to the parent'),
  can: z
    .object({ act: z.boolean(), supervise: z.boolean(), vet: z.boolean() })
    .describe('what the caller may do on this org, as the org-action routes decide it'),
  levels: z.array(
    z.object({ level: Level, orgs: z.number().int(), reached: z.number().int(), red: z.number().int(), yellow: z.number().int(), green: z.number().int() }),
  ),
  children: z.object({ items: z.array(Node), total: z.number().int(), nextCursor: z.string().nullable() }),
});

const OverviewQuery = Page.extend({
  sort: z.enum(['colour', 'position', 'name']).default('colour').describe('colour: red first, then yellow, green, not reached'),
  colour: Colour.optional(),
  q: z.string().trim().min(1).max(100).optional().describe('find orgs of the whole subtree by name (substring) or id (prefix)'),
}).strict();

/**
 * What an org's timeline shows: its own workflow's events (its stream, nothing another
 * workflow recorded about it, so no spot check's sample shows early) of these kinds, with
 * these fields of each. Escalation texts and progress reports stay out.
 */
const TIMELINE_TYPES = [
  'OrgStarted',
  'OrgMobilised',
  'ChildrenCascaded',
  'ComponentOpened',
  'ComponentDone',
  'StudySessionRecorded',
  'TopicProposed',
  'TopicVetted',
  'ReportSubmitted',
  'ProblemRecorded',
  'RectificationPlanned',
  'RectificationStarted',
  'RectificationSubmitted',
  'RectificationVerified',
  'RectificationReturned',
  'DeadlineAlert',
  'DeadlineExtended',
  'ReviewConcluded',
  'ProblemsDisclosed',
  'DemocraticLifeMeetingHeld',
  'DirectiveReceived',
  'ProblemEscalated',
  'EscalationClaimed',
  'OrgFinished',
] as const;
const TIMELINE_FIELDS = [
  'component',
  'date',
  'kind',
  'counted',
  'attendance',
  'auto',
  'problemId',
  'category',
  'topicId',
  'title',
  'decision',
  'deadline',
  'alert',
  'by',
] as const;
const TimelineEntry = z.object({
  seq: z.number().int(),
  type: z.enum(TIMELINE_TYPES),
  occurredAt: z.string().describe('ISO instant'),
  // null as a nullable string, not a fourth member: OpenAPI 3.0 has no null type, and a `nullable` beside an `anyOf` without a `type` is not valid there.
  fields: z.record(z.string(), z.union([z.string().nullable(), z.number(), z.boolean()])).describe(`at most these of the event: ${TIMELINE_FIELDS.join(', ')}`),
});

export function overviewRoutes(app: ApiInstance, { db, now }: ApiDeps): void {
  app.get(
    '/campaigns/:id/orgs/:orgId/timeline',
    {
      schema: {
        tags: ['progress'],
        summary: 'What the org’s own workflow recorded, newest first (its lifecycle, study, research, ledger)',
        params: CampaignOrgParams,
        querystring: Page,
        response: responses(
          {
            200: ok(
              z.object({ items: z.array(TimelineEntry), nextCursor: z.string().nullable() }),
              'A page of the org’s own events, newest first (none when the campaign does not exist or has not reached the org)',
            ),
          },
          { badRequest: 'A `cursor` not given out by this API.', 404: ORG_404 },
        ),
      },
    },
    async (request) => {
      const { id: campaignId, orgId } = request.params;
      await requireOrgAccess(db, request, orgId, 'read');
      const offset = offsetFromCursor(request.query.cursor);
      const rows = await orgStreamEvents(db, campaignId, orgId, TIMELINE_TYPES, request.query.limit + 1, offset);
      const items = rows.slice(0, request.query.limit).map((e) => ({
        seq: e.seq,
        type: e.type,
        occurredAt: e.occurredAt,
        fields: shownFields(e, TIMELINE_FIELDS) as Record<string, string | number | boolean | null>,
      }));
      return { items, nextCursor: rows.length > request.query.limit ? encodeCursor(String(offset + request.query.limit)) : null };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/overview',
    {
      schema: {
        tags: ['progress'],
        summary: 'An org, its colour, its subtree per level and colour, and a page of its children (or of matches in its subtree)',
        params: CampaignOrgParams,
        querystring: OverviewQuery,
        response: responses(
          { 200: ok(Overview, 'The org, its colour, its subtree per level and colour, and a page of its children (or of the matches of `q`)') },
          { badRequest: 'A `cursor` not given out by this API.', 404: `${ORG_404}; or no such campaign` },
        ),
      },
    },
    async (request) => {
      const { id: campaignId, orgId } = request.params;
      const { path, principal } = await requireOrgAccess(db, request, orgId, 'read');
      const { limit, cursor, sort, colour, q } = request.query;
      const offset = offsetFromCursor(cursor);
      const may = (mode: 'act' | 'supervise' | 'vet') =>
        requireOrgAccess(db, request, orgId, mode).then(
          () => true,
          () => false,
        );

      const campaign = await readCampaign(db, campaignId);
      if (!campaign) throw notFound(`campaign ${campaignId}`);
      const rules = campaign.rules as CampaignRules;
      // One clock for the whole answer: the SQL and `orgColour` judge every row at the same instant.
      const ctx: ColourContext = { now: now(), mobiliseWithinDays: rules.mobiliseWithinDays };
      const { self, rows, total, levels } = await readOverview(db, { campaignId, orgId, path, ctx, sort, colour, q, limit: limit + 1, offset });
      const ancestors = await orgsByIds(db, path.split('/').filter(Boolean).slice(0, -1));
      const [act, supervise, vet] = await Promise.all([may('act'), may('supervise'), may('vet')]);
      const LEVEL_ORDER = ['city', 'district', 'unit', 'branch'];
      return {
        campaign: {
          id: campaign.id,
          name: campaign.name,
          status: campaign.status,
          minStudyDays: rules.minStudyDays ?? 6,
          warningDays: rules.warningDays ?? 3,
          mobiliseWithinDays: rules.mobiliseWithinDays ?? null,
          topicsMustBeVetted: rules.topicsMustBeVetted ?? true,
          immediateDays: rules.immediateDays ?? 7,
          startsOn: campaign.starts_on,
          endsOn: campaign.ends_on,
        },
        org: node(self!, campaignId, ctx),
        ancestors: ancestors
          .filter((a) => principal.role === 'admin' || a.path.startsWith(principal.orgPath))
          .sort((a, b) => a.path.length - b.path.length)
          .map((a) => ({ orgId: a.id, name: a.name })),
        can: { act, supervise, vet },
        levels: levels
          .map((l) => ({
            level: l.level,
            orgs: Number(l.orgs),
            reached: Number(l.reached),
            red: Number(l.red),
            yellow: Number(l.yellow),
            green: Number(l.green),
          }))
          .sort((a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level)),
        children: {
          items: rows.slice(0, limit).map((r) => node(r, campaignId, ctx)),
          total,
          nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null,
        },
      };
    },
  );
}

function node(r: OverviewRow, campaignId: string, ctx: ColourContext): z.infer<typeof Node> {
  const reached = r.org_id !== null;
  const judged = reached ? orgColour({ mobilised: r.mobilised_on !== null, own: r.own ?? {}, reachedAt: r.reached_at }, ctx) : undefined;
  // The SQL decided the colour the list is sorted and filtered by; the domain's function says why.
  if (judged && judged.colour !== r.colour) throw new Error(`colour rule mismatch for ${r.id}: SQL ${r.colour}, domain ${judged.colour}`);
  return {
    orgId: r.id,
    name: r.name,
    level: r.level,
    path: r.path,
    childCount: Number(r.child_count),
    workflowId: orgWorkflowId(campaignId, r.id),
    reached,
    status: r.status,
    mobilisedOn: r.mobilised_on,
    reachedAt: r.reached_at ? new Date(r.reached_at).toISOString() : null,
    components: r.components,
    own: r.own,
    subtree: r.subtree,
    details: r.details,
    colour: r.colour as z.infer<typeof Colour>,
    reasons: judged?.reasons ?? [],
  };
}
