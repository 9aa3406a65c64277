/**
 * What an org's people do, each a Temporal Update on the org's workflow: the workflow
 * validates and decides, and the caller gets its answer or its refusal as problem+json.
 * Item ids may be chosen by the client; otherwise an `Idempotency-Key` header (or a
 * fresh UUID) provides one, and the same key is the Update's id, so a retry after a
 * timeout returns the first answer and records nothing twice. The first answer is also
 * kept in `idempotency_keys`, so a retry still gets it after Temporal has forgotten the
 * update id (a continued-as-new run), and the same key with a different request is a
 * 422 rather than a silent replay of the first one.
 *
 * An answer taken from `idempotency_keys` carries `Idempotent-Replayed: true`, as every
 * replay does (api/idempotency.ts). One that Temporal's update-id dedup gives back before
 * the key was stored (a retry racing the first request, or the first request's answer lost
 * between Temporal and the database) does not: Temporal answers a duplicate update id
 * exactly as the first, with nothing to tell them apart, and asking it would cost a
 * describe per request. Such a retry is also the one whose first answer no client has seen,
 * so for the caller it is the first answer; and nothing was recorded twice either way.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { keepAnswer, keptAnswer } from '../../db/models/idempotency-keys.js';
import { ItemId } from '../../domain/commands.js';
import { orgCommands, type AnyOrgCommand, type OrgCommandName } from '../../workflows/org-node-messages.js';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { actor, requireOrgAccess, type Principal } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { hashRequest, IdempotencyKey, keyUsedForAnotherRequest, REPLAYED } from '../idempotency.js';
import { IDEMPOTENCY_KEY_REUSED, ok, ORG_404, responses } from '../openapi.js';
import { sendOrgCommand } from '../org-command.js';
import { CampaignOrgParams } from './campaigns.js';

type Access = 'act' | 'supervise' | 'vet';

/** The route's own parts; the update it sends and the schema of its body come from the command's entry in `orgCommands`. */
interface Action {
  path: string;
  summary: string;
  command: OrgCommandName;
  /** The body is the command's schema less `by` (the API fills it); this shapes it for the route (an id made optional, path fields out). */
  body?: (schema: z.ZodObject) => z.ZodObject;
  access: Access;
  /** The body field holding the item's id, filled from the Idempotency-Key when absent. */
  idField?: string;
  /** Fields taken from the path. */
  fromPath?: string[];
  /** Fields the API fills from the caller. */
  fromCaller?: (p: Principal) => Record<string, unknown>;
  /** The workflow's answer (the decision's return type, workflows/org-node-messages.ts), loose: a workflow may add to it. */
  answer: z.ZodObject;
  /** Rules of this action the workflow refuses with 422, beyond the shared ones (dates within the campaign, not in the future). */
  rules?: string;
  /** What makes a 409 for this action, beyond the shared ones. */
  clashes?: string;
}

const ItemAnswer = z.looseObject({ problemId: z.string(), status: z.string() });

const withoutBy = <S extends z.ZodObject>(s: S) => s.omit({ by: true } as never) as unknown as z.ZodObject;
const optionalId = (s: z.ZodObject, field: string) => s.extend({ [field]: ItemId.optional() });
const verifier = (p: Principal) => ({ verifierRole: p.role, verifierOrgId: p.orgId });

