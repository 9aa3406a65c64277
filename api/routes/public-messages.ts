/**
 * 民意直通车 through the API. Anyone may send a campaign a message (rate limited per
 * address, small bodies only) and gets an unguessable tracking code; with it, and only
 * with it, the sender reads its own message's status and dates. The campaign office (the
 * campaign's root org) sets the routing rules and triages what no rule routes; readers of
 * an org see the messages routed into their subtree and the figures (the office: all).
 * What the routes read and write comes from db/models/public-messages.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { startPublicMessage } from '../../client/public-messages.js';
import {
  campaignForMessages,
  forgetTrackingCode,
  hasMessage,
  keepTrackingCode,
  messagesIn,
  placeInCampaign,
  replaceRoutingRules,
  routingRules,
  runningCampaigns,
  trackedMessage,
} from '../../db/models/public-messages.js';
import type { Database } from '../../db/schema.js';
import { PublicMessageRoutes, PublicMessageSubmission, senderStatus } from '../../domain/public-message.js';
import { publicMessageWorkflowId } from '../../domain/workflow-ids.js';
import { hashTrackingCode, newTrackingCode, TRACKING_CODE } from '../tracking-code.js';
import { triagePublicMessageUpdate } from '../../workflows/messages.js';
import { actor, requireOrgAccess, requireRole } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { SecretIdempotencyKey, sendCreatedOnce } from '../idempotency.js';
import { conflict, notFound, ProblemError, unprocessable } from '../problem.js';
import { tokenBucket } from '../rate-limit.js';
import { IDEMPOTENCY_KEY_REUSED, ok, ORG_404, responses, Timestamp } from '../openapi.js';
import { CampaignOrgParams, CampaignParams } from './campaigns.js';
import { encodeCursor, offsetFromCursor, Page } from './paging.js';

/** The routes that need no token (api/app.ts lets them through). */
export const PUBLIC_MESSAGE_ROUTES = ['/public-campaigns', '/campaigns/:id/public-messages', '/campaigns/:id/public-messages/track/:code'] as const;

/** A message is at most 2,000 characters (6 KB in UTF-8) and a few short fields. */
const SUBMIT_BODY_LIMIT = 16 * 1024;

const SenderStatus = z.enum(['received', 'routed', 'in_rectification', 'resolved', 'flagged']);
const Submitted = z.object({ trackingCode: z.string(), status: SenderStatus, receivedAt: z.string(), statusUrl: z.string() });
const PublicCampaign = z.object({ id: z.string(), name: z.string(), startsOn: z.string(), endsOn: z.string() });
const Tracked = z.object({
  status: SenderStatus,
  receivedAt: z.string(),
  routedAt: z.string().nullable(),
  rectificationStartedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  flaggedAt: z.string().nullable(),
});

/** The one answer to every code that finds nothing: wrong, guessed, another campaign's, or no such campaign. */
const noSuchCode = () => new ProblemError(404, 'Not Found', 'no public message has this tracking code');

const MessageState = z.enum(['received', 'awaiting_triage', 'routed', 'in_rectification', 'resolved']);
const ListQuery = Page.extend({ state: MessageState.optional(), flagged: z.enum(['true', 'false']).optional() }).strict();
const TriageBody = z.object({ toOrgId: z.string().min(1).max(64) }).strict();
const RoutesBody = z.object({ routes: PublicMessageRoutes }).strict();

