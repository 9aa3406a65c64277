/**
 * 巡回指导组 / 暗访抽查 / 通报 through the API. An admin, or an organiser over the scope, forms a
 * guidance group: a name, an org scope and its inspectors, given as the ids of existing
 * inspector tokens whose org covers the scope. The group — those inspectors, an organiser over
 * the scope, an admin — starts rounds over the scope or a subtree of it, records interviews,
 * adds findings, issues them and circulates the notice. Before the findings are issued a round
 * is invisible (404) to everyone outside the group, sampled orgs included; afterwards whoever
 * reads a sampled org sees the round and the findings about its subtree. Circulated notices are
 * listed to every org under, or over, the group's scope. What the routes read and write comes
 * from db/models/inspections.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { startInspectionRound } from '../../client/inspections.js';
import {
  campaignState,
  circulatedNotices,
  directoryPath,
  directoryPaths,
  findingsOf,
  formGroup,
  groupsAt,
  guidanceGroup,
  inspectionRound,
  roundsOfGroup,
  tokensWithOrgPaths,
  type GroupReader,
  type GuidanceGroup,
} from '../../db/models/inspections.js';
import type { Database } from '../../db/schema.js';
import { ItemId } from '../../domain/commands.js';
import { PREVENTIONS, type InspectionRoundSpec } from '../../domain/inspection.js';
import { inspectionWorkflowId } from '../../domain/workflow-ids.js';
import { addFindingUpdate, circulateNoticeUpdate, issueFindingsUpdate, recordInterviewsUpdate } from '../../workflows/messages.js';
import { actor, principal, requireOrgAccess, requireRole, type Principal } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { conflict, forbidden, notFound, unprocessable } from '../problem.js';
import { ok, ORG_404, PageOf, responses } from '../openapi.js';
import { CampaignOrgParams, CampaignParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

const Text = (max: number) => z.string().trim().min(1).max(max);
const TokenId = z.string().regex(/^[0-9a-f]{12}$/, 'a token id as given out (12 hex digits)');

const GroupBody = z
  .object({
    groupId: ItemId,
    name: Text(200),
    scopeOrgId: z.string().min(1).max(64),
    inspectorTokenIds: z.array(TokenId).min(1).max(50),
  })
  .strict();
const RoundBody = z
  .object({
    roundId: ItemId,
    /** The subtree sampled; the group's scope when absent. */
    scopeOrgId: z.string().min(1).max(64).optional(),
    sampleSize: z.number().int().min(1).max(1000),
    /** Recorded in the round; a random one when absent. */
    seed: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII, no spaces, at most 128')
      .optional(),
    stratifyByLevel: z.boolean().default(false),
  })
  .strict();
const InterviewsBody = z.object({ count: z.number().int().min(1).max(10_000), notes: Text(4000) }).strict();
const FindingBody = z.object({ orgId: z.string().min(1).max(64), prevention: z.enum(PREVENTIONS), detail: Text(2000) }).strict();
const NoticeBody = z.object({ title: Text(200) }).strict();
const GroupParams = CampaignParams.extend({ groupId: ItemId });
const RoundParams = CampaignParams.extend({ roundId: ItemId });