const ACTIONS: Action[] = [
  {
    path: 'mobilisation',
    summary: 'Record the mobilisation meeting (动员部署); the campaign then cascades to the children',
    command: 'mobilise',
    answer: z.looseObject({ date: z.string(), attendance: z.number() }),
    clashes: 'the mobilisation is already recorded',
    access: 'act',
  },
  {
    path: 'study-sessions',
    summary: 'Record a study session',
    command: 'recordStudySession',
    body: (s) => optionalId(s, 'sessionId'),
    answer: z.looseObject({ sessionId: z.string(), counted: z.boolean(), reason: z.string().nullable(), daysCounted: z.number(), minDays: z.number() }),
    access: 'act',
    idField: 'sessionId',
  },
  {
    path: 'topics',
    summary: 'Propose a research topic (near-duplicates are flagged)',
    command: 'proposeTopic',
    body: (s) => optionalId(s, 'topicId'),
    answer: z.looseObject({ topicId: z.string(), status: z.string(), similarTo: z.array(z.string()).describe('near-duplicate topics of the org') }),
    clashes: 'the topic exists and was not returned',
    access: 'act',
    idField: 'topicId',
  },
  {
    path: 'topics/:topicId/vetting',
    summary: 'Vet a research topic (把关): the org’s secretary or an inspector approves it, or returns it with a reason',
    command: 'vetTopic',
    body: (s) => s.omit({ topicId: true }),
    answer: z.looseObject({ topicId: z.string(), status: z.string() }),
    rules: 'a returned topic needs a `reason`',
    clashes: 'the topic is not awaiting vetting',
    access: 'vet',
    fromPath: ['topicId'],
  },
  {
    path: 'reports',
    summary: 'Submit a research report against an approved topic',
    command: 'submitReport',
    body: (s) => optionalId(s, 'reportId'),
    answer: z.looseObject({ reportId: z.string(), topicReports: z.number() }),
    clashes: 'the topic is not approved',
    access: 'act',
    idField: 'reportId',
  },
  {
    path: 'problems',
    summary: 'Record a problem in the ledger',
    command: 'recordProblem',
    body: (s) => optionalId(s, 'problemId'),
    answer: ItemAnswer,
    rules: 'an immediate item (立行立改) is done within `rules.immediateDays`',
    clashes: 'the problem already exists',
    access: 'act',
    idField: 'problemId',
  },
  {
    path: 'problems/:problemId/plan',
    summary: 'Plan a rectification: owner, measures, deadline',
    command: 'planRectification',
    body: (s) => s.omit({ problemId: true }),
    answer: ItemAnswer.extend({ deadline: z.string() }),
    rules: 'the deadline has already passed; an immediate item’s deadline is within `rules.immediateDays`',
    clashes: 'the item is not in a state that takes this',
    access: 'act',
    fromPath: ['problemId'],
  },
  {
    path: 'problems/:problemId/start',
    summary: 'Start the rectification',
    command: 'startRectification',
    body: (s) => s.omit({ problemId: true }),
    answer: ItemAnswer,
    clashes: 'the item is not in a state that takes this',
    access: 'act',
    fromPath: ['problemId'],
  },
  {
    path: 'problems/:problemId/rectification',
    summary: 'Submit the rectification with evidence',
    command: 'submitRectification',
    body: (s) => s.omit({ problemId: true }),
    answer: ItemAnswer,
    clashes: 'the item is not in a state that takes this',
    access: 'act',
    fromPath: ['problemId'],
  },
  {
    path: 'problems/:problemId/verification',
    summary: 'Verify (销号) or return a rectification; by an inspector or an organiser above the org',
    command: 'verifyRectification',
    body: (s) => s.omit({ problemId: true, verifierRole: true, verifierOrgId: true } as never),
    answer: ItemAnswer,
    rules: 'a returned rectification needs a `reason`',
    clashes: 'the item is not awaiting verification',
    access: 'supervise',
    fromPath: ['problemId'],
    fromCaller: verifier,
  },
  {
    path: 'problems/:problemId/extension',
    summary: 'Extend a deadline, once, with a reason',
    command: 'extendDeadline',
    body: (s) => s.omit({ problemId: true }),
    answer: z.looseObject({ problemId: z.string(), deadline: z.string() }),
    rules: 'the new deadline is after the current one and has not passed',
    clashes: 'the deadline was already extended once',
    access: 'act',
    fromPath: ['problemId'],
  },
  {
    path: 'review/conclusion',
    summary: 'Conclude the problem review: the problem list is complete',
    command: 'concludeReview',
    answer: z.looseObject({ problems: z.number() }),
    access: 'act',
  },
  {
    path: 'disclosures',
    summary: 'Publicly disclose (公示) closed items',
    command: 'discloseProblems',
    answer: z.looseObject({ disclosed: z.number() }),
    clashes: 'an item named is not closed',
    access: 'act',
  },
  {
    path: 'democratic-life-meetings',
    summary: 'Record a democratic life meeting; its problems enter the ledger',
    command: 'recordDemocraticLifeMeeting',
    answer: z.looseObject({ meetingId: z.string(), problemsFound: z.number() }),
    clashes: 'a problem named is already in the ledger',
    access: 'act',
  },
  {
    path: 'projects',
    summary: 'Create a special rectification project (专项整治)',
    command: 'createProject',
    answer: z.looseObject({ projectId: z.string() }),
    clashes: 'the project already exists',
    access: 'act',
  },
];

