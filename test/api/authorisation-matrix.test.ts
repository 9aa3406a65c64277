/**
 * The authorisation matrix (issue 8): every route the app serves × every role × every
 * relation of the token's org to the org the request is about, on a real running campaign
 * (real Temporal, real PostgreSQL). The expected answer of each case is generated from the
 * two small tables below, RELATIONS and ROUTES, and the rights of each access mode in WHO
 * (the table in api/auth.ts, in words: read your subtree; act on your own org, an organiser
 * on its subtree too; vet and verify as an inspector or organiser over the org; steer —
 * start and close campaigns, import trees, hand out tokens — as an organiser over it; and
 * the public feedback channel, open to anyone). One more block names another org's object
 * through the caller's own org, where a route finds objects by id across the campaign.
 *
 * The routes come from the app itself (its OpenAPI document, cross-checked against
 * `printRoutes()`), so a new route without an entry in ROUTES fails this file.
 *
 * Allowed means the request passed authorisation: anything but 401/403 (and the bodies are
 * valid, so a 400 cannot hide a decision; validation runs before the handler's checks). The
 * fixtures make every allowed request really succeed (2xx), except what a route lists in `ok`.
 * Denied is a 404 problem+json when the org the request is about lies outside the caller's
 * subtree (it reads no org there, and an org it cannot see is answered exactly as one that
 * does not exist: no existence oracle, api/auth.ts), and a 403 when the caller sees the org but
 * may not act on it that way. Two kinds of refusal come before any org is looked at and stay
 * 403 wherever the target stands: a role gate (only an organiser steers) and a rule of the
 * object itself (a joint problem read by its orgs, a guidance group by its inspectors, reports
 * by the campaign office). The escalation chain and an inspection round answer 404 to everyone
 * refused, so that their existence stays hidden (README: "a 404 to everyone else").
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { orgHandle, openJointProblem } from '../../client/campaigns.js';
import { generateTree, type FlatOrg } from '../../domain/generate-tree.js';
import {
  createProjectUpdate,
  escalateProblemUpdate,
  issueDirectiveUpdate,
  planRectificationUpdate,
  proposeTopicUpdate,
  recordProblemUpdate,
  startRectificationUpdate,
  submitRectificationUpdate,
  verifyRectificationUpdate,
  vetTopicUpdate,
} from '../../workflows/messages.js';
import { ADMIN, bearer, csvOf, expectProblem, importTree, issueToken } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';
import { untilMobilised } from '../support/read-models.js';

// ---- the rule tables -----------------------------------------------------------------

const ROLES = ['admin', 'organiser', 'secretary', 'inspector', 'operator'] as const;
type Role = (typeof ROLES)[number];

const MAIN = 'matrix';
const OTHER = 'matrix-other';

/**
 * Where the target org stands relative to the token's org. Each relation has its own target,
 * so fixtures of one never touch another's. "other-campaign" is an org of a second campaign
 * over a second city's tree: tokens are bound to an org (a path), not to a campaign, so what
 * keeps a token out of another campaign is that its tree does not cover that campaign's orgs.
 */
const RELATIONS = {
  self: { tokenOrg: 'tj-d2-u2', target: 'tj-d2-u2', campaign: MAIN },
  child: { tokenOrg: 'tj-d2', target: 'tj-d2-u1', campaign: MAIN },
  grandchild: { tokenOrg: 'tj', target: 'tj-d3-u1', campaign: MAIN },
  parent: { tokenOrg: 'tj-d2-u2', target: 'tj-d2', campaign: MAIN },
  sibling: { tokenOrg: 'tj-d2-u2', target: 'tj-d2-u3', campaign: MAIN },
  cousin: { tokenOrg: 'tj-d2-u2', target: 'tj-d1-u2', campaign: MAIN },
  'other-campaign': { tokenOrg: 'tj-d2-u2', target: 'bj-d2-u2', campaign: OTHER },
} as const;
type Relation = keyof typeof RELATIONS;
const RELATION_NAMES = Object.keys(RELATIONS) as Relation[];

/** How a route decides; an admin passes every mode everywhere. */
type Mode = 'read' | 'act' | 'vet' | 'verify' | 'steer' | 'inspect' | 'anyone';
const SUBTREE: readonly Relation[] = ['self', 'child', 'grandchild'];

/** Who, besides an admin, passes each mode: role → the relations of the target it may reach. */
const WHO: Record<Mode, Partial<Record<Role, readonly Relation[]>>> = {
  /** Every role reads its subtree. */
  read: { organiser: SUBTREE, secretary: SUBTREE, inspector: SUBTREE, operator: SUBTREE },
  /** A secretary acts on its own org; an organiser on its org and subtree; inspectors and operators on nothing. */
  act: { organiser: SUBTREE, secretary: ['self'] },
  /** Research topics: the org's own secretary, or an organiser or inspector over the org. */
  vet: { organiser: SUBTREE, inspector: SUBTREE, secretary: ['self'] },
  /** 销号: an inspector over the org, or an organiser of a higher org (the workflow refuses an organiser at its own org, 403). */
  verify: { organiser: ['child', 'grandchild'], inspector: SUBTREE },
  /** Start or close a campaign over the org, import its tree, hand out and revoke its tokens. */
  steer: { organiser: SUBTREE },
  /** A guidance group's rounds (暗访抽查): an organiser over the group's scope, or an inspector the group names (here: every inspector over it). */
  inspect: { organiser: SUBTREE, inspector: SUBTREE },
  /** The public feedback channel (民意直通车): no token needed, and none is an obstacle. */
  anyone: { organiser: RELATION_NAMES, secretary: RELATION_NAMES, inspector: RELATION_NAMES, operator: RELATION_NAMES },
};

const expectedAllowed = (mode: Mode, role: Role, rel: Relation) => role === 'admin' || (WHO[mode][role] ?? []).includes(rel);

/**
 * The status of a refused case: the route's own when it hides its object; 403 for a role gate
 * (steering is an organiser's: the others are refused before any org is looked at), a rule of the
 * object, or an org the caller sees; 404 for an org outside the caller's subtree, answered as one
 * that does not exist.
 */
const denyStatus = (rule: RouteRule, role: Role, rel: Relation): 403 | 404 =>
  rule.deny ?? (rule.objectRule || (rule.mode === 'steer' && role !== 'organiser') || SUBTREE.includes(rel) ? 403 : 404);