const Created = (id: string) => z.object({ [id]: z.string(), created: z.boolean().describe('false: the same already existed (a retry)') });
const GroupView = z.object({
  groupId: z.string(),
  name: z.string(),
  scopeOrgId: z.string(),
  inspectorTokenIds: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string().nullable(),
  rounds: z.array(
    z.looseObject({
      round_id: z.string(),
      scope_org_id: z.string(),
      sample_size: z.number().int(),
      status: z.string(),
      started_at: z.string().nullable(),
      circulated_at: z.string().nullable(),
    }),
  ),
});
const Round = z.looseObject({
  round_id: z.string(),
  group_id: z.string(),
  scope_org_id: z.string(),
  seed: z.string(),
  sample_size: z.number().int(),
  sample: z.array(z.string()).describe('the sampled orgs the caller may see'),
  status: z.enum(['sampled', 'findings_issued', 'circulated']),
  notice_title: z.string().nullable(),
  notice_text: z.string().nullable(),
  started_at: z.string().nullable(),
  findings_issued_at: z.string().nullable(),
  circulated_at: z.string().nullable(),
  findings: z.array(
    z.looseObject({ finding_id: z.string(), org_id: z.string(), prevention: z.string(), detail: z.string(), by: z.string(), added_at: z.string().nullable() }),
  ),
});
const Notice = z.looseObject({
  round_id: z.string(),
  group_id: z.string(),
  group_name: z.string(),
  scope_org_id: z.string(),
  notice_title: z.string().nullable(),
  notice_text: z.string().nullable(),
  circulated_at: z.string().nullable(),
  sample: z.array(z.string()),
});
const GROUP_404 = 'no such round, or the caller is not of its group (a round is hidden from everyone else until its findings are issued)';
const GROUP_409 = 'the round has circulated its notice: it takes nothing more';
const BODY = { limit: '1 MiB' } as const;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The caller is of the group: an admin, an organiser whose org covers the scope, or one of its inspectors. */
function isOfGroup(p: Principal, group: GuidanceGroup): boolean {
  if (p.role === 'admin') return true;
  if (p.role === 'organiser') return group.scope_path.startsWith(p.orgPath);
  return p.role === 'inspector' && group.inspector_token_ids.includes(p.tokenId);
}

