/**
 * 巡回指导组 / 暗访抽查 / 通报 end to end, on a real Temporal server and a real PostgreSQL,
 * through the HTTP API: a guidance group over a district of the small tree starts a round
 * with a seed; the sample is the one the seed gives; the six rules fire on orgs driven into
 * crafted states (one diligent, one half-done, the rest left empty); nobody outside the group
 * sees the round until its findings are issued; the findings arrive as `spot_check` items in
 * the inspected orgs' ledgers; the notice is stored and listed; bad input is refused naming
 * the field; and the read models equal a rebuild.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { ApiInstance } from '../../api/app.js';
import { orgHandle } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { generateTree } from '../../domain/generate-tree.js';
import { sampleOrgs, spotCheckItemId, type Candidate } from '../../domain/inspection.js';
import {
  createProjectUpdate,
  democraticLifeMeetingUpdate,
  proposeTopicUpdate,
  recordProblemUpdate,
  recordStudySessionUpdate,
  submitReportUpdate,
  vetTopicUpdate,
} from '../../workflows/messages.js';
import { ADMIN, bearer, buildTestApp, expectProblem, issueToken } from '../support/api.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels, untilMobilised } from '../support/read-models.js';

const TREE = generateTree('small');
const f = useWorkflowFixture(() => TREE);
let app: ApiInstance;
const admin = bearer(ADMIN);
const C = `spot-${Math.random().toString(36).slice(2, 7)}`;
const SEED = 'tj-2019-round-1';
const BY = 'secretary:test';

/** The orgs a round over tj-d2 may sample: everything strictly below it. */
const CANDIDATES: Candidate[] = TREE.filter((o) => o.id.startsWith('tj-d2-')).map((o) => ({ orgId: o.id, level: o.level }));
const PREDICTED = sampleOrgs(CANDIDATES, 4, SEED);
const [DILIGENT, HALF, EMPTY1, EMPTY2] = PREDICTED as [string, string, string, string];

const tokenId = (token: string) => /^ce_([0-9a-f]{12})_/.exec(token)![1]!;
let organiser: Record<string, string>;
let inspector: string;
let outsider: Record<string, string>;
const secretaryOf: Record<string, Record<string, string>> = {};

const post = (url: string, payload: unknown, headers: Record<string, string>) => app.inject({ method: 'POST', url, payload: payload as object, headers });
const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
const roundRow = (roundId: string) =>
  f.db.kysely.selectFrom('rm_inspection_rounds').selectAll().where('campaign_id', '=', C).where('round_id', '=', roundId).executeTakeFirst();
const spotItems = (orgId: string) =>
  f.db.kysely
    .selectFrom('rm_problems')
    .selectAll()
    .where('campaign_id', '=', C)
    .where('org_id', '=', orgId)
    .where('source', '=', 'spot_check')
    .orderBy('problem_id')
    .execute();

/** Drives an org through every required action, with specific problems: no rule should fire. */
async function diligent(orgId: string): Promise<void> {
  const h = orgHandle(f.t.client, C, orgId);
  for (const [i, date] of ['2019-09-10', '2019-09-11'].entries()) {
    await h.executeUpdate(recordStudySessionUpdate, { args: [{ sessionId: `s${i}`, date, kind: 'concentrated', hours: 4, attendance: 20, by: BY }] });
  }
  await h.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 't1', leader: '支部书记', title: '关于老旧小区加装电梯的调研', by: BY }] });
  await h.executeUpdate(vetTopicUpdate, { args: [{ topicId: 't1', decision: 'approved', by: 'inspector:test' }] });
  await h.executeUpdate(submitReportUpdate, { args: [{ reportId: 'r1', topicId: 't1', title: '加装电梯调研报告', policyMeasures: 2, by: BY }] });
  await h.executeUpdate(createProjectUpdate, {
    args: [{ projectId: 'p1', title: '为基层减负专项整治', leadOrgId: orgId, participantOrgIds: [orgId], by: BY }],
  });
  await h.executeUpdate(recordProblemUpdate, {
    args: [
      {
        problemId: 'own-1',
        source: 'self_inspection',
        category: '作风',
        description: '窗口办事流程繁琐，群众办一件事要跑三个科室',
        projectRef: `${orgId}/p1`,
        by: BY,
      },
    ],
  });
  await h.executeUpdate(democraticLifeMeetingUpdate, {
    args: [
      {
        meetingId: 'm1',
        date: '2019-10-15',
        attendance: 9,
        criticisms: 12,
        problems: [{ problemId: 'dlm-1', category: '作风', description: '班子成员下基层调研全年不足四次' }],
        by: BY,
      },
    ],
  });
}