/** Who may, by access mode (api/auth.ts `requireOrgAccess`). */
const FORBIDDEN: Record<Access, string> = {
  act: 'only the org’s own secretary or organiser, or an organiser above it, acts for the org',
  supervise: 'only an inspector or an organiser above the org verifies, and never whoever rectified the item',
  vet: 'only the org’s secretary, organiser or inspector, or an organiser or inspector above it, vets its topics',
};

export function orgActionRoutes(app: ApiInstance, deps: ApiDeps): void {
  const { db } = deps;
  for (const action of ACTIONS) {
    const { update, schema } = orgCommands[action.command] as AnyOrgCommand;
    const body = withoutBy(schema as unknown as z.ZodObject);
    const params = CampaignOrgParams.extend(Object.fromEntries((action.fromPath ?? []).map((f) => [f, ItemId])));
    app.post(
      `/campaigns/:id/orgs/:orgId/${action.path}`,
      {
        schema: {
          tags: ['org actions'],
          summary: action.summary,
          params,
          body: action.body?.(body) ?? body,
          headers: z.object({
            'idempotency-key': IdempotencyKey.optional().describe(
              'names the request: a retry under it gets the first answer and records nothing twice; the same key with a different request is a 422',
            ),
          }),
          response: responses(
            { 200: ok(action.answer, 'What the workflow recorded (a retry under the same Idempotency-Key gets the first answer again)') },
            {
              body: { limit: '1 MiB' },
              temporal: true,
              403: FORBIDDEN[action.access],
              404: `no such campaign; ${ORG_404}${action.fromPath?.length ? `, or no ${action.fromPath.map((f) => f.replace(/Id$/, '')).join(' or ')} with this id in the org` : ''}`,
              409: `the campaign is over for the org, the cascade has not reached it yet, or the step is not open yet (before the mobilisation; the phase before it not done, in sequential mode)${action.clashes ? `; ${action.clashes}` : ''}`,
              422: `a date before the campaign starts, after it ends or in the future${action.rules ? `; ${action.rules}` : ''}; or ${IDEMPOTENCY_KEY_REUSED}`,
            },
          ),
        },
      },
      async (
        request: FastifyRequest<{ Params: Record<string, string>; Body: Record<string, unknown>; Headers: { 'idempotency-key'?: string } }>,
        reply: FastifyReply,
      ) => {
        const { id: campaignId, orgId } = request.params as { id: string; orgId: string };
        const { principal } = await requireOrgAccess(db, request, orgId, action.access);
        const key = request.headers['idempotency-key'];
        const args: Record<string, unknown> = { ...request.body, by: actor(principal), ...action.fromCaller?.(principal) };
        for (const f of action.fromPath ?? []) args[f] = request.params[f];
        if (action.idField && args[action.idField] === undefined) args[action.idField] = key ?? randomUUID();
        const target = { campaignId, orgId };
        if (!key) return sendOrgCommand(deps, request.log, target, update, args);
        const scope = `${orgWorkflowId(campaignId, orgId)}:${action.path}`;
        const requestHash = hashRequest({ params: request.params, body: request.body });
        const first = await keptAnswer(db, scope, key);
        if (first && first.request_hash !== requestHash) throw keyUsedForAnotherRequest(`Idempotency-Key ${key}`);
        if (first) {
          void reply.header(REPLAYED, 'true');
          return first.response;
        }
        const answer: unknown = await sendOrgCommand(deps, request.log, { ...target, updateId: `${action.path}:${key}` }, update, args);
        // Refusals are not kept: the caller may correct the request and send it again under the same key.
        await keepAnswer(db, { scope, key, requestHash, statusCode: 200, response: answer });
        return answer;
      },
    );
  }
}
