/**
 * 例会 end to end, on a real Temporal server and a real PostgreSQL: a campaign started through
 * the API gets its two report Schedules; problems, an overdue item (a real durable timer), a
 * closed item and escalations are recorded; the weekly Schedule is triggered at once and its
 * report is stored with figures equal to a brute-force count from the database and to what the
 * existing /lagging and /overdue routes list; a second trigger covers only what happened since
 * the first; a retried compilation of the same period stores nothing twice; the page is a table
 * and an SVG chart; the routes refuse who may not read and name the field of bad input; and the
 * Schedules are deleted when the campaign closes.
 *
 * With `WRITE_REPORT_HISTORY=1` the triggered run's history is also written to
 * `test/histories/report-1.json` for the replay test (the full recorder, `npm run
 * record-histories`, re-records every other workflow too).
 */
import { writeFile } from 'node:fs/promises';
import { ScheduleNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { ApiInstance } from '../../api/app.js';
import { compileReport } from '../../activities/reports.js';
import { orgHandle } from '../../client/campaigns.js';
import { generateTree } from '../../domain/generate-tree.js';
import { LEVELS } from '../../domain/levels.js';
import { reportScheduleId, type ReportFigures } from '../../domain/report.js';
import { escalateProblemUpdate, planRectificationUpdate, recordProblemUpdate, startRectificationUpdate } from '../../workflows/messages.js';
import { ADMIN, bearer, buildTestApp, expectProblem, issueToken } from '../support/api.js';
import { rectify } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { workflowBundle } from '../support/temporal.js';

const TREE = generateTree('small');
const f = useWorkflowFixture(() => TREE);
let app: ApiInstance;
const admin = bearer(ADMIN);
const C = `rep-${Math.random().toString(36).slice(2, 7)}`;
const BY = 'secretary:test';

const post = (url: string, payload: unknown, headers: Record<string, string>) => app.inject({ method: 'POST', url, payload: payload as object, headers });
const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
const reportRows = (kind: 'weekly' | 'fortnightly') =>
  f.db.kysely.selectFrom('reports').selectAll().where('campaign_id', '=', C).where('kind', '=', kind).orderBy('period_to').execute();

/** Triggers the Schedule now and waits for the report that run stores. */
async function trigger(kind: 'weekly' | 'fortnightly') {
  const before = (await reportRows(kind)).length;
  // A triggered run's nominal time (its period's end) has whole-second precision: what was recorded
  // in the second of the trigger belongs to the next period. Wait for the next second, so the
  // report covers everything done so far.
  await new Promise((r) => setTimeout(r, 1100));
  await f.t.client.schedule.getHandle(reportScheduleId(C, kind)).trigger();
  const rows = await vi.waitFor(
    async () => {
      const value = await reportRows(kind);
      expect(value, `${kind} report ${before + 1}`).toSatisfy((r: typeof value) => r.length === before + 1);
      return value;
    },
    { timeout: 30_000, interval: 200 },
  );
  return rows[rows.length - 1]!;
}

/** The figures counted again, brute force: one SQL count per figure, nothing shared with the activity's code. */
async function bruteForce() {
  const db = f.db.kysely;
  const progress = await db.selectFrom('rm_org_progress').select(['org_id', 'level', 'mobilised_on']).where('campaign_id', '=', C).execute();
  const items = await db.selectFrom('rm_problems').select(['org_id', 'status', 'alert']).where('campaign_id', '=', C).execute();
  const levelOf = new Map(progress.map((p) => [p.org_id, p.level]));
  const perLevel = LEVELS.map((level) => {
    const mine = items.filter((i) => levelOf.get(i.org_id) === level && i.status !== 'cancelled');
    const n = (status: string) => mine.filter((i) => i.status === status).length;
    return {
      level,
      orgs: progress.filter((p) => p.level === level).length,
      mobilised: progress.filter((p) => p.level === level && p.mobilised_on !== null).length,
      problems: mine.length,
      found: n('found'),
      planned: n('planned'),
      inProgress: n('in_progress'),
      rectified: n('rectified'),
      closed: n('closed'),
      overdue: mine.filter((i) => i.alert === 'red' && (i.status === 'planned' || i.status === 'in_progress')).length,
    };
  }).filter((l) => l.orgs > 0);
  const lagging = await sql<{ n: string }>`
    select count(*) as n from rm_org_progress where campaign_id = ${C}
    and (mobilised_on is null or (own->>'studyDone')::int = 0 or (own->>'overdue')::int > 0)`.execute(db);
  return { perLevel, lagging: Number(lagging.rows[0]!.n) };
}

async function eventsIn(type: string, from: Date, to: Date) {
  const r = await sql<{
    n: string;
  }>`select count(*) as n from events where campaign_id = ${C} and type = ${type} and recorded_at > ${from} and recorded_at <= ${to}`.execute(f.db.kysely);
  return Number(r.rows[0]!.n);
}

/** Every page of a list route (limit 1000), as the API answers it. */
async function listAll(url: string) {
  const res = await get(`${url}?limit=1000`, admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as unknown[];
}

beforeAll(async () => {
  app = await buildTestApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue } });
  // Branches are left to mobilise themselves (they never do here): the lagging list has something to list.
  const created = await post(
    '/campaigns',
    {
      id: C,
      name: '主题教育 例会测试',
      batch: 2,
      rootOrgId: 'tj',
      phaseMode: 'integrated',
      startsOn: '2019-09-01',
      endsOn: '2099-12-31',
      rules: { progressReportSeconds: 1, warningDays: 2 / 86_400, autoMobiliseLevels: ['city', 'district', 'unit'] },
    },
    admin,
  );
  expect(created.statusCode, created.body).toBe(201);
  await vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_org_progress').select('org_id').where('campaign_id', '=', C).execute();
      expect(value, 'every org started').toSatisfy((rows) => rows.length === TREE.length);
    },
    { timeout: 90_000, interval: 200 },
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('the report Schedules (例会)', () => {
  test('a campaign gets a weekly and a fortnightly Schedule starting reportWorkflow on its task queue', async () => {
    for (const [kind, every] of [
      ['weekly', 7],
      ['fortnightly', 14],
    ] as const) {
      const d = await vi.waitFor(() => f.t.client.schedule.getHandle(reportScheduleId(C, kind)).describe(), { timeout: 20_000, interval: 200 });
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reportWorkflow', taskQueue: f.t.taskQueue, args: [{ campaignId: C, kind }] });
      expect(d.spec.intervals?.[0]?.every).toBe(every * 86_400_000);
    }
  });

  test(
    'triggered at once, it stores a report whose figures equal a brute-force count; the next covers only what came after; a retry stores nothing twice',
    { timeout: 240_000 },
    async () => {
      const org = (id: string) => orgHandle(f.t.client, C, id);
      // Problems at three levels; one closed, one overdue on a real timer, one planned; one escalated up.
      await org('tj').executeUpdate(recordProblemUpdate, {
        args: [{ problemId: 'c1', source: 'self_inspection', category: '作风', description: '文件多会议多，基层负担重', by: BY }],
      });
      await org('tj-d1').executeUpdate(recordProblemUpdate, {
        args: [{ problemId: 'd1', source: 'self_inspection', category: '服务', description: '窗口办事要跑三个科室', by: BY }],
      });
      await org('tj-d1').executeUpdate(recordProblemUpdate, {
        args: [{ problemId: 'd2', source: 'research', category: '民生', description: '老旧小区加装电梯推进慢', by: BY }],
      });
      await org('tj-d2').executeUpdate(recordProblemUpdate, {
        args: [{ problemId: 'd3', source: 'self_inspection', category: '作风', description: '调研走过场，报告照抄', by: BY }],
      });
      await org('tj-d1-u1').executeUpdate(recordProblemUpdate, {
        args: [{ problemId: 'u1', source: 'self_inspection', category: '政策', description: '补贴标准由区定，单位无权调整', by: BY }],
      });
      await rectify(org('tj-d1'), 'd1');
      await org('tj-d2').executeUpdate(planRectificationUpdate, {
        args: [{ problemId: 'd3', owner: '办公室主任', measures: '重写调研报告', deadline: new Date(Date.now() + 3000).toISOString(), by: BY }],
      });
      await org('tj-d2').executeUpdate(startRectificationUpdate, { args: [{ problemId: 'd3', by: BY }] });
      await org('tj-d1').executeUpdate(planRectificationUpdate, {
        args: [{ problemId: 'd2', owner: '住建科', measures: '摸排并制定计划', deadline: '2099-06-30', by: BY }],
      });
      const { escalationId } = await org('tj-d1-u1').executeUpdate(escalateProblemUpdate, {
        args: [{ problemId: 'u1', targetOrgId: 'tj-d1', reason: '根子在区级政策', by: BY }],
      });
      await expect
        .poll(() => f.db.kysely.selectFrom('rm_problems').select('alert').where('campaign_id', '=', C).where('problem_id', '=', 'd3').executeTakeFirst(), {
          timeout: 20_000,
          message: 'd3 red',
        })
        .toSatisfy((r) => r?.alert === 'red');
      await expect
        .poll(() => f.db.kysely.selectFrom('rm_escalations').select('target_status').where('escalation_id', '=', escalationId).executeTakeFirst(), {
          timeout: 20_000,
          message: 'escalation received',
        })
        .toSatisfy((r) => r?.target_status === 'pending');
      await expect
        .poll(() => f.db.kysely.selectFrom('rm_org_progress').select('own').where('campaign_id', '=', C).where('org_id', '=', 'tj-d2').executeTakeFirst(), {
          timeout: 20_000,
          message: 'tj-d2 reports its overdue item',
        })
        .toSatisfy((r) => (r?.own as Record<string, number>).overdue === 1);

      const first = await trigger('weekly');
      const figures = first.figures as unknown as ReportFigures;
      expect(first.workflow_id).toMatch(new RegExp(`^campaign/${C}/report/weekly`));
      const campaign = await f.db.kysely.selectFrom('rm_campaigns').select('started_at').where('id', '=', C).executeTakeFirstOrThrow();
      expect(new Date(first.period_from).toISOString()).toBe(new Date(campaign.started_at).toISOString());

      const brute = await bruteForce();
      expect(figures.levels.map(({ closedPercent: _p, ...l }) => l)).toEqual(brute.perLevel);
      expect(figures.levels.find((l) => l.level === 'district')).toMatchObject({ problems: 3, closed: 1, inProgress: 1, planned: 1, overdue: 1 });
      expect(figures.levels.find((l) => l.level === 'city')).toMatchObject({ problems: 1, found: 1 });
      expect(figures.total.problems).toBe(5);
      expect(figures.overdue.count).toBe(1);
      expect(figures.overdue.items).toEqual([expect.objectContaining({ orgId: 'tj-d2', problemId: 'd3', owner: '办公室主任' })]);
      expect((await listAll(`/campaigns/${C}/orgs/tj/overdue`)).length).toBe(figures.overdue.count);
      expect(figures.lagging.count).toBe(brute.lagging);
      expect((await listAll(`/campaigns/${C}/orgs/tj/lagging`)).length).toBe(figures.lagging.count);
      expect(figures.lagging.count).toBeGreaterThanOrEqual(TREE.filter((o) => o.level === 'branch').length);
      const from = new Date(first.period_from);
      const to = new Date(first.period_to);
      expect(figures.escalations).toEqual({
        raised: await eventsIn('ProblemEscalated', from, to),
        received: await eventsIn('EscalationReceived', from, to),
        claimed: 0,
        forwarded: 0,
        lapsed: 0,
        awaitingClaim: 1,
      });
      expect(figures.escalations.raised).toBe(1);
      expect(figures.activity).toEqual({
        problemsRecorded: await eventsIn('ProblemRecorded', from, to),
        itemsClosed: await eventsIn('RectificationVerified', from, to),
      });
      expect(figures.activity).toEqual({ problemsRecorded: 5, itemsClosed: 1 });
      expect(figures.inspections).toBeUndefined();

      // The run's history replays against today's code (and is written for the replay test when asked).
      const history = await f.t.client.workflow.getHandle(first.workflow_id).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, first.workflow_id);
      if (process.env.WRITE_REPORT_HISTORY === '1') await writeFile(new URL('../histories/report-1.json', import.meta.url), historyToJSON(history));

      // A second escalation, then the next report: it covers only what came after the first.
      await org('tj-d2-u1').executeUpdate(recordProblemUpdate, {
        args: [{ problemId: 'u2', source: 'self_inspection', category: '政策', description: '编制审批在区里', by: BY }],
      });
      const second = await org('tj-d2-u1').executeUpdate(escalateProblemUpdate, {
        args: [{ problemId: 'u2', targetOrgId: 'tj-d2', reason: '根子在区里', by: BY }],
      });
      await expect
        .poll(() => f.db.kysely.selectFrom('rm_escalations').select('target_status').where('escalation_id', '=', second.escalationId).executeTakeFirst(), {
          timeout: 20_000,
          message: 'second escalation received',
        })
        .toSatisfy((r) => r?.target_status === 'pending');
      const next = await trigger('weekly');
      const nextFigures = next.figures as unknown as ReportFigures;
      expect(new Date(next.period_from).toISOString()).toBe(to.toISOString());
      const escalatedAt = await f.db.kysely
        .selectFrom('events')
        .select(['type', 'recorded_at', 'occurred_at'])
        .where('campaign_id', '=', C)
        .where('type', 'in', ['ProblemEscalated', 'EscalationReceived'])
        .execute();
      expect(
        nextFigures.escalations,
        JSON.stringify({
          first: [first.period_from, first.period_to, first.created_at],
          next: [next.period_from, next.period_to, next.created_at],
          escalatedAt,
        }),
      ).toMatchObject({ raised: 1, received: 1, awaitingClaim: 2 });
      expect(nextFigures.activity).toEqual({ problemsRecorded: 1, itemsClosed: 0 });
      // Across the two, every escalation raised so far counted exactly once.
      const allRaised = await eventsIn('ProblemEscalated', new Date(0), new Date(next.period_to));
      expect(figures.escalations.raised + nextFigures.escalations.raised).toBe(allRaised);

      // A retried compilation of the first period (the activity, then a whole workflow) finds it stored.
      const again = await compileReport({ db: f.db.kysely })({
        campaignId: C,
        kind: 'weekly',
        periodTo: new Date(first.period_to).toISOString(),
        workflowId: 'retry',
      });
      expect(again).toEqual({ reportId: first.report_id, created: false, periodFrom: from.toISOString(), periodTo: to.toISOString() });
      const rerun = await f.t.client.workflow.execute('reportWorkflow', {
        workflowId: `campaign/${C}/report/weekly/rerun`,
        taskQueue: f.t.taskQueue,
        args: [{ campaignId: C, kind: 'weekly', periodTo: to.toISOString() }],
      });
      expect(rerun).toMatchObject({ reportId: first.report_id, created: false });
      expect(await reportRows('weekly')).toHaveLength(2);
    },
  );
});