/** One case's request as its route builds it. */
interface Ctx {
  role: Role;
  rel: Relation;
  /** `<role>-<relation>`, usable in item ids. */
  caseId: string;
  /** The campaign and org the request is about. */
  c: string;
  org: string;
  /** The target's first child. */
  child: string;
}
interface RouteRule {
  mode: Mode;
  /** The status of every refusal, where the route hides the existence of its object; otherwise {@link denyStatus} decides. */
  deny?: 403 | 404;
  /** Refused by a rule of the object the route names (not of the org), before any org is looked at: 403 wherever the target stands. */
  objectRule?: boolean;
  /** Statuses an allowed case may answer; 2xx by default. */
  ok?: readonly number[];
  /** Run after every other route (it changes what the others need). */
  last?: boolean;
  /** Its cases one at a time: they all change one shared thing, which two at once would contend for. */
  serial?: boolean;
  request(x: Ctx): { url: string; payload?: unknown; headers?: Record<string, string>; remoteAddress?: string };
}

const D1 = '2099-06-30';
const at = (x: Ctx, rest = '') => `/campaigns/${x.c}/orgs/${x.org}${rest}`;
const esc = encodeURIComponent;

/** Every route but /healthz, /readyz, /openapi.json and /docs, with its mode and a valid request. */
const ROUTES: Record<string, RouteRule> = {
  // tokens
  'POST /tokens': { mode: 'steer', request: (x) => ({ url: '/tokens', payload: { role: 'secretary', orgId: x.org, label: `matrix ${x.caseId}` } }) },
  'GET /tokens': { mode: 'steer', request: (x) => ({ url: `/tokens?orgId=${x.org}` }) },
  'DELETE /tokens/:id': { mode: 'steer', request: (x) => ({ url: `/tokens/${fx.revocable.get(x.caseId)!}` }) },
  // the directory
  'POST /orgs/import': { mode: 'steer', request: (x) => ({ url: '/orgs/import', payload: csvOf(subtreeOf(x.org)), headers: { 'content-type': 'text/csv' } }) },
  'GET /orgs/:id': { mode: 'read', request: (x) => ({ url: `/orgs/${x.org}` }) },
  'GET /orgs/:id/children': { mode: 'read', request: (x) => ({ url: `/orgs/${x.org}/children` }) },
  'GET /orgs/:id/subtree': { mode: 'read', request: (x) => ({ url: `/orgs/${x.org}/subtree` }) },
  // campaigns: the org they are about is the campaign's root (a campaign per relation, rooted at its target)
  'POST /campaigns': { mode: 'steer', request: (x) => ({ url: '/campaigns', payload: scopedSpec(x.rel) }) },
  'GET /campaigns/:id': { mode: 'read', request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}` }) },
  // The first allowed close closes the campaign; a later one may find its workflow finished (409).
  'POST /campaigns/:id/close': {
    mode: 'steer',
    last: true,
    ok: [202, 409],
    request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/close`, payload: { reason: '阶段性工作结束' } }),
  },
  'GET /campaigns/:id/orgs/:orgId': { mode: 'read', request: (x) => ({ url: at(x) }) },
  'GET /campaigns/:id/orgs/:orgId/children': { mode: 'read', request: (x) => ({ url: at(x, '/children?sort=name') }) },
  'GET /campaigns/:id/orgs/:orgId/lagging': { mode: 'read', request: (x) => ({ url: at(x, '/lagging') }) },
  'GET /campaigns/:id/orgs/:orgId/timeline': { mode: 'read', request: (x) => ({ url: at(x, '/timeline') }) },
  'GET /campaigns/:id/orgs/:orgId/overview': { mode: 'read', request: (x) => ({ url: at(x, '/overview?sort=colour') }) },
  // an org's work (Temporal Updates); repeated requests are idempotent, so every allowed case succeeds
  'POST /campaigns/:id/orgs/:orgId/mobilisation': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/mobilisation'), payload: { date: fx.mobilisedOn.get(x.org)!, attendance: 1 } }),
  },
  'POST /campaigns/:id/orgs/:orgId/study-sessions': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/study-sessions'), payload: { sessionId: 'ss-1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 20 } }),
  },
  'GET /campaigns/:id/orgs/:orgId/study-sessions': { mode: 'read', request: (x) => ({ url: at(x, '/study-sessions') }) },
  'POST /campaigns/:id/orgs/:orgId/topics': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/topics'), payload: { topicId: 'new-topic', leader: '支部书记', title: '关于老旧小区加装电梯的调研' } }),
  },
  'GET /campaigns/:id/orgs/:orgId/topics': { mode: 'read', request: (x) => ({ url: at(x, '/topics') }) },
  'POST /campaigns/:id/orgs/:orgId/topics/:topicId/vetting': {
    mode: 'vet',
    request: (x) => ({ url: at(x, '/topics/vet-topic/vetting'), payload: { decision: 'approved' } }),
  },
  'POST /campaigns/:id/orgs/:orgId/reports': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/reports'), payload: { reportId: 'report-1', topicId: 'report-topic', title: '调研报告', policyMeasures: 2 } }),
  },
  'POST /campaigns/:id/orgs/:orgId/problems': {
    mode: 'act',
    request: (x) => ({
      url: at(x, '/problems'),
      payload: { problemId: 'new-p', source: 'public_message', category: '服务群众', description: '办事窗口排队时间长' },
    }),
  },
  'GET /campaigns/:id/orgs/:orgId/problems': { mode: 'read', request: (x) => ({ url: at(x, '/problems?scope=subtree') }) },
  'GET /campaigns/:id/orgs/:orgId/problems.csv': { mode: 'read', request: (x) => ({ url: at(x, '/problems.csv') }) },
  'POST /campaigns/:id/orgs/:orgId/problems/:problemId/plan': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/problems/plan-p/plan'), payload: { owner: '支部委员', measures: '建立台账，限期整改', deadline: D1 } }),
  },
  'POST /campaigns/:id/orgs/:orgId/problems/:problemId/start': { mode: 'act', request: (x) => ({ url: at(x, '/problems/start-p/start'), payload: {} }) },
  // Submitting is not idempotent: each case has its own item in progress.
  'POST /campaigns/:id/orgs/:orgId/problems/:problemId/rectification': {
    mode: 'act',
    request: (x) => ({ url: at(x, `/problems/rect-${x.caseId}/rectification`), payload: { evidence: '整改台账和照片' } }),
  },
  // Each case has its own rectified item, rectified by someone else (whoever rectified may not verify).
  'POST /campaigns/:id/orgs/:orgId/problems/:problemId/verification': {
    mode: 'verify',
    request: (x) => ({ url: at(x, `/problems/verify-${x.caseId}/verification`), payload: { decision: 'verified', reason: '群众满意' } }),
  },
  'POST /campaigns/:id/orgs/:orgId/problems/:problemId/extension': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/problems/extend-p/extension'), payload: { deadline: '2099-09-30', reason: '需跨部门协调' } }),
  },
  'POST /campaigns/:id/orgs/:orgId/problems/:problemId/escalation': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/problems/escalate-p/escalation'), payload: { targetLevel: 'city', reason: '根子在市里' } }),
  },
  'POST /campaigns/:id/orgs/:orgId/review/conclusion': { mode: 'act', last: true, request: (x) => ({ url: at(x, '/review/conclusion'), payload: {} }) },
  'POST /campaigns/:id/orgs/:orgId/disclosures': {
    mode: 'act',
    request: (x) => ({ url: at(x, '/disclosures'), payload: { date: '2019-12-01', problemIds: ['disclose-p'] } }),
  },
  'GET /campaigns/:id/orgs/:orgId/disclosures': { mode: 'read', request: (x) => ({ url: at(x, '/disclosures') }) },
  'POST /campaigns/:id/orgs/:orgId/democratic-life-meetings': {
    mode: 'act',
    request: (x) => ({
      url: at(x, '/democratic-life-meetings'),
      payload: {
        meetingId: 'dlm-1',
        date: '2019-10-15',
        attendance: 9,
        criticisms: 12,
        problems: [{ problemId: 'dlm-p1', category: '作风', description: '调查研究不够深入' }],
      },
    }),
  },
  'GET /campaigns/:id/orgs/:orgId/democratic-life-meetings': { mode: 'read', request: (x) => ({ url: at(x, '/democratic-life-meetings') }) },
  'POST /campaigns/:id/orgs/:orgId/projects': {
    mode: 'act',
    request: (x) => ({
      url: at(x, '/projects'),
      payload: { projectId: 'new-project', title: '为基层减负专项整治', leadOrgId: x.org, participantOrgIds: [x.org, x.child] },
    }),
  },
  'GET /campaigns/:id/orgs/:orgId/overdue': { mode: 'read', request: (x) => ({ url: at(x, '/overdue') }) },
  'GET /campaigns/:id/orgs/:orgId/ledger': { mode: 'read', request: (x) => ({ url: at(x, '/ledger?colour=none&level=branch') }) },
  'GET /campaigns/:id/orgs/:orgId/problems/:problemId/history': { mode: 'read', request: (x) => ({ url: at(x, '/problems/disclose-p/history') }) },
  'GET /campaigns/:id/projects/:orgId/:projectId': { mode: 'read', request: (x) => ({ url: `/campaigns/${x.c}/projects/${x.org}/read-project` }) },
  // escalations
  'POST /campaigns/:id/orgs/:orgId/escalations/:escalationId/claim': {
    mode: 'act',
    request: (x) => ({ url: at(x, `/escalations/${esc(fx.toClaim.get(x.org)!)}/claim`), payload: { problemId: 'claimed-p' } }),
  },
  'POST /campaigns/:id/orgs/:orgId/escalations/:escalationId/forward': {
    mode: 'act',
    request: (x) => ({ url: at(x, `/escalations/${esc(fx.toForward.get(x.org)!)}/forward`), payload: { reason: '职责在上级' } }),
  },
  'GET /campaigns/:id/orgs/:orgId/escalations': { mode: 'read', request: (x) => ({ url: at(x, '/escalations?direction=sent') }) },
  // The chain of an escalation raised by the target to its city; no token here reads the city
  // but the city's own, which reads the target anyway: readable exactly when the target is.
  'GET /campaigns/:id/escalations/:escalationId': {
    mode: 'read',
    deny: 404,
    request: (x) => ({ url: `/campaigns/${x.c}/escalations/${esc(fx.chain.get(x.org)!)}` }),
  },
  // directives
  'POST /campaigns/:id/orgs/:orgId/directives': {
    mode: 'act',
    request: (x) => ({
      url: at(x, '/directives'),
      payload: { directiveId: `new-dir-${x.org}`, title: '精简会议文件', instructions: '会议压减三成', deadline: D1, targetOrgIds: [x.child] },
    }),
  },
  'GET /campaigns/:id/orgs/:orgId/directives': { mode: 'read', request: (x) => ({ url: at(x, '/directives?direction=issued') }) },
  'POST /campaigns/:id/orgs/:orgId/directives/:directiveId/cancel': {
    mode: 'act',
    request: (x) => ({ url: at(x, `/directives/cancel-dir-${x.org}/cancel`), payload: {} }),
  },
  'GET /campaigns/:id/orgs/:orgId/directives/:directiveId': { mode: 'read', request: (x) => ({ url: at(x, `/directives/read-dir-${x.org}`) }) },
  'GET /campaigns/:id/orgs/:orgId/directives/:directiveId/lagging': { mode: 'read', request: (x) => ({ url: at(x, `/directives/read-dir-${x.org}/lagging`) }) },
  'GET /campaigns/:id/orgs/:orgId/directives/:directiveId/tree': { mode: 'read', request: (x) => ({ url: at(x, `/directives/read-dir-${x.org}/tree`) }) },
  'GET /campaigns/:id/orgs/:orgId/information-requests': { mode: 'read', request: (x) => ({ url: at(x, '/information-requests') }) },
  // joint answers: the one read is opened by the target with its first child, so whoever reads
  // an involved org reads the target too
  'POST /campaigns/:id/orgs/:orgId/joint-problems': {
    mode: 'act',
    request: (x) => ({
      url: at(x, '/joint-problems'),
      payload: { jointId: `new-joint-${x.org}`, title: '停车难', description: '上下联动共同解决', participantOrgIds: [x.org, x.child] },
    }),
  },
  'GET /campaigns/:id/joint-problems/:jointId': {
    mode: 'read',
    objectRule: true,
    request: (x) => ({ url: `/campaigns/${x.c}/joint-problems/read-joint-${x.org}` }),
  },
  // public messages (民意直通车): sending and tracking are open to anyone (rate limited per address,
  // so each case comes from its own); the campaign office, the campaign's root, sets the routing
  // rules and triages, so those routes go to the campaign rooted at the target
  'POST /campaigns/:id/public-messages': {
    mode: 'anyone',
    request: (x) => ({
      url: `/campaigns/${scopedId(x.rel)}/public-messages`,
      payload: { text: '小区门口路灯坏了一个月', category: '市政', area: '和平区' },
      remoteAddress: addressOf(x, 1),
    }),
  },
  'GET /public-campaigns': { mode: 'anyone', request: (x) => ({ url: '/public-campaigns', remoteAddress: addressOf(x, 3) }) },
  'GET /campaigns/:id/public-messages/track/:code': {
    mode: 'anyone',
    request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/public-messages/track/${fx.trackingCode.get(x.rel)!}`, remoteAddress: addressOf(x, 2) }),
  },
  'GET /campaigns/:id/orgs/:orgId/public-messages': { mode: 'read', request: (x) => ({ url: at(x, '/public-messages') }) },
  'POST /campaigns/:id/orgs/:orgId/public-messages/:messageId/routing': {
    mode: 'act',
    serial: true,
    request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/orgs/${x.org}/public-messages/${fx.messageId.get(x.rel)!}/routing`, payload: { toOrgId: x.org } }),
  },
  'PUT /campaigns/:id/public-message-routes': {
    mode: 'steer',
    serial: true,
    request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/public-message-routes`, payload: { routes: [{ category: '交通', orgId: x.org }] } }),
  },
  'GET /campaigns/:id/public-message-routes': { mode: 'read', request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/public-message-routes` }) },
  // spot checks (暗访抽查): each target has a guidance group scoped to it (its inspectors: every
  // inspector token over the target) and an open round of that group. A round is hidden (404)
  // from whoever is not of its group until its findings are issued, which runs last.
  'POST /campaigns/:id/guidance-groups': {
    mode: 'steer',
    request: (x) => ({
      url: `/campaigns/${x.c}/guidance-groups`,
      payload: { groupId: `new-group-${x.caseId}`, name: '巡回指导组', scopeOrgId: x.org, inspectorTokenIds: [fx.groupInspector.get(x.org)!] },
    }),
  },
  // The groups at work on an org that the caller is of: read like the org (an empty page for one of no group).
  'GET /campaigns/:id/orgs/:orgId/guidance-groups': { mode: 'read', request: (x) => ({ url: at(x, '/guidance-groups') }) },
  'GET /campaigns/:id/guidance-groups/:groupId': {
    mode: 'inspect',
    objectRule: true,
    request: (x) => ({ url: `/campaigns/${x.c}/guidance-groups/group-${x.org}` }),
  },
  'POST /campaigns/:id/guidance-groups/:groupId/inspection-rounds': {
    mode: 'inspect',
    objectRule: true,
    request: (x) => ({
      url: `/campaigns/${x.c}/guidance-groups/group-${x.org}/inspection-rounds`,
      payload: { roundId: `new-round-${x.caseId}`, sampleSize: 1, seed: 'matrix' },
    }),
  },
  'GET /campaigns/:id/inspection-rounds/:roundId': {
    mode: 'inspect',
    deny: 404,
    request: (x) => ({ url: `/campaigns/${x.c}/inspection-rounds/round-${x.org}` }),
  },
  'POST /campaigns/:id/inspection-rounds/:roundId/interviews': {
    mode: 'inspect',
    deny: 404,
    request: (x) => ({ url: `/campaigns/${x.c}/inspection-rounds/round-${x.org}/interviews`, payload: { count: 3, notes: '个别访谈' } }),
  },
  'POST /campaigns/:id/inspection-rounds/:roundId/findings': {
    mode: 'inspect',
    deny: 404,
    request: (x) => ({
      url: `/campaigns/${x.c}/inspection-rounds/round-${x.org}/findings`,
      payload: { orgId: fx.sampled.get(x.org)!, prevention: 'study_superficial', detail: '集中学习天数不足' },
    }),
  },
  // The first allowed issue (and notice) ends that step; a later one answers 409.
  'POST /campaigns/:id/inspection-rounds/:roundId/issue': {
    mode: 'inspect',
    deny: 404,
    last: true,
    serial: true,
    ok: [200, 409],
    request: (x) => ({ url: `/campaigns/${x.c}/inspection-rounds/round-${x.org}/issue`, payload: {} }),
  },
  'POST /campaigns/:id/inspection-rounds/:roundId/notice': {
    mode: 'inspect',
    deny: 404,
    last: true,
    serial: true,
    ok: [200, 409],
    request: (x) => ({ url: `/campaigns/${x.c}/inspection-rounds/round-${x.org}/notice`, payload: { title: '暗访抽查情况通报' } }),
  },
  'GET /campaigns/:id/orgs/:orgId/inspection-notices': { mode: 'read', request: (x) => ({ url: at(x, '/inspection-notices') }) },
  // 例会: the reports of the campaign rooted at the target, read by whoever reads its root; compiled by hand by an organiser over it.
  'GET /campaigns/:id/reports': { mode: 'read', objectRule: true, request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/reports` }) },
  'GET /campaigns/:id/reports/:reportId': {
    mode: 'read',
    objectRule: true,
    request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/reports/${fx.report.get(x.rel)!}` }),
  },
  'GET /campaigns/:id/reports/:reportId/page': {
    mode: 'read',
    objectRule: true,
    request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/reports/${fx.report.get(x.rel)!}/page` }),
  },
  'POST /campaigns/:id/reports': { mode: 'steer', request: (x) => ({ url: `/campaigns/${scopedId(x.rel)}/reports`, payload: { kind: 'fortnightly' } }) },
};

/** A client address of its own per case and route, for the rate-limited open routes. */
const addressOf = (x: Ctx, route: number) => `10.${route}.${ROLES.indexOf(x.role)}.${RELATION_NAMES.indexOf(x.rel) + 1}`;

/**
 * One route finds its object by id across the whole campaign rather than within the path's org:
 * GET …/directives/:directiveId (every other object route scopes it by the path's org, or checks the
 * orgs of the object itself). Named through the caller's own org, a directive shows only when it
 * was issued on that org's line — by the org, above it (it was relayed through it) or below it (its
 * coverage is in the org's subtree) — and is otherwise a 404, as if it did not exist there.
 */
const LINE: readonly Relation[] = ['self', 'child', 'grandchild', 'parent'];

/** The routes left out: health, readiness, the API's description and the console's sign-in (api/app.ts PUBLIC, and the docs; `/session` in test/api/session.test.ts). */
const OPEN = (route: string) => /^[A-Z]+ \/(healthz|readyz|openapi\.json|docs|session)(\/|$)/.test(route);

// ---- the two org trees and the fixtures ------------------------------------------------

const TJ = generateTree('small');
/** The second city: the same shape, only the orgs its campaign's fixtures touch (the target's line, its child, the source of escalations). */
const BJ: FlatOrg[] = TJ.filter((o) => ['tj', 'tj-d2', 'tj-d2-u2', 'tj-d2-u2-b1', 'tj-d3', 'tj-d3-u3', 'tj-d3-u3-b3'].includes(o.id)).map((o) => ({
  ...o,
  id: o.id.replace(/^tj/, 'bj'),
  parentId: o.parentId?.replace(/^tj/, 'bj') ?? null,
  name: o.parentId ? o.name : '北京市',
}));
const ALL = [...TJ, ...BJ];

/** An org and everything under it, as an import of that subtree (its root keeps its stored place). */
function subtreeOf(id: string): FlatOrg[] {
  const inside = new Set([id]);
  const out: FlatOrg[] = [];
  for (const o of ALL) {
    if (o.id === id) out.push({ ...o, parentId: null });
    else if (o.parentId && inside.has(o.parentId)) {
      inside.add(o.id);
      out.push(o);
    }
  }
  return out;
}
const firstChild = (id: string) => ALL.find((o) => o.parentId === id)!.id;
const rootOf = (id: string) => id.split('-')[0]!;

const scopedId = (rel: Relation) => `scope-${rel}`;
/** A campaign rooted at the relation's target, for the campaign-level routes. */
const scopedSpec = (rel: Relation) => ({
  id: scopedId(rel),
  name: '专项主题教育',
  batch: 2,
  rootOrgId: RELATIONS[rel].target,
  phaseMode: 'integrated',
  startsOn: '2019-09-01',
  endsOn: '2099-12-31',
});

/** What the requests name, filled in by the setup. */
const fx = {
  mobilisedOn: new Map<string, string>(),
  /** Escalation id by target: raised by the target to its city (the chain read). */
  chain: new Map<string, string>(),
  /** Escalation ids by target: received by the target, pending, to claim and to forward. */
  toClaim: new Map<string, string>(),
  toForward: new Map<string, string>(),
  /** A secretary token id at the target per case, for DELETE /tokens/:id. */
  revocable: new Map<string, string>(),
  /** By relation: a public message sent to the campaign rooted at the target, awaiting triage, and its tracking code. */
  messageId: new Map<string, string>(),
  trackingCode: new Map<string, string>(),
  /** By target: an inspector token id at the target (for new groups), and the org its round sampled. */
  groupInspector: new Map<string, string>(),
  sampled: new Map<string, string>(),
  /** By relation: a weekly report (例会) of the campaign rooted at the target. */
  report: new Map<string, string>(),
};

let db: TestDatabase;
let t: TestTemporal;
let app: ApiInstance;
const admin = bearer(ADMIN);
/** The token of each role at each token org (`admin` under the key ''). */
const tokens = new Map<string, string>();
const tokenFor = (role: Role, rel: Relation) => tokens.get(role === 'admin' ? 'admin' : `${role}@${RELATIONS[rel].tokenOrg}`)!;

const SETUP = 'secretary:setup';

/** Runs the tasks at most `limit` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

type Stage = 'found' | 'planned' | 'in_progress' | 'rectified' | 'closed';
/** Takes a new item of an org's ledger to `stage`, as the org's own people would (not by any matrix token). */
async function item(campaign: string, org: string, problemId: string, stage: Stage, deadline = D1): Promise<void> {
  const h = orgHandle(t.client, campaign, org);
  await h.executeUpdate(recordProblemUpdate, {
    args: [{ problemId, source: 'self_inspection', category: '作风建设', description: `台账 ${problemId}`, by: SETUP }],
  });
  if (stage === 'found') return;
  await h.executeUpdate(planRectificationUpdate, { args: [{ problemId, owner: '支部委员', measures: '建立台账，限期整改', deadline, by: SETUP }] });
  if (stage === 'planned') return;
  await h.executeUpdate(startRectificationUpdate, { args: [{ problemId, by: SETUP }] });
  if (stage === 'in_progress') return;
  await h.executeUpdate(submitRectificationUpdate, { args: [{ problemId, evidence: '整改材料', by: SETUP }] });
  if (stage === 'rectified') return;
  await h.executeUpdate(verifyRectificationUpdate, {
    args: [{ problemId, decision: 'verified', by: 'inspector:setup', verifierRole: 'inspector', verifierOrgId: rootOf(org) }],
  });
}

/** Everything a relation's target needs so that every allowed request on it succeeds. */
function targetFixtures(rel: Relation): (() => Promise<unknown>)[] {
  const { target: org, campaign } = RELATIONS[rel];
  const h = orgHandle(t.client, campaign, org);
  const child = firstChild(org);
  const source = orgHandle(t.client, campaign, `${rootOf(org)}-d3-u3-b3`);
  const caseIds = ROLES.map((role) => `${role}-${rel}`);
  // Items of their own for the cases whose token reaches the org at all; a refused case that
  // wrongly got through elsewhere would find no item and answer 404, not 403, and still fail.
  const reaching = (SUBTREE.includes(rel) ? ROLES : (['admin'] as const)).map((role) => `${role}-${rel}`);
  return [
    () => h.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 'vet-topic', leader: '支部书记', title: '关于社区养老服务的调研', by: SETUP }] }),
    async () => {
      await h.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 'report-topic', leader: '支部副书记', title: '关于营商环境的调研', by: SETUP }] });
      await h.executeUpdate(vetTopicUpdate, { args: [{ topicId: 'report-topic', decision: 'approved', by: 'inspector:setup' }] });
    },
    () => item(campaign, org, 'plan-p', 'found'),
    () => item(campaign, org, 'start-p', 'planned'),
    () => item(campaign, org, 'extend-p', 'planned'),
    () => item(campaign, org, 'escalate-p', 'found'),
    () => item(campaign, org, 'disclose-p', 'closed'),
    ...reaching.map((id) => () => item(campaign, org, `rect-${id}`, 'in_progress')),
    ...reaching.map((id) => () => item(campaign, org, `verify-${id}`, 'rectified')),
    async () => {
      await item(campaign, org, 'chain-p', 'found');
      const sent = await h.executeUpdate(escalateProblemUpdate, {
        args: [{ problemId: 'chain-p', targetOrgId: rootOf(org), reason: '根子在市里', by: SETUP }],
      });
      fx.chain.set(org, sent.escalationId);
    },
    async () => {
      // Two escalations across to the target, from a branch elsewhere, one to claim and one to forward.
      for (const [kind, into] of [
        ['claim', fx.toClaim],
        ['forward', fx.toForward],
      ] as const) {
        const problemId = `to-${org}-${kind}`;
        await source.executeUpdate(recordProblemUpdate, {
          args: [{ problemId, source: 'self_inspection', category: '政策', description: `需要 ${org} 解决`, by: SETUP }],
        });
        const sent = await source.executeUpdate(escalateProblemUpdate, { args: [{ problemId, targetOrgId: org, reason: '职责在该单位', by: SETUP }] });
        into.set(org, sent.escalationId);
      }
    },
    () =>
      h.executeUpdate(createProjectUpdate, {
        args: [{ projectId: 'read-project', title: '整治群众身边不正之风', leadOrgId: org, participantOrgIds: [org], by: SETUP }],
      }),
    () =>
      h.executeUpdate(issueDirectiveUpdate, {
        args: [{ directiveId: `read-dir-${org}`, title: '精简文件', instructions: '发文压减三成', deadline: D1, targetOrgIds: [child], by: SETUP }],
      }),
    () =>
      h.executeUpdate(issueDirectiveUpdate, {
        args: [{ directiveId: `cancel-dir-${org}`, title: '清理考核', instructions: '清理检查考核事项', deadline: D1, targetOrgIds: [child], by: SETUP }],
      }),
    () =>
      openJointProblem(t.client, t.taskQueue, campaign, {
        jointId: `read-joint-${org}`,
        title: '电动车充电难',
        description: '共同解决',
        openerOrgId: org,
        participantOrgIds: [org, child],
      }),
    ...caseIds.map((id) => async () => fx.revocable.set(id, (await issueToken(app, { role: 'secretary', orgId: org })).split('_')[1]!)),
    async () => {
      // A guidance group scoped to the target, with every inspector over it, and a round of it.
      const own = (await issueToken(app, { role: 'inspector', orgId: org })).split('_')[1]!;
      fx.groupInspector.set(org, own);
      const inspectors = [own, ...(SUBTREE.includes(rel) ? [tokenFor('inspector', rel).split('_')[1]!] : [])];
      const group = await app.inject({
        method: 'POST',
        url: `/campaigns/${campaign}/guidance-groups`,
        headers: admin,
        payload: { groupId: `group-${org}`, name: '巡回指导组', scopeOrgId: org, inspectorTokenIds: inspectors },
      });
      expect(group.statusCode, group.body).toBe(201);
      const round = await app.inject({
        method: 'POST',
        url: `/campaigns/${campaign}/guidance-groups/group-${org}/inspection-rounds`,
        headers: admin,
        payload: { roundId: `round-${org}`, sampleSize: 1, seed: 'matrix' },
      });
      expect(round.statusCode, round.body).toBe(201);
    },
  ];
}

beforeAll(async () => {
  db = await freshDatabase();
  t = await startTestWorker(db.kysely);
  app = await buildApp({ db: db.kysely, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN });
  await importTree(app, TJ);
  await importTree(app, BJ);

  // Two campaigns over two cities, every level mobilised as the cascade reaches it; and one
  // campaign rooted at each relation's target, for the campaign-level routes.
  const rules = { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 5 };
  for (const [id, rootOrgId] of [
    [MAIN, 'tj'],
    [OTHER, 'bj'],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/campaigns',
      headers: admin,
      payload: { id, name: '主题教育', batch: 2, rootOrgId, phaseMode: 'integrated', startsOn: '2019-09-01', endsOn: '2099-12-31', rules },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  for (const rel of RELATION_NAMES)
    expect((await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: scopedSpec(rel) })).statusCode).toBe(201);

  tokens.set('admin', await issueToken(app, { role: 'admin' }));
  const tokenOrgs = [...new Set(Object.values(RELATIONS).map((r) => r.tokenOrg))];
  for (const role of ROLES.filter((r) => r !== 'admin')) for (const orgId of tokenOrgs) tokens.set(`${role}@${orgId}`, await issueToken(app, { role, orgId }));

  const mobilised = await untilMobilised(db.kysely, [MAIN, OTHER], ALL.length, { what: 'every org of both campaigns mobilised' });
  for (const r of mobilised) fx.mobilisedOn.set(r.org_id, r.mobilised_on!);

  // The targets side by side, a few tasks each: Temporal takes at most 10 updates in flight per workflow.
  await Promise.all(RELATION_NAMES.map((rel) => pool(targetFixtures(rel), 4)));

  // The read models the reads and the workflows' inboxes the claims need.
  const targets = RELATION_NAMES.map((rel) => RELATIONS[rel].target);
  const pendingAt = [...targets.map((o) => fx.toClaim.get(o)!), ...targets.map((o) => fx.toForward.get(o)!), ...targets.map((o) => fx.chain.get(o)!)];
  await vi.waitFor(
    async () => {
      const value = await db.kysely
        .selectFrom('rm_escalations')
        .select('escalation_id')
        .where('escalation_id', 'in', pendingAt)
        .where('target_status', '=', 'pending')
        .execute();
      expect(value, 'escalations received').toSatisfy((rows) => rows.length === pendingAt.length);
    },
    { timeout: 60_000, interval: 200 },
  );
  await vi.waitFor(
    async () => {
      const value = await db.kysely.selectFrom('rm_joint_problems').select('joint_id').where('joint_id', 'like', 'read-joint-%').execute();
      expect(value, 'joint problems').toSatisfy((rows) => rows.length === targets.length);
    },
    { timeout: 30_000, interval: 200 },
  );
  await vi.waitFor(
    async () => {
      const value = await db.kysely.selectFrom('rm_projects').select('project_ref').where('project_id', '=', 'read-project').execute();
      expect(value, 'projects').toSatisfy((rows) => rows.length === targets.length);
    },
    { timeout: 30_000, interval: 200 },
  );
  await vi.waitFor(
    async () => {
      const value = await db.kysely.selectFrom('rm_directives').select('directive_id').where('directive_id', 'like', 'read-dir-%').execute();
      expect(value, 'directives').toSatisfy((rows) => rows.length === targets.length);
    },
    { timeout: 30_000, interval: 200 },
  );
  await vi.waitFor(
    async () => {
      const value = await db.kysely.selectFrom('rm_campaigns').select('id').where('id', 'like', 'scope-%').execute();
      expect(value, 'scoped campaigns').toSatisfy((rows) => rows.length === RELATION_NAMES.length);
    },
    { timeout: 30_000, interval: 200 },
  );
  for (const rel of RELATION_NAMES) {
    const res = await app.inject({ method: 'POST', url: `/campaigns/${scopedId(rel)}/reports`, headers: admin, payload: { kind: 'weekly' } });
    expect(res.statusCode, res.body).toBe(201);
    fx.report.set(rel, res.json<{ reportId: string }>().reportId);
  }
  const rounds = await vi.waitFor(
    async () => {
      const value = await db.kysely.selectFrom('rm_inspection_rounds').select(['round_id', 'sample']).where('round_id', 'like', 'round-%').execute();
      expect(value, 'inspection rounds sampled').toSatisfy((rows: typeof value) => rows.length === targets.length && rows.every((r) => r.sample.length === 1));
      return value;
    },
    { timeout: 30_000, interval: 200 },
  );
  for (const r of rounds) fx.sampled.set(r.round_id.slice('round-'.length), r.sample[0]!);

  // A public message to each campaign rooted at a target, left for its office to triage (no rule routes it).
  if ((await servedRoutes()).fromOpenApi.includes('POST /campaigns/:id/public-messages')) {
    for (const [i, rel] of RELATION_NAMES.entries()) {
      const res = await app.inject({
        method: 'POST',
        url: `/campaigns/${scopedId(rel)}/public-messages`,
        payload: { text: '公交站台没有遮雨棚', category: '交通', area: '河西区' },
        remoteAddress: `10.0.0.${i + 1}`,
      });
      expect(res.statusCode, res.body).toBe(201);
      fx.trackingCode.set(rel, res.json<{ trackingCode: string }>().trackingCode);
    }
    const awaiting = await vi.waitFor(
      async () => {
        const value = await sql<{
          campaign_id: string;
          message_id: string;
        }>`select campaign_id, message_id from rm_public_messages where campaign_id like 'scope-%' and state = 'awaiting_triage'`.execute(db.kysely);
        expect(value, 'public messages awaiting triage').toSatisfy((r: typeof value) => r.rows.length === RELATION_NAMES.length);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    for (const row of awaiting.rows) fx.messageId.set(row.campaign_id.slice('scope-'.length), row.message_id);
  }
}, 300_000);

afterAll(async () => {
  await app?.close();
  await t?.stop();
  await db?.close();
});

// ---- the matrix ------------------------------------------------------------------------

/** Every route the app serves as `METHOD /path/:param`, but HEAD (Fastify's twin of each GET) and the open ones. */
async function servedRoutes(): Promise<{ fromOpenApi: string[]; fromRouter: string[] }> {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  const fromOpenApi = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
  // The router's own list, so a route hidden from the OpenAPI document cannot escape either.
  const fromRouter: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) fromRouter.push(`${method} ${stack.join('')}`);
  }
  return { fromOpenApi: fromOpenApi.filter((r) => !OPEN(r)).sort(), fromRouter: fromRouter.filter((r) => !OPEN(r)).sort() };
}

describe('the authorisation matrix', () => {
  test('every route × every role × every relation answers as the rule table says', { timeout: 300_000 }, async () => {
    const { fromOpenApi, fromRouter } = await servedRoutes();
    expect(fromRouter).toEqual(fromOpenApi);
    // A route without an entry fails here.
    expect(fromOpenApi.filter((route) => !ROUTES[route])).toEqual([]);

    const order = [
      ...fromOpenApi.filter((r) => !ROUTES[r]!.last),
      ...fromOpenApi.filter((r) => ROUTES[r]!.last && !r.includes('/close')),
      ...fromOpenApi.filter((r) => r.includes('/close')),
    ];
    const wrong: string[] = [];
    let allowed = 0;
    let denied = 0;
    const statuses = new Map<number, number>();
    // Each answer is one its operation declares in the document (api/openapi.ts): a refusal the
    // document leaves out (a 403 where only a 404 is declared) is wrong however right its status.
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    const declares = (route: string, status: number) => {
      const [method, path] = route.split(' ') as [string, string];
      return String(status) in (doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()]?.responses ?? {});
    };
    for (const route of order) {
      const rule = ROUTES[route]!;
      const method = route.split(' ')[0] as 'GET' | 'POST' | 'PUT' | 'DELETE';
      const cases = ROLES.flatMap((role) => RELATION_NAMES.map((rel) => ({ role, rel })));
      await pool(
        cases.map(({ role, rel }) => async () => {
          const { target: org, campaign: c, tokenOrg } = RELATIONS[rel];
          const x: Ctx = { role, rel, caseId: `${role}-${rel}`, c, org, child: firstChild(org) };
          const req = rule.request(x);
          const res = await app.inject({
            method,
            url: req.url,
            headers: { ...bearer(tokenFor(role, rel)), ...req.headers },
            ...(req.payload !== undefined ? { payload: req.payload as object | string } : {}),
            ...(req.remoteAddress ? { remoteAddress: req.remoteAddress } : {}),
          });
          const allow = expectedAllowed(rule.mode, role, rel);
          const who = `${route} as ${role}${role === 'admin' ? '' : ` of ${tokenOrg}`} on its ${rel} ${org} (${rule.mode})`;
          const detail = () => `${res.statusCode} ${res.body.slice(0, 300)}`;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (!declares(route, res.statusCode)) wrong.push(`${who}: answered ${res.statusCode}, which its operation does not declare`);
          if (allow) {
            allowed += 1;
            const ok = rule.ok ?? [200, 201, 202, 204];
            if (!ok.includes(res.statusCode)) wrong.push(`${who}: expected allowed (${ok.join('/')}), got ${detail()}`);
          } else {
            denied += 1;
            const deny = denyStatus(rule, role, rel);
            const problem = res.headers['content-type']?.toString().startsWith('application/problem+json') ? res.json<{ status?: number }>() : undefined;
            if (res.statusCode !== deny || problem?.status !== deny) wrong.push(`${who}: expected a ${deny} problem, got ${detail()}`);
          }
        }),
        rule.serial ? 1 : 12,
      );
    }
    const matrixCases = allowed + denied;
    expect(matrixCases).toBe(fromOpenApi.length * ROLES.length * RELATION_NAMES.length);

    // The target's directive named through the caller's own org (an admin has no org of its own).
    await pool(
      ROLES.filter((role) => role !== 'admin').flatMap((role) =>
        RELATION_NAMES.map((rel) => async () => {
          const { target, campaign: c, tokenOrg } = RELATIONS[rel];
          const res = await app.inject({
            method: 'GET',
            url: `/campaigns/${c}/orgs/${tokenOrg}/directives/read-dir-${target}`,
            headers: bearer(tokenFor(role, rel)),
          });
          const who = `GET /campaigns/:id/orgs/:orgId/directives/:directiveId as ${role} of ${tokenOrg}, through its own org, for the directive of its ${rel} ${target}`;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (!declares('GET /campaigns/:id/orgs/:orgId/directives/:directiveId', res.statusCode))
            wrong.push(`${who}: answered ${res.statusCode}, which its operation does not declare`);
          if (LINE.includes(rel)) {
            allowed += 1;
            if (res.statusCode !== 200 || res.json<{ issuer_org_id?: string }>().issuer_org_id !== target)
              wrong.push(`${who}: expected it, got ${res.statusCode} ${res.body.slice(0, 300)}`);
          } else {
            denied += 1;
            const problem = res.headers['content-type']?.toString().startsWith('application/problem+json') ? res.json<{ status?: number }>() : undefined;
            if (res.statusCode !== 404 || problem?.status !== 404)
              wrong.push(`${who}: expected a 404 problem, got ${res.statusCode} ${res.body.slice(0, 300)}`);
          }
        }),
      ),
      12,
    );
    expect(wrong).toEqual([]);
    const total = allowed + denied;
    // The tokens a refused DELETE named are still valid; the allowed ones are revoked.
    const revoked = await db.kysely
      .selectFrom('api_tokens')
      .select(['id', 'revoked_at'])
      .where('id', 'in', [...fx.revocable.values()])
      .execute();
    const shouldBe = new Map(
      [...fx.revocable].map(([caseId, id]) => [id, expectedAllowed('steer', caseId.split('-')[0] as Role, caseId.slice(caseId.indexOf('-') + 1) as Relation)]),
    );
    expect(revoked.filter((r) => (r.revoked_at !== null) !== shouldBe.get(r.id))).toEqual([]);
    console.log(
      `authorisation matrix: ${total} cases asserted (${allowed} allowed, ${denied} denied): ${matrixCases} over ${fromOpenApi.length} routes × ${ROLES.length} roles × ${RELATION_NAMES.length} relations, and ${total - matrixCases} objects named through the caller's own org; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
  });
});