/** Half done: one study day of two, a topic never vetted, a vague problem, an empty project, a meeting that found nothing. */
async function halfDone(orgId: string): Promise<void> {
  const h = orgHandle(f.t.client, C, orgId);
  await h.executeUpdate(recordStudySessionUpdate, { args: [{ sessionId: 's0', date: '2019-09-10', kind: 'concentrated', hours: 4, attendance: 20, by: BY }] });
  await h.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 't1', leader: '支部书记', title: '关于停车难的调研', by: BY }] });
  await h.executeUpdate(createProjectUpdate, { args: [{ projectId: 'p1', title: '空转的专项整治', leadOrgId: orgId, participantOrgIds: [orgId], by: BY }] });
  await h.executeUpdate(recordProblemUpdate, {
    args: [{ problemId: 'own-1', source: 'self_inspection', category: '学习', description: '学习有待加强', by: BY }],
  });
  await h.executeUpdate(democraticLifeMeetingUpdate, { args: [{ meetingId: 'm1', date: '2019-10-15', attendance: 9, criticisms: 0, problems: [], by: BY }] });
}

beforeAll(async () => {
  app = await buildTestApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue } });
  const created = await post(
    '/campaigns',
    {
      id: C,
      name: '主题教育',
      batch: 1,
      rootOrgId: 'tj',
      phaseMode: 'integrated',
      startsOn: '2019-09-01',
      endsOn: '2099-12-31',
      rules: { minStudyDays: 2, progressReportSeconds: 1, autoMobiliseLevels: ['city', 'district', 'unit', 'branch'] },
    },
    admin,
  );
  expect(created.statusCode, created.body).toBe(201);
  await untilMobilised(f.db.kysely, C, TREE.length);
  organiser = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d2' }));
  inspector = await issueToken(app, { role: 'inspector', orgId: 'tj' });
  outsider = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d3' }));
  for (const orgId of PREDICTED) secretaryOf[orgId] = bearer(await issueToken(app, { role: 'secretary', orgId }));
  await diligent(DILIGENT);
  await halfDone(HALF);
  // The rules read the read models: wait until they hold what was just recorded.
  await vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_democratic_life_meetings').select('org_id').where('campaign_id', '=', C).execute();
      expect(value, 'meetings recorded').toSatisfy((r) => r.length === 2);
    },
    { timeout: 20_000, interval: 200 },
  );
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe('a guidance group (巡回指导组)', () => {
  test('formed by an organiser over its scope, with inspector tokens that cover it; repeats answer 200, changes 409', async () => {
    const body = { groupId: 'g1', name: '第一巡回指导组', scopeOrgId: 'tj-d2', inspectorTokenIds: [tokenId(inspector)] };
    const res = await post(`/campaigns/${C}/guidance-groups`, body, organiser);
    expect(res.statusCode, res.body).toBe(201);
    expect((await post(`/campaigns/${C}/guidance-groups`, body, organiser)).statusCode).toBe(200);
    expectProblem(await post(`/campaigns/${C}/guidance-groups`, { ...body, name: '另一个组' }, organiser), 409);
    // An organiser of another district may not form a group over this one, which it cannot see (404).
    expectProblem(await post(`/campaigns/${C}/guidance-groups`, { ...body, groupId: 'g2' }, outsider), 404);
    // An inspector of another district does not cover the scope; a secretary's token is not an inspector's.
    const elsewhere = await issueToken(app, { role: 'inspector', orgId: 'tj-d1' });
    const secretaryToken = await issueToken(app, { role: 'secretary', orgId: 'tj-d2' });
    for (const ids of [[tokenId(elsewhere)], [tokenId(secretaryToken)], ['0123456789ab']]) {
      const p = expectProblem(await post(`/campaigns/${C}/guidance-groups`, { ...body, groupId: 'g3', inspectorTokenIds: ids }, organiser), 422);
      expect(p.errors?.[0]?.path).toBe('body.inspectorTokenIds');
    }
    const read = await get(`/campaigns/${C}/guidance-groups/g1`, bearer(inspector));
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ groupId: 'g1', scopeOrgId: 'tj-d2', inspectorTokenIds: [tokenId(inspector)], rounds: [] });
    expectProblem(await get(`/campaigns/${C}/guidance-groups/g1`, outsider), 403);
  });

  test('bad input answers 400 or 422 naming the field', async () => {
    const cases: [string, unknown, number, string][] = [
      [`/campaigns/${C}/guidance-groups`, { groupId: 'g9', name: '', scopeOrgId: 'tj-d2', inspectorTokenIds: [tokenId(inspector)] }, 400, 'body.name'],
      [`/campaigns/${C}/guidance-groups`, { groupId: 'g9', name: '组', scopeOrgId: 'tj-d2', inspectorTokenIds: [] }, 400, 'body.inspectorTokenIds'],
      [`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r9', sampleSize: 0 }, 400, 'body.sampleSize'],
      [`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r9', sampleSize: 2, seed: 'has space' }, 400, 'body.seed'],
      [`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r9', sampleSize: 2, scopeOrgId: 'tj-d3' }, 422, 'body.scopeOrgId'],
      [`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r9', sampleSize: 2, scopeOrgId: 'nowhere' }, 422, 'body.scopeOrgId'],
    ];
    for (const [url, body, status, path] of cases) {
      const p = expectProblem(await post(url, body, bearer(inspector)), status);
      expect(
        p.errors?.map((e) => e.path),
        JSON.stringify(p),
      ).toContain(path);
    }
  });
});