export function inspectionRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  app.post(
    '/campaigns/:id/guidance-groups',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Form a guidance group (巡回指导组): inspectors (inspector token ids) bound to an org scope',
        params: CampaignParams,
        body: GroupBody,
        response: responses(
          { 201: ok(Created('groupId'), 'Formed'), 200: ok(Created('groupId'), 'Already formed with this same name, scope and inspectors') },
          {
            body: BODY,
            403: 'only an admin or an organiser forms a group',
            404: 'no such campaign, or no org `scopeOrgId` or one outside the organiser’s subtree (answered alike)',
            409: 'a group with this id exists with another name, scope or inspectors',
            422: '`scopeOrgId` is outside the campaign, or an `inspectorTokenIds` entry is not a live inspector token whose org is the scope or above it',
          },
        ),
      },
    },
    async (request, reply) => {
      const p = requireRole(request, ['organiser']);
      const { path: scopePath } = await requireOrgAccess(db, request, request.body.scopeOrgId, 'act');
      const campaign = await loadCampaign(db, request.params.id);
      if (!scopePath.startsWith((await directoryPath(db, campaign.root_org_id)) ?? '\0')) {
        throw unprocessable(`org ${request.body.scopeOrgId} is outside campaign ${campaign.id}`, [
          { path: 'body.scopeOrgId', message: 'outside the campaign' },
        ]);
      }
      const ids = [...new Set(request.body.inspectorTokenIds)];
      const found = await tokensWithOrgPaths(db, ids);
      // An inspector the group names must read the whole scope: its token's org is the scope or above it.
      const bad = ids.filter((id) => {
        const t = found.find((f) => f.id === id);
        return !t || t.role !== 'inspector' || t.revoked_at !== null || !t.path || !scopePath.startsWith(t.path);
      });
      if (bad.length) {
        throw unprocessable(`not live inspector tokens over ${request.body.scopeOrgId}: ${bad.join(', ')}`, [
          { path: 'body.inspectorTokenIds', message: `not inspectors over the scope: ${bad.join(', ')}` },
        ]);
      }
      const row = {
        group_id: request.body.groupId,
        name: request.body.name,
        scope_org_id: request.body.scopeOrgId,
        scope_path: scopePath,
        inspector_token_ids: ids,
        created_by: actor(p),
      };
      const inserted = await formGroup(db, campaign.id, row);
      if (!inserted) {
        const held = await loadGroup(db, campaign.id, request.body.groupId);
        const same =
          held.name === row.name &&
          held.scope_org_id === row.scope_org_id &&
          JSON.stringify([...held.inspector_token_ids].sort()) === JSON.stringify([...ids].sort());
        if (!same) throw conflict(`guidance group ${request.body.groupId} already exists with another name, scope or inspectors`);
      }
      return reply.code(inserted ? 201 : 200).send({ groupId: request.body.groupId, created: inserted });
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/guidance-groups',
    {
      schema: {
        tags: ['spot checks'],
        summary:
          'The guidance groups at work on an org (their scope holds it, or lies within its subtree) that the caller is of (an admin: all; an organiser: those scoped within its subtree; an inspector: those naming it), by id; an empty page for anyone of no group',
        params: CampaignOrgParams,
        querystring: Page.strict(),
        response: responses(
          { 200: ok(PageOf(GroupView.omit({ rounds: true })), 'A page of groups, by id') },
          { badRequest: 'A `cursor` not given out by this API.', 404: ORG_404 },
        ),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      const { principal: p, path } = await requireOrgAccess(db, request, orgId, 'read');
      await loadCampaign(db, id);
      const { limit, cursor } = request.query;
      const offset = offsetFromCursor(cursor);
      // The same rule as isOfGroup, in SQL: only the caller's own groups, so the page is whole.
      const reader: GroupReader | undefined =
        p.role === 'admin'
          ? { all: true }
          : p.role === 'organiser'
            ? { organiserPath: p.orgPath }
            : p.role === 'inspector'
              ? { inspectorTokenId: p.tokenId }
              : undefined;
      if (!reader) return { items: [], nextCursor: null };
      const rows = await groupsAt(db, { campaignId: id, path, reader, limit: limit + 1, offset });
      return {
        items: rows.slice(0, limit).map(groupView),
        nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null,
      };
    },
  );

  app.get(
    '/campaigns/:id/guidance-groups/:groupId',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'A guidance group and its rounds (the group only)',
        params: GroupParams,
        response: responses(
          { 200: ok(GroupView, 'The group and its rounds') },
          { 403: 'only the group (an admin, an organiser over its scope, its inspectors) reads it', 404: 'no such group in the campaign' },
        ),
      },
    },
    async (request) => {
      const group = await loadGroup(db, request.params.id, request.params.groupId);
      if (!isOfGroup(principal(request), group)) throw forbidden(`only guidance group ${group.group_id} reads it`);
      const rounds = await roundsOfGroup(db, request.params.id, group.group_id);
      return { ...groupView(group), rounds: rounds.map((r) => ({ ...r, started_at: iso(r.started_at), circulated_at: iso(r.circulated_at) })) };
    },
  );

  app.post(
    '/campaigns/:id/guidance-groups/:groupId/inspection-rounds',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Start an inspection round (暗访抽查): N orgs of the subtree sampled from a recorded seed; nothing is told to them',
        params: GroupParams,
        body: RoundBody,
        response: responses(
          {
            201: ok(Created('roundId').extend({ seed: z.string() }), 'Started, with the seed it samples from'),
            200: ok(Created('roundId').extend({ seed: z.string() }), 'Already started with this same group, scope, size (and seed)'),
          },
          {
            body: BODY,
            temporal: true,
            403: 'only the group (an admin, an organiser over its scope, its inspectors) starts its rounds',
            404: 'no such group or campaign',
            409: 'the campaign is not running; a round with this id exists with another group, scope, size or seed',
            422: '`scopeOrgId` is not in the directory or outside the group’s scope',
          },
        ),
      },
    },
    async (request, reply) => {
      const { id, groupId } = request.params;
      const group = await loadGroup(db, id, groupId);
      const p = principal(request);
      if (!isOfGroup(p, group)) throw forbidden(`only guidance group ${group.group_id} starts its rounds`);
      const campaign = await loadCampaign(db, id);
      if (campaign.status !== 'running') throw conflict(`campaign ${id} is ${campaign.status}: it takes no new rounds`);
      const scopeOrgId = request.body.scopeOrgId ?? group.scope_org_id;
      const path = await directoryPath(db, scopeOrgId);
      if (!path) throw unprocessable(`org ${scopeOrgId} is not in the directory`, [{ path: 'body.scopeOrgId', message: 'unknown org' }]);
      if (!path.startsWith(group.scope_path))
        throw unprocessable(`org ${scopeOrgId} is outside the group's scope (${group.scope_org_id})`, [
          { path: 'body.scopeOrgId', message: `outside ${group.scope_org_id}` },
        ]);
      const round: InspectionRoundSpec = {
        roundId: request.body.roundId,
        groupId,
        scopeOrgId,
        sampleSize: request.body.sampleSize,
        seed: request.body.seed ?? randomBytes(8).toString('hex'),
        stratifyByLevel: request.body.stratifyByLevel,
        inspectors: group.inspector_token_ids.map((t) => `inspector:${t}`),
        startedBy: actor(p),
      };
      const { created } = await startInspectionRound(temporal.client, temporal.taskQueue, id, round);
      if (!created) {
        const held = await inspectionRound(db, id, round.roundId);
        const same =
          held &&
          held.group_id === groupId &&
          held.scope_org_id === scopeOrgId &&
          held.sample_size === round.sampleSize &&
          held.stratify_by_level === round.stratifyByLevel &&
          (request.body.seed === undefined || held.seed === request.body.seed);
        if (!same) throw conflict(`round ${round.roundId} already exists with another group, scope, size or seed`);
        return reply.code(200).send({ roundId: round.roundId, seed: held.seed, created: false });
      }
      return reply.code(201).send({ roundId: round.roundId, seed: round.seed, created: true });
    },
  );

  app.get(
    '/campaigns/:id/inspection-rounds/:roundId',
    {
      schema: {
        tags: ['spot checks'],
        summary:
          'A round: seed, sample, interviews, findings and notice. Before its findings are issued only the group sees it (404 to others); then whoever reads a sampled org sees what concerns its subtree',
        params: RoundParams,
        // Never a 403: it would tell an outsider that the round exists.
        response: responses({ 200: ok(Round, 'The round as the caller may see it') }, { 404: 'no such round, or not (yet) visible to the caller' }),
      },
    },
    async (request) => {
      const { id, roundId } = request.params;
      const hidden = () => notFound(`inspection round ${roundId}`);
      const round = await inspectionRound(db, id, roundId);
      if (!round) throw hidden();
      const group = await loadGroup(db, id, round.group_id);
      const p = principal(request);
      const findings = await findingsOf(db, id, roundId);
      let visible: (orgId: string) => boolean = () => true;
      if (!isOfGroup(p, group)) {
        if (round.status === 'sampled') throw hidden();
        const sample = round.sample;
        const paths = await directoryPaths(db, sample);
        const readable = new Set(paths.filter((o) => o.path.startsWith(p.orgPath)).map((o) => o.id));
        if (readable.size === 0) throw hidden();
        visible = (orgId) => readable.has(orgId);
      }
      const { campaign_id: _c, ...rest } = round;
      return {
        ...rest,
        sample: round.sample.filter(visible),
        started_at: iso(round.started_at),
        findings_issued_at: iso(round.findings_issued_at),
        circulated_at: iso(round.circulated_at),
        updated_at: iso(round.updated_at),
        findings: findings.filter((f) => visible(f.org_id)).map(({ campaign_id: _fc, round_id: _r, ...f }) => ({ ...f, added_at: iso(f.added_at) })),
      };
    },
  );

  /** The round's workflow, once the caller is of its group (404 to anyone else, as the read) and the round still open (409). */
  const roundOfGroup = async (request: Parameters<typeof principal>[0], id: string, roundId: string) => {
    const round = await inspectionRound(db, id, roundId);
    if (!round) throw notFound(`inspection round ${roundId}`);
    const p = principal(request);
    if (!isOfGroup(p, await loadGroup(db, id, round.group_id))) throw notFound(`inspection round ${roundId}`);
    // Its workflow has ended with the notice: nothing more is taken.
    if (round.status === 'circulated') throw conflict(`round ${roundId} has circulated its notice: it takes nothing more`);
    return { p, sample: round.sample, handle: temporal.client.workflow.getHandle(inspectionWorkflowId(id, roundId)) };
  };

  app.post(
    '/campaigns/:id/inspection-rounds/:roundId/interviews',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Record interviews (个别访谈): how many people, and notes',
        params: RoundParams,
        body: InterviewsBody,
        response: responses(
          { 200: ok(z.looseObject({ interviews: z.number().int().describe('the round’s total so far') }), 'Recorded') },
          { body: BODY, temporal: true, 404: GROUP_404, 409: GROUP_409 },
        ),
      },
    },
    async (request) => {
      const { p, handle } = await roundOfGroup(request, request.params.id, request.params.roundId);
      return handle.executeUpdate(recordInterviewsUpdate, { args: [{ ...request.body, by: actor(p) }] });
    },
  );

  app.post(
    '/campaigns/:id/inspection-rounds/:roundId/findings',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Add a finding by hand about a sampled org, under one of the six preventions',
        params: RoundParams,
        body: FindingBody,
        response: responses(
          { 201: ok(z.looseObject({ findingId: z.string(), orgId: z.string(), prevention: z.string(), detail: z.string(), by: z.string() }), 'Added') },
          { body: BODY, temporal: true, 404: GROUP_404, 409: `${GROUP_409}; the findings are already issued`, 422: '`orgId` is not in the round’s sample' },
        ),
      },
    },
    async (request, reply) => {
      const { p, sample, handle } = await roundOfGroup(request, request.params.id, request.params.roundId);
      if (!sample.includes(request.body.orgId))
        throw unprocessable(`org ${request.body.orgId} is not in the round's sample`, [{ path: 'body.orgId', message: 'not in the sample' }]);
      return reply.code(201).send(await handle.executeUpdate(addFindingUpdate, { args: [{ ...request.body, by: actor(p) }] }));
    },
  );

  app.post(
    '/campaigns/:id/inspection-rounds/:roundId/issue',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Issue the findings: each becomes an item (source spot_check) in its org’s ledger; the sampled orgs then see the round',
        params: RoundParams,
        body: z.object({}).strict(),
        response: responses(
          {
            200: ok(
              z.looseObject({ issued: z.number().int(), undelivered: z.array(z.string()).describe('orgs the campaign has not reached: their findings wait') }),
              'Issued',
            ),
          },
          { body: BODY, temporal: true, 404: GROUP_404, 409: `${GROUP_409}; the findings are already issued` },
        ),
      },
    },
    async (request) => {
      const { p, handle } = await roundOfGroup(request, request.params.id, request.params.roundId);
      return handle.executeUpdate(issueFindingsUpdate, { args: [{ by: actor(p) }] });
    },
  );

  app.post(
    '/campaigns/:id/inspection-rounds/:roundId/notice',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Circulate the notice (通报) naming the orgs and their findings; ends the round',
        params: RoundParams,
        body: NoticeBody,
        response: responses(
          { 200: ok(z.looseObject({ title: z.string(), text: z.string() }), 'Circulated: the round ends') },
          { body: BODY, temporal: true, 404: GROUP_404, 409: `${GROUP_409}; the findings are not issued yet` },
        ),
      },
    },
    async (request) => {
      const { p, handle } = await roundOfGroup(request, request.params.id, request.params.roundId);
      return handle.executeUpdate(circulateNoticeUpdate, { args: [{ title: request.body.title, by: actor(p) }] });
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/inspection-notices',
    {
      schema: {
        tags: ['spot checks'],
        summary: 'Circulated notices (通报) of the groups whose scope holds the org, or lies within its subtree',
        params: CampaignOrgParams,
        querystring: Page.strict(),
        response: responses(
          { 200: ok(PageOf(Notice), 'A page of notices, newest first') },
          { badRequest: 'A `cursor` not given out by this API.', 404: ORG_404 },
        ),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const { limit, cursor } = request.query;
      const offset = offsetFromCursor(cursor);
      const rows = await circulatedNotices(db, { campaignId: id, path, limit: limit + 1, offset });
      return {
        items: rows.slice(0, limit).map((r) => ({ ...r, circulated_at: iso(r.circulated_at) })),
        nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null,
      };
    },
  );
}

function groupView(g: GuidanceGroup) {
  return {
    groupId: g.group_id,
    name: g.name,
    scopeOrgId: g.scope_org_id,
    inspectorTokenIds: g.inspector_token_ids,
    createdBy: g.created_by,
    createdAt: iso(g.created_at),
  };
}

async function loadGroup(db: Kysely<Database>, campaignId: string, groupId: string): Promise<GuidanceGroup> {
  const g = await guidanceGroup(db, campaignId, groupId);
  if (!g) throw notFound(`guidance group ${groupId} in campaign ${campaignId}`);
  return g;
}

async function loadCampaign(db: Kysely<Database>, id: string) {
  const campaign = await campaignState(db, id);
  if (!campaign) throw notFound(`campaign ${id}`);
  return campaign;
}