// ---- authentication that fails -----------------------------------------------------------

describe('a token that no longer holds', () => {
  test('revoked or expired, it answers 401 on a command it could send before, and the log names its id, never its secret', async () => {
    const lines: string[] = [];
    const logged = await buildApp({
      db: db.kysely,
      temporal: { client: t.client, taskQueue: t.taskQueue },
      adminToken: ADMIN,
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    });
    const session = (token: string, sessionId: string) =>
      logged.inject({
        method: 'POST',
        url: `/campaigns/${MAIN}/orgs/tj-d2-u2/study-sessions`,
        headers: bearer(token),
        payload: { sessionId, date: '2019-09-11', kind: 'concentrated', hours: 2, attendance: 15 },
      });

    const revoked = await issueToken(logged, { role: 'secretary', orgId: 'tj-d2-u2' });
    const expiring = await issueToken(logged, { role: 'secretary', orgId: 'tj-d2-u2', expiresInDays: 1 });
    expect((await session(revoked, 'auth-1')).statusCode).toBe(200);
    expect((await session(expiring, 'auth-2')).statusCode).toBe(200);

    const id = (token: string) => token.split('_')[1]!;
    // The secret is base64url: it may itself hold `_`.
    const secretOf = (token: string) => token.slice(`ce_${id(token)}_`.length);
    expect((await logged.inject({ method: 'DELETE', url: `/tokens/${id(revoked)}`, headers: admin })).statusCode).toBe(204);
    await db.kysely
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', id(expiring))
      .execute();
    for (const token of [revoked, expiring]) {
      const res = await session(token, 'auth-3');
      expect(expectProblem(res, 401).detail).toMatch(/revoked or has expired/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).not.toContain(secretOf(token));
    }
    // Nothing was recorded by the refused requests.
    expect(await db.kysely.selectFrom('rm_study_sessions').select('session_id').where('session_id', '=', 'auth-3').execute()).toEqual([]);
    await logged.close();

    const failures = lines.map((l) => JSON.parse(l) as { msg: string; tokenId?: string }).filter((l) => l.msg.startsWith('authentication failed'));
    expect(failures.map((l) => [l.tokenId, l.msg])).toEqual([
      [id(revoked), 'authentication failed: revoked or expired token'],
      [id(expiring), 'authentication failed: revoked or expired token'],
    ]);
    const log = lines.join('\n');
    for (const token of [revoked, expiring]) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(secretOf(token));
    }
  });
});