const Message = z.looseObject({
  message_id: z.string(),
  category: z.string(),
  area: z.string(),
  text: z.string(),
  contact: z.string().nullable(),
  state: MessageState,
  org_id: z.string().nullable().describe('the org it was routed to'),
  problem_id: z.string().nullable(),
  received_at: Timestamp,
  deadline: Timestamp,
  routed_at: Timestamp.nullable(),
  flagged_at: Timestamp.nullable(),
  resolved_at: Timestamp.nullable(),
});
const MessageFigures = z.object({
  received: z.number().int(),
  routed: z.number().int(),
  routedSameDay: z.number().int(),
  awaitingTriage: z.number().int(),
  flagged: z.number().int(),
  inRectification: z.number().int(),
  resolved: z.number().int(),
});
const Route = z.object({ category: z.string().optional(), area: z.string().optional(), orgId: z.string() });
const OFFICE_ACT_403 = 'only an admin or an organiser over the campaign’s root org';
const RATE_LIMITED = 'Too many requests from this address';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function publicMessageRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  // Sending: a burst of 5, then one a minute, per address. Tracking: a burst of 30, then one every 2 s.
  // Counted in the database, shared by every API process (api/rate-limit.ts).
  const submitLimit = tokenBucket({ capacity: 5, refillEveryMs: 60_000 });
  const trackLimit = tokenBucket({ capacity: 30, refillEveryMs: 2_000 });

  app.post(
    '/campaigns/:id/public-messages',
    {
      bodyLimit: SUBMIT_BODY_LIMIT,
      config: { rateLimit: submitLimit },
      schema: {
        tags: ['public messages'],
        summary: 'Send a campaign a public message (民意直通车); no token; answers a tracking code',
        description: `Rate limited per address (429 with Retry-After); bodies over ${SUBMIT_BODY_LIMIT} bytes are refused (413). Keep the tracking code: it is the only way to read the message's status, and it is not stored anywhere in readable form. With an \`Idempotency-Key\` (32 to 80 characters, e.g. a random UUID) a retry gets the first answer back and the message is sent once (the kept answer is sealed under the key).`,
        security: [],
        params: CampaignParams,
        body: PublicMessageSubmission,
        headers: z.object({
          'idempotency-key': SecretIdempotencyKey.optional().describe(
            '32 to 80 characters (a random UUID): a retry under it gets the same tracking code back; the same key with a different request is a 422',
          ),
        }),
        response: responses(
          {
            201: ok(
              Submitted,
              'Received: keep the tracking code (a replay under the same Idempotency-Key gets the same code, with `Idempotent-Replayed: true`)',
            ),
          },
          {
            public: true,
            body: { limit: `${SUBMIT_BODY_LIMIT / 1024} KiB` },
            temporal: true,
            404: 'no such campaign',
            409: 'the campaign is not running',
            422: IDEMPOTENCY_KEY_REUSED,
            429: `${RATE_LIMITED}: a burst of 5, then one a minute`,
          },
        ),
      },
    },
    async (request, reply) => {
      const campaign = await campaignForMessages(db, request.params.id);
      if (!campaign) throw notFound(`campaign ${request.params.id}`);
      if (campaign.status !== 'running') throw conflict(`campaign ${campaign.id} is ${campaign.status}: it takes no more messages`);
      const triageSeconds = (campaign.rules as { publicMessageTriageSeconds?: number }).publicMessageTriageSeconds ?? null;
      const { text, category, area } = request.body;
      const submit = async (into: Kysely<Database>) => {
        for (let attempt = 0; ; attempt++) {
          const messageId = randomBytes(8).toString('hex');
          const code = newTrackingCode();
          const codeHash = hashTrackingCode(code);
          const created_at = await keepTrackingCode(into, { codeHash, campaignId: campaign.id, messageId });
          // No message without a workflow: when none starts, the code is forgotten (and the sender told to try again).
          const forget = () => forgetTrackingCode(into, codeHash);
          const started = await startPublicMessage(temporal.client, temporal.taskQueue, campaign.id, {
            messageId,
            text,
            category,
            area,
            contact: request.body.contact ?? null,
            officeOrgId: campaign.root_org_id,
            triageSeconds,
          }).catch(async (err: unknown) => {
            await forget();
            throw err;
          });
          if (!started.created) {
            await forget();
            if (attempt < 2) continue;
            throw new Error(`public message ids were taken ${attempt + 1} times in a row (campaign ${campaign.id})`);
          }
          return {
            trackingCode: code,
            status: 'received' as const,
            receivedAt: iso(created_at)!,
            statusUrl: `/campaigns/${campaign.id}/public-messages/track/${code}`,
          };
        }
      };
      // A retry under the same key (a dropped connection, a second tap) gets the first code, and the message is sent once.
      return sendCreatedOnce(db, reply, { scope: `public-messages:${campaign.id}`, key: request.headers['idempotency-key'], request: request.body }, submit);
    },
  );

  // The citizen's page starts here: which campaigns take messages, by name, so nobody types an id.
  const listLimit = tokenBucket({ capacity: 30, refillEveryMs: 2_000 });
  app.get(
    '/public-campaigns',
    {
      config: { rateLimit: listLimit },
      schema: {
        tags: ['public messages'],
        summary: 'The campaigns that take public messages now (running), by name; no token',
        description: 'Rate limited per address (429 with Retry-After). Only a running campaign takes messages; what else a campaign holds is not public.',
        security: [],
        response: responses(
          { 200: ok(z.object({ items: z.array(PublicCampaign) }), 'The running campaigns, newest first (at most 50)') },
          { public: true, 429: `${RATE_LIMITED}: a burst of 30, then one every 2 s` },
        ),
      },
    },
    async () => ({
      items: await runningCampaigns(db),
    }),
  );

  app.get(
    '/campaigns/:id/public-messages/track/:code',
    {
      config: { rateLimit: trackLimit },
      // The code is a bearer secret: the request log shows the route, not the code.
      logSerializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: req.url.replace(/\/track\/[^/?]*/, '/track/[code]') }),
      },
      schema: {
        tags: ['public messages'],
        summary: 'The status and dates of the message this tracking code belongs to; no token',
        description: 'Rate limited per address (429 with Retry-After). Any code that finds nothing answers the same 404.',
        security: [],
        // No longer than the longest id any route takes (an escalation id, 300): a code is 24 characters.
        params: CampaignParams.extend({ code: z.string().max(300) }),
        response: responses(
          { 200: ok(Tracked, 'The message’s status and dates, nothing else') },
          {
            public: true,
            404: 'no message has this tracking code in this campaign (the same answer for any code that finds nothing)',
            429: `${RATE_LIMITED}: a burst of 30, then one every 2 s`,
          },
        ),
      },
    },
    async (request) => {
      const { id, code } = request.params;
      if (!TRACKING_CODE.test(code)) throw noSuchCode();
      const row = await trackedMessage(db, id, hashTrackingCode(code));
      if (!row) throw noSuchCode();
      return {
        // Until the workflow has recorded the message, it is received as of the code's issue.
        status: senderStatus(row.state ?? 'received', row.flagged_at !== null),
        receivedAt: iso(row.received_at ?? row.created_at)!,
        routedAt: iso(row.routed_at),
        rectificationStartedAt: iso(row.rectification_started_at),
        resolvedAt: iso(row.resolved_at),
        flaggedAt: iso(row.flagged_at),
      };
    },
  );

  app.get(
    '/campaigns/:id/orgs/:orgId/public-messages',
    {
      schema: {
        tags: ['public messages'],
        summary: 'Public messages routed into the org’s subtree (the campaign office: every message) and their figures',
        params: CampaignOrgParams,
        querystring: ListQuery,
        response: responses(
          {
            200: ok(
              z.object({ figures: MessageFigures, items: z.array(Message), nextCursor: z.string().nullable() }),
              'The figures over the subtree and a page of its messages',
            ),
          },
          { badRequest: 'A `cursor` not given out by this API.', 404: `${ORG_404}; or no such campaign` },
        ),
      },
    },
    async (request) => {
      const { id, orgId } = request.params;
      const { path } = await requireOrgAccess(db, request, orgId, 'read');
      const campaign = await loadCampaign(db, id);
      const { limit, cursor, state, flagged } = request.query;
      const offset = offsetFromCursor(cursor);
      const { figures, rows } = await messagesIn(db, {
        campaignId: id,
        path: campaign.root_org_id === orgId ? null : path,
        state,
        flagged: flagged === undefined ? undefined : flagged === 'true',
        limit: limit + 1,
        offset,
      });
      return {
        figures,
        items: rows.slice(0, limit).map(({ campaign_id: _c, org_path: _p, ...m }) => m),
        nextCursor: rows.length > limit ? encodeCursor(String(offset + limit)) : null,
      };
    },
  );

  app.post(
    '/campaigns/:id/orgs/:orgId/public-messages/:messageId/routing',
    {
      schema: {
        tags: ['public messages'],
        summary: 'The campaign office routes a message no rule routed to the responsible org (triage)',
        params: CampaignOrgParams.extend({ messageId: z.string().regex(/^[0-9a-f]{16}$/, 'a message id as given out') }),
        body: TriageBody,
        response: responses(
          {
            200: ok(z.looseObject({ messageId: z.string(), toOrgId: z.string(), sameDay: z.boolean() }), 'Routed: the message is an item in that org’s ledger'),
          },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: 'only the org’s own secretary or organiser, or an organiser above it, acts for the org',
            404: `${ORG_404}; or no such campaign or message`,
            409: 'the org is not the campaign office (its root), or the message is already routed',
            422: '`toOrgId` is not in the directory or outside the campaign',
          },
        ),
      },
    },
    async (request) => {
      const { id, orgId, messageId } = request.params;
      const { principal } = await requireOrgAccess(db, request, orgId, 'act');
      const campaign = await loadCampaign(db, id);
      if (campaign.root_org_id !== orgId) throw conflict(`only the campaign office (${campaign.root_org_id}) triages public messages`);
      if (!(await hasMessage(db, id, messageId))) throw notFound(`public message ${messageId} in campaign ${id}`);
      await requireInCampaign(db, campaign.root_org_id, request.body.toOrgId, 'body.toOrgId');
      return temporal.client.workflow
        .getHandle(publicMessageWorkflowId(id, messageId))
        .executeUpdate(triagePublicMessageUpdate, { args: [{ toOrgId: request.body.toOrgId, by: actor(principal) }] });
    },
  );

  app.put(
    '/campaigns/:id/public-message-routes',
    {
      schema: {
        tags: ['public messages'],
        summary: 'Set the campaign’s routing rules for public messages (replaces the list); the most specific matching rule wins',
        params: CampaignParams,
        body: RoutesBody,
        response: responses(
          { 200: ok(RoutesBody, 'The rules, as set') },
          {
            body: { limit: '1 MiB' },
            403: OFFICE_ACT_403,
            404: 'no such campaign, or its root org is outside the organiser’s subtree (answered alike)',
            422: 'an `orgId` not in the directory or outside the campaign (`errors` names `body.routes.N.orgId`)',
          },
        ),
      },
    },
    async (request) => {
      const campaign = await loadCampaign(db, request.params.id);
      const p = requireRole(request, ['organiser']);
      await requireOrgAccess(db, request, campaign.root_org_id, 'act');
      const { routes } = request.body;
      for (const [i, r] of routes.entries()) await requireInCampaign(db, campaign.root_org_id, r.orgId, `body.routes.${i}.orgId`);
      await replaceRoutingRules(db, campaign.id, routes, actor(p));
      return { routes };
    },
  );

  app.get(
    '/campaigns/:id/public-message-routes',
    {
      schema: {
        tags: ['public messages'],
        summary: 'The campaign’s routing rules for public messages',
        params: CampaignParams,
        response: responses(
          {
            200: ok(
              z.object({ routes: z.array(Route.extend({ setBy: z.string(), setAt: z.string().nullable() })) }),
              'The rules in order, with who set them and when',
            ),
          },
          { 404: 'no such campaign, or its root org is outside the caller’s subtree (answered alike)' },
        ),
      },
    },
    async (request) => {
      const campaign = await loadCampaign(db, request.params.id);
      await requireOrgAccess(db, request, campaign.root_org_id, 'read');
      const rows = await routingRules(db, campaign.id);
      return {
        routes: rows.map((r) => ({
          ...(r.category !== null ? { category: r.category } : {}),
          ...(r.area !== null ? { area: r.area } : {}),
          orgId: r.org_id,
          setBy: r.set_by,
          setAt: iso(r.set_at),
        })),
      };
    },
  );
}

async function loadCampaign(db: Kysely<Database>, id: string) {
  const campaign = await campaignForMessages(db, id);
  if (!campaign) throw notFound(`campaign ${id}`);
  return campaign;
}

/** A 422 naming the field unless the org is in the directory under the campaign's root. */
async function requireInCampaign(db: Kysely<Database>, rootOrgId: string, orgId: string, field: string): Promise<void> {
  const place = await placeInCampaign(db, rootOrgId, orgId);
  if (place === 'unknown') throw unprocessable(`org ${orgId} is not in the directory`, [{ path: field, message: 'unknown org' }]);
  if (place === 'outside') throw unprocessable(`org ${orgId} is outside the campaign (under ${rootOrgId})`, [{ path: field, message: 'outside the campaign' }]);
}