describe('a round (暗访抽查)', () => {
  test(
    'sampled from its seed, checked against the six preventions, hidden until issued, findings in the ledgers, the notice circulated',
    { timeout: 180_000 },
    async () => {
      const start = await post(`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r1', sampleSize: 4, seed: SEED }, bearer(inspector));
      expect(start.statusCode, start.body).toBe(201);
      expect(start.json()).toMatchObject({ roundId: 'r1', seed: SEED, created: true });
      const row = await vi.waitFor(
        async () => {
          const value = await roundRow('r1');
          expect(value, 'sample drawn').toSatisfy((r: typeof value) => r?.sample?.length === 4);
          return value;
        },
        { timeout: 30_000, interval: 200 },
      );
      expect(row).toMatchObject({ seed: SEED, candidates: CANDIDATES.length, sample: PREDICTED, status: 'sampled', group_id: 'g1' });

      // The rules' findings, per org.
      const findings = await vi.waitFor(
        async () => {
          const value = await f.db.kysely.selectFrom('rm_inspection_findings').selectAll().where('campaign_id', '=', C).where('round_id', '=', 'r1').execute();
          expect(value, 'rule findings').toSatisfy((rows: typeof value) => rows.length >= 10);
          return value;
        },
        { timeout: 30_000, interval: 200 },
      );
      const hitsOf = (orgId: string) =>
        findings
          .filter((x) => x.org_id === orgId)
          .map((x) => x.prevention)
          .sort();
      expect(hitsOf(DILIGENT)).toEqual([]);
      expect(hitsOf(HALF)).toEqual([
        'democratic_life_perfunctory',
        'problems_inaccurate',
        'research_superficial',
        'special_rectification_empty',
        'study_superficial',
      ]);
      for (const empty of [EMPTY1, EMPTY2]) {
        expect(hitsOf(empty)).toEqual([
          'democratic_life_perfunctory',
          'problems_inaccurate',
          'required_actions_incomplete',
          'research_superficial',
          'study_superficial',
        ]);
      }
      expect(findings.find((x) => x.org_id === HALF && x.prevention === 'study_superficial')!.detail).toBe('concentrated study 1 of 2 days');

      // Not told in advance: the sampled orgs and outsiders get a 404; nothing is in their ledgers.
      for (const headers of [secretaryOf[HALF]!, secretaryOf[EMPTY1]!, outsider])
        expectProblem(await get(`/campaigns/${C}/inspection-rounds/r1`, headers), 404);
      expectProblem(await post(`/campaigns/${C}/inspection-rounds/r1/interviews`, { count: 1, notes: '—' }, secretaryOf[HALF]!), 404);
      for (const orgId of PREDICTED) expect(await spotItems(orgId)).toEqual([]);
      expect((await get(`/campaigns/${C}/inspection-rounds/r1`, organiser)).statusCode).toBe(200);

      // Interviews, a finding by hand, bad input.
      const interviews = await post(`/campaigns/${C}/inspection-rounds/r1/interviews`, { count: 12, notes: '个别访谈党员群众 12 人' }, bearer(inspector));
      expect(interviews.statusCode, interviews.body).toBe(200);
      expect(interviews.json()).toEqual({ interviews: 12 });
      expect(
        expectProblem(await post(`/campaigns/${C}/inspection-rounds/r1/interviews`, { count: 0, notes: 'x' }, bearer(inspector)), 400).errors?.[0]?.path,
      ).toBe('body.count');
      const added = await post(
        `/campaigns/${C}/inspection-rounds/r1/findings`,
        { orgId: DILIGENT, prevention: 'required_actions_incomplete', detail: '学习记录与实际不符' },
        bearer(inspector),
      );
      expect(added.statusCode, added.body).toBe(201);
      expect(added.json()).toMatchObject({ findingId: 'm1', orgId: DILIGENT, by: `inspector:${tokenId(inspector)}` });
      const notSampled = CANDIDATES.find((c) => !PREDICTED.includes(c.orgId))!.orgId;
      expect(
        expectProblem(
          await post(`/campaigns/${C}/inspection-rounds/r1/findings`, { orgId: notSampled, prevention: 'study_superficial', detail: 'x' }, bearer(inspector)),
          422,
        ).errors?.[0]?.path,
      ).toBe('body.orgId');
      expect(
        expectProblem(await post(`/campaigns/${C}/inspection-rounds/r1/findings`, { orgId: DILIGENT, prevention: 'lazy', detail: 'x' }, bearer(inspector)), 400)
          .errors?.[0]?.path,
      ).toBe('body.prevention');
      // The notice comes after the findings are issued.
      expectProblem(await post(`/campaigns/${C}/inspection-rounds/r1/notice`, { title: '通报' }, bearer(inspector)), 409);

      // Issued: each finding an item (source spot_check) in its org's ledger.
      const issued = await post(`/campaigns/${C}/inspection-rounds/r1/issue`, {}, bearer(inspector));
      expect(issued.statusCode, issued.body).toBe(200);
      expect(issued.json()).toEqual({ issued: 16, undelivered: [] });
      expectProblem(await post(`/campaigns/${C}/inspection-rounds/r1/issue`, {}, bearer(inspector)), 409);
      for (const orgId of PREDICTED) {
        const expected = (
          await f.db.kysely
            .selectFrom('rm_inspection_findings')
            .select('finding_id')
            .where('campaign_id', '=', C)
            .where('round_id', '=', 'r1')
            .where('org_id', '=', orgId)
            .execute()
        )
          .map((x) => spotCheckItemId('r1', x.finding_id))
          .sort();
        const items = await vi.waitFor(
          async () => {
            const value = await spotItems(orgId);
            expect(value, `items of ${orgId}`).toSatisfy((rows: typeof value) => rows.length === expected.length);
            return value;
          },
          { timeout: 30_000, interval: 200 },
        );
        expect(items.map((i) => i.problem_id)).toEqual(expected);
        expect(items.every((i) => i.status === 'found' && i.category === '暗访抽查')).toBe(true);
      }
      // Now a sampled org sees the round, only what concerns it; an outsider still does not.
      const seen = await get(`/campaigns/${C}/inspection-rounds/r1`, secretaryOf[HALF]!);
      expect(seen.statusCode, seen.body).toBe(200);
      expect(seen.json().sample).toEqual([HALF]);
      expect(new Set(seen.json().findings.map((x: { org_id: string }) => x.org_id))).toEqual(new Set([HALF]));
      expectProblem(await get(`/campaigns/${C}/inspection-rounds/r1`, outsider), 404);

      // The notice, circulated and listed.
      const notice = await post(`/campaigns/${C}/inspection-rounds/r1/notice`, { title: '关于第一轮暗访抽查情况的通报' }, bearer(inspector));
      expect(notice.statusCode, notice.body).toBe(200);
      const text = notice.json().text as string;
      for (const orgId of PREDICTED) expect(text).toContain(orgId);
      expect(text).toContain('防止民主生活会流于形式');
      expect(text).toContain('访谈 12 人');
      const listed = await get(`/campaigns/${C}/orgs/tj-d2/inspection-notices`, organiser);
      expect(listed.statusCode, listed.body).toBe(200);
      expect(listed.json().items).toMatchObject([
        { round_id: 'r1', group_id: 'g1', notice_title: '关于第一轮暗访抽查情况的通报', notice_text: text, interviews: 12 },
      ]);
      expect((await get(`/campaigns/${C}/orgs/${HALF}/inspection-notices`, secretaryOf[HALF]!)).json().items).toHaveLength(1);
      expect((await get(`/campaigns/${C}/orgs/tj/inspection-notices`, admin)).json().items).toHaveLength(1);
      expect((await get(`/campaigns/${C}/orgs/tj-d3/inspection-notices`, outsider)).json().items).toEqual([]);
      expectProblem(await get(`/campaigns/${C}/orgs/tj-d2/inspection-notices`, outsider), 404);
      expect(await roundRow('r1')).toMatchObject({ status: 'circulated', notice_text: text });
      expectProblem(await post(`/campaigns/${C}/inspection-rounds/r1/notice`, { title: '再通报' }, bearer(inspector)), 409);
    },
  );

  test('the same seed gives the same sample again; a round stratified by level samples each level in proportion', { timeout: 60_000 }, async () => {
    expect((await post(`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r2', sampleSize: 4, seed: SEED }, organiser)).statusCode).toBe(201);
    const strat = await post(
      `/campaigns/${C}/guidance-groups/g1/inspection-rounds`,
      { roundId: 'r3', sampleSize: 4, seed: SEED, stratifyByLevel: true },
      organiser,
    );
    expect(strat.statusCode, strat.body).toBe(201);
    // Without a seed the API draws one and records it.
    const drawn = await post(`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r4', sampleSize: 2 }, organiser);
    expect(drawn.json().seed).toMatch(/^[0-9a-f]{16}$/);
    const r2 = await vi.waitFor(
      async () => {
        const value = await roundRow('r2');
        expect(value, 'r2 sampled').toSatisfy((r: typeof value) => r?.sample?.length === 4);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(r2!.sample).toEqual(PREDICTED);
    const r3 = await vi.waitFor(
      async () => {
        const value = await roundRow('r3');
        expect(value, 'r3 sampled').toSatisfy((r: typeof value) => r?.sample?.length === 4);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    const levels = r3!.sample.map((id) => TREE.find((o) => o.id === id)!.level);
    expect(levels.filter((l) => l === 'unit')).toHaveLength(1);
    expect(levels.filter((l) => l === 'branch')).toHaveLength(3);
    expect(r3!.sample).toEqual(sampleOrgs(CANDIDATES, 4, SEED, true));
    const r4 = await vi.waitFor(
      async () => {
        const value = await roundRow('r4');
        expect(value, 'r4 sampled').toSatisfy((r: typeof value) => r?.sample?.length === 2);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(r4!.sample).toEqual(sampleOrgs(CANDIDATES, 2, drawn.json().seed));
    // A retry with the same request answers 200; another size under the same id, 409.
    expect((await post(`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r2', sampleSize: 4, seed: SEED }, organiser)).statusCode).toBe(200);
    expectProblem(await post(`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r2', sampleSize: 5, seed: SEED }, organiser), 409);
    expectProblem(await post(`/campaigns/${C}/guidance-groups/g1/inspection-rounds`, { roundId: 'r5', sampleSize: 4 }, outsider), 403);
    const group = await get(`/campaigns/${C}/guidance-groups/g1`, organiser);
    expect(
      group
        .json()
        .rounds.map((r: { round_id: string }) => r.round_id)
        .sort(),
    ).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  test('read models equal a rebuild from the events', { timeout: 120_000 }, async () => {
    const live = await settledReadModels(f.db.kysely);
    expect(live.rm_inspection_rounds!.length).toBe(4);
    await rebuildProjections(f.db.kysely);
    expect(await readModels(f.db.kysely)).toEqual(live);
  });
});