describe('the reports through the API', () => {
  test(
    'listed, read as JSON and as a page with a table and an SVG chart; compiled by hand; the fortnightly one for the guidance groups',
    { timeout: 120_000 },
    async () => {
      const list = await get(`/campaigns/${C}/reports`, admin);
      expect(list.statusCode, list.body).toBe(200);
      const items = list.json().items as { reportId: string; kind: string; periodTo: string; page: string }[];
      expect(items.map((i) => i.kind)).toEqual(['weekly', 'weekly']);
      expect(items[0]!.periodTo > items[1]!.periodTo).toBe(true);
      const paged = await get(`/campaigns/${C}/reports?limit=1`, admin);
      expect(paged.json().items).toHaveLength(1);
      const rest = await get(`/campaigns/${C}/reports?limit=1&cursor=${paged.json().nextCursor}`, admin);
      expect(rest.json().items[0].reportId).toBe(items[1]!.reportId);

      const one = await get(`/campaigns/${C}/reports/${items[1]!.reportId}`, admin);
      expect(one.statusCode, one.body).toBe(200);
      const stored = await f.db.kysely.selectFrom('reports').select('figures').where('report_id', '=', items[1]!.reportId).executeTakeFirstOrThrow();
      expect(one.json().figures).toEqual(stored.figures);

      const page = await get(items[1]!.page, admin);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('<table>');
      expect(page.body).toMatch(/<svg [^>]*role="img"/);
      expect(page.body).toContain('<td>tj-d2</td><td>d3</td>');
      expect(page.body).not.toMatch(/<script|src=|href=/);

      // By hand: an organiser of the root; the fortnightly report carries the guidance groups' figures.
      const organiser = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj' }));
      const inspector = await issueToken(app, { role: 'inspector', orgId: 'tj' });
      const inspectorOfD1 = await issueToken(app, { role: 'inspector', orgId: 'tj-d1' });
      const tokenId = (t: string) => /^ce_([0-9a-f]{12})_/.exec(t)![1]!;
      const group = await post(
        `/campaigns/${C}/guidance-groups`,
        { groupId: 'g1', name: '第一巡回指导组', scopeOrgId: 'tj-d1', inspectorTokenIds: [tokenId(inspectorOfD1)] },
        organiser,
      );
      expect(group.statusCode, group.body).toBe(201);
      const made = await post(`/campaigns/${C}/reports`, { kind: 'fortnightly' }, organiser);
      expect(made.statusCode, made.body).toBe(201);
      expect(made.json()).toMatchObject({ kind: 'fortnightly', created: true, reportId: expect.stringMatching(/^fortnightly-/) });
      const fortnightly = (await get(`/campaigns/${C}/reports/${made.json().reportId}`, admin)).json();
      expect(fortnightly.figures.inspections).toEqual({
        roundsStarted: 0,
        findingsIssued: 0,
        noticesCirculated: 0,
        groups: [{ groupId: 'g1', name: '第一巡回指导组', rounds: 0, findings: 0 }],
      });
      expect(fortnightly.workflowId).toBe(made.json().workflowId);

      // Readers: the office (tokens at the root or above); a group's inspector, the fortnightly only.
      expect((await get(`/campaigns/${C}/reports`, bearer(inspector))).statusCode).toBe(200);
      const groupList = await get(`/campaigns/${C}/reports`, bearer(inspectorOfD1));
      expect(groupList.statusCode, groupList.body).toBe(200);
      expect(groupList.json().items.map((i: { kind: string }) => i.kind)).toEqual(['fortnightly']);
      expect((await get(`/campaigns/${C}/reports/${made.json().reportId}/page`, bearer(inspectorOfD1))).statusCode).toBe(200);
      expectProblem(await get(`/campaigns/${C}/reports/${items[0]!.reportId}`, bearer(inspectorOfD1)), 403);
      expectProblem(await get(`/campaigns/${C}/reports?kind=weekly`, bearer(inspectorOfD1)), 403);
      const districtOrganiser = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d1' }));
      expectProblem(await get(`/campaigns/${C}/reports`, districtOrganiser), 403);
      // The campaign's root is outside its subtree: answered as an org it cannot see.
      expectProblem(await post(`/campaigns/${C}/reports`, { kind: 'weekly' }, districtOrganiser), 404);
      expectProblem(await post(`/campaigns/${C}/reports`, { kind: 'weekly' }, bearer(inspector)), 403);

      // Bad input names the field; unknown things are 404.
      const bad: [Promise<Awaited<ReturnType<typeof get>>>, number, string | null][] = [
        [post(`/campaigns/${C}/reports`, { kind: 'monthly' }, organiser), 400, 'body.kind'],
        [post(`/campaigns/${C}/reports`, { kind: 'weekly', extra: 1 }, organiser), 400, 'body'],
        [get(`/campaigns/${C}/reports?kind=daily`, admin), 400, 'querystring.kind'],
        [get(`/campaigns/${C}/reports?limit=0`, admin), 400, 'querystring.limit'],
        [get(`/campaigns/${C}/reports/weekly-x`, admin), 400, 'params.reportId'],
        [get(`/campaigns/${C}/reports/weekly-20990101T000000000Z`, admin), 404, null],
        [get(`/campaigns/no-such/reports`, admin), 404, null],
      ];
      for (const [res, status, path] of bad) {
        const p = expectProblem(await res, status);
        if (path) expect(p.errors?.map((e) => e.path).join(' '), JSON.stringify(p)).toContain(path);
      }
    },
  );

  test('closing the campaign deletes its Schedules; its reports stay', { timeout: 180_000 }, async () => {
    const closed = await post(`/campaigns/${C}/close`, { reason: '阶段性工作结束' }, admin);
    expect(closed.statusCode, closed.body).toBe(202);
    for (const kind of ['weekly', 'fortnightly'] as const) {
      await expect
        .poll(
          () =>
            f.t.client.schedule
              .getHandle(reportScheduleId(C, kind))
              .describe()
              .then(
                () => 'exists',
                (err) => (err instanceof ScheduleNotFoundError ? 'gone' : String(err)),
              ),
          { timeout: 150_000, message: `${kind} schedule deleted` },
        )
        .toSatisfy((s) => s === 'gone');
    }
    expect((await get(`/campaigns/${C}/reports`, admin)).json().items).toHaveLength(3);
  });
});
