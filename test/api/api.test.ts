/**
 * The HTTP API end to end, on a real Temporal server and a real PostgreSQL: a campaign
 * driven entirely through the routes, its errors and refusals. The directory, tokens and
 * problems without a workflow are tested on their own, without Temporal (orgs, tokens,
 * problems .test.ts beside this file).
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { generateTree, type FlatOrg } from '../../domain/generate-tree.js';
import { ADMIN, bearer, csvOf, expectProblem, issueToken } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

let db: TestDatabase;
let t: TestTemporal;
let app: ApiInstance;
const admin = bearer(ADMIN);
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

const importCsv = (orgs: readonly FlatOrg[], headers = admin) =>
  app.inject({ method: 'POST', url: '/orgs/import', headers: { ...headers, 'content-type': 'text/csv' }, payload: csvOf(orgs) });

beforeAll(async () => {
  db = await freshDatabase();
  t = await startTestWorker(db.kysely);
  app = await buildApp({ db: db.kysely, temporal: { client: t.client, taskQueue: t.taskQueue }, adminToken: ADMIN });
  const res = await importCsv(generateTree('small'));
  expect(res.statusCode).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await t?.stop();
  await db?.close();
});

describe('errors are problem+json and change nothing', () => {
  test('malformed JSON, unknown fields, wrong types, huge strings, unknown routes', async () => {
    const bad = await app.inject({ method: 'POST', url: '/campaigns', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"id": ' });
    expectProblem(bad, 400);
    const spec = { id: 'err', name: '测试', batch: 2, rootOrgId: 'tj', phaseMode: 'integrated', startsOn: '2019-09-01', endsOn: '2099-01-01' };
    const unknownField = expectProblem(await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, colour: 'red' } }), 400);
    expect(JSON.stringify(unknownField.errors)).toMatch(/colour/);
    const wrongTypes = expectProblem(
      await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, batch: 'two', rules: { minStudyDays: -1 } } }),
      400,
    );
    expect(wrongTypes.errors!.map((e) => e.path)).toEqual(expect.arrayContaining(['body.batch', 'body.rules.minStudyDays']));
    expectProblem(await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, name: '长'.repeat(100_000) } }), 400);
    expectProblem(await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, name: 'x'.repeat(2_000_000) } }), 413);
    expectProblem(await app.inject({ method: 'GET', url: '/nowhere', headers: admin }), 404);
    const unknownRoot = expectProblem(await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, rootOrgId: 'nope' } }), 422);
    expect(unknownRoot.errors![0]!.path).toBe('body.rootOrgId');
    // A rule between two fields, which JSON Schema cannot say: a 422 naming the later one, not a 400.
    const backwards = expectProblem(
      await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, startsOn: '2099-02-01', endsOn: '2020-02-29' } }),
      422,
    );
    expect(backwards.errors).toEqual([{ path: 'body.endsOn', message: 'endsOn is before startsOn' }]);
    expect(await db.kysely.selectFrom('rm_campaigns').selectAll().execute()).toEqual([]);
  });
});

describe('health and the API description', () => {
  test('/healthz, /readyz and /openapi.json need no token; /readyz names what is down', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ database: 'ok', temporal: 'ok' });
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/campaigns', '/orgs/import', '/campaigns/{id}/orgs/{orgId}/study-sessions']));
    expect((await app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);

    const gone = await freshDatabase();
    await gone.close();
    const broken = await buildApp({ db: gone.kysely, temporal: { client: t.client, taskQueue: t.taskQueue } });
    const notReady = expectProblem(await broken.inject({ method: 'GET', url: '/readyz' }), 503);
    expect(notReady.detail).toBe('not ready: database');
    await broken.close();
  });

  test('an org command with an unknown field or a bad Idempotency-Key is a 400 before any workflow is asked', async () => {
    const post = (headers: Record<string, string>, payload: object) =>
      app.inject({ method: 'POST', url: '/campaigns/any/orgs/tj/study-sessions', headers: { ...admin, ...headers }, payload });
    const session = { date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 50 };
    expect(expectProblem(await post({}, { ...session, colour: 'red' }), 400).errors!.map((e) => e.path)).toEqual(['body.colour']);
    expect(expectProblem(await post({}, { ...session, colour: 'red' }), 400).detail).toMatch(/colour/);
    expect(expectProblem(await post({ 'idempotency-key': 'has spaces' }, session), 400).errors![0]!.path).toMatch(/idempotency-key/);
  });
});

describe('authorisation', () => {
  test('a branch secretary acts on its own branch only, before any workflow is asked', async () => {
    const secretary = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj-d1-u1-b1' }));
    const mobilise = (org: string, h: Record<string, string>) =>
      app.inject({ method: 'POST', url: `/campaigns/any/orgs/${org}/mobilisation`, headers: h, payload: { date: '2019-09-05', attendance: 10 } });
    // Outside its subtree: answered as an org that does not exist (no existence oracle).
    expectProblem(await mobilise('tj-d1-u1-b2', secretary), 404);
    expectProblem(await mobilise('tj-d1-u1', secretary), 404);
  });
});

describe('a campaign through the API', () => {
  test('start once, mobilise, record, read back; refusals name the field; idempotent retries', { timeout: 120_000 }, async () => {
    const spec = {
      id: 'api-2019',
      name: '主题教育',
      batch: 2,
      rootOrgId: 'tj',
      phaseMode: 'integrated',
      startsOn: '2019-09-01',
      endsOn: '2099-12-31',
      rules: { progressReportSeconds: 1, autoMobiliseLevels: ['unit', 'branch'], warningDays: 0.00001 },
    };
    expect((await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: spec })).statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: spec })).json()).toEqual({ id: 'api-2019', created: false });
    expectProblem(await app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { ...spec, batch: 1 } }), 409);
    const org = (id: string) => `/campaigns/api-2019/orgs/${id}`;
    const secretary = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj' }));
    const inspector = bearer(await issueToken(app, { role: 'inspector', orgId: 'tj' }));
    await expect
      .poll(() => app.inject({ method: 'POST', url: `${org('tj')}/mobilisation`, headers: secretary, payload: { date: '2019-09-05', attendance: 300 } }), {
        timeout: 20_000,
        message: 'root mobilised',
      })
      .toSatisfy((r) => r.statusCode === 200);
    expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj-d1-u1')}/study-sessions`,
        headers: admin,
        payload: { date: '2019-09-06', kind: 'concentrated', hours: 3, attendance: 9 },
      }),
      409,
    );

    const outside = expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj')}/study-sessions`,
        headers: secretary,
        payload: { date: '2019-08-01', kind: 'concentrated', hours: 3, attendance: 50 },
      }),
      422,
    );
    expect(outside.errors![0]!.path).toBe('body.date');
    const retry = {
      method: 'POST' as const,
      url: `${org('tj')}/study-sessions`,
      headers: { ...secretary, 'idempotency-key': 'session-0910' },
      payload: { date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 50 },
    };
    const firstAnswer = await app.inject(retry);
    const first = firstAnswer.json();
    expect(firstAnswer.headers['idempotent-replayed']).toBeUndefined();
    const replayed = await app.inject(retry);
    expect(replayed.json()).toEqual(first);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    const reused = expectProblem(await app.inject({ ...retry, payload: { ...retry.payload, hours: 4 } }), 422);
    expect(reused.errors![0]!.path).toBe('headers.idempotency-key');
    expect(first).toMatchObject({ sessionId: 'session-0910', counted: true, daysCounted: 1 });
    const sessions = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: `${org('tj')}/study-sessions`, headers: inspector });
        expect(value, 'session projected').toSatisfy((r: typeof value) => r.json().items.length > 0);
        return value;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(sessions.json().items.map((s: { session_id: string }) => s.session_id)).toEqual(['session-0910']);
    const unknownCampaign = expectProblem(
      await app.inject({
        method: 'POST',
        url: '/campaigns/nope/orgs/tj/study-sessions',
        headers: secretary,
        payload: { date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 50 },
      }),
      404,
    );
    expect(unknownCampaign.detail).toMatch(/campaign nope/);

    // The ledger through the API: plan, start, submit, an invalid transition, verification by the wrong person, then right.
    await app.inject({
      method: 'POST',
      url: `${org('tj')}/problems`,
      headers: secretary,
      payload: { problemId: 'p1', source: 'public_message', category: '服务', description: '审批慢，"跑多次"' },
    });
    const conflict = expectProblem(await app.inject({ method: 'POST', url: `${org('tj')}/problems/p1/start`, headers: secretary, payload: {} }), 409) as {
      currentStatus?: string;
    };
    expect(conflict.currentStatus).toBe('found');
    const soon = new Date(Date.now() + 4000).toISOString();
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `${org('tj')}/problems/p1/plan`,
          headers: secretary,
          payload: { owner: '审批处', measures: '一网通办', deadline: soon },
        })
      ).statusCode,
    ).toBe(200);
    await app.inject({ method: 'POST', url: `${org('tj')}/problems/p1/start`, headers: secretary, payload: {} });
    const overdue = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: `${org('tj')}/overdue`, headers: inspector });
        expect(value, 'overdue list').toSatisfy((r: typeof value) => r.json().items.length === 1);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(overdue.json().items[0]).toMatchObject({ problem_id: 'p1', owner: '审批处' });
    await app.inject({
      method: 'POST',
      url: `${org('tj')}/problems/p1/extension`,
      headers: secretary,
      payload: { deadline: '2099-01-01', reason: '系统改造' },
    });
    await app.inject({ method: 'POST', url: `${org('tj')}/problems/p1/rectification`, headers: secretary, payload: { evidence: '平均跑一次' } });
    expect(
      expectProblem(
        await app.inject({ method: 'POST', url: `${org('tj')}/problems/p1/verification`, headers: secretary, payload: { decision: 'verified' } }),
        403,
      ).detail,
    ).toMatch(/verified by an inspector over the org or an organiser above it, never by whoever rectified it/);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `${org('tj')}/problems/p1/verification`,
          headers: inspector,
          payload: { decision: 'verified', reason: '办事时间减少60%' },
        })
      ).json(),
    ).toEqual({ problemId: 'p1', status: 'closed' });
    expect(
      (await app.inject({ method: 'POST', url: `${org('tj')}/disclosures`, headers: secretary, payload: { date: today, problemIds: ['p1'] } })).json(),
    ).toEqual({ disclosed: 1 });

    const csv = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: `${org('tj')}/problems.csv`, headers: inspector });
        expect(value, 'csv').toSatisfy((r: typeof value) => r.body.includes(today));
        return value;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(csv.headers['content-type']).toMatch(/text\/csv; charset=utf-8/);
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.body).toContain('"审批慢，""跑多次"""');
    expect(csv.body).toContain('办事时间减少60%');
    expect((await app.inject({ method: 'GET', url: `${org('tj')}/disclosures`, headers: inspector })).json().dates).toEqual([
      { date: today, count: 1, items: [expect.objectContaining({ problem_id: 'p1' })] },
    ]);

    const progress = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: org('tj'), headers: inspector });
        // The figures come with the org's progress report, debounced: the one after the disclosure counts it.
        expect(value, 'progress').toSatisfy((r: typeof value) => r.json().own?.problemsClosed === 1 && r.json().own?.disclosed === 1);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(progress.json()).toMatchObject({ org_id: 'tj', mobilised_on: '2019-09-05', own: { studyDays: 1, problems: 1, disclosed: 1 } });
    const children = (await app.inject({ method: 'GET', url: `${org('tj')}/children?sort=name`, headers: inspector })).json();
    expect(children.items.map((c: { org_id: string }) => c.org_id).sort()).toEqual(['tj-d1', 'tj-d2', 'tj-d3']);
    const lagging = (await app.inject({ method: 'GET', url: `${org('tj')}/lagging?limit=5`, headers: inspector })).json();
    expect(lagging.items[0]).toMatchObject({ orgId: 'tj', reasons: ['study 1 days'] });
    expect(lagging.items[1].reasons).toContain('not mobilised');
    expect((await app.inject({ method: 'GET', url: '/campaigns/api-2019', headers: inspector })).json()).toMatchObject({ id: 'api-2019', status: 'running' });

    // Research: a topic vetted by the org's own secretary; near-duplicates flagged to the vetter.
    await app.inject({
      method: 'POST',
      url: `${org('tj')}/topics`,
      headers: secretary,
      payload: { topicId: 't1', leader: '市委书记', title: '关于为基层减负的调研' },
    });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `${org('tj')}/topics`,
          headers: secretary,
          payload: { topicId: 't2', leader: '市长', title: '为基层减负调研' },
        })
      ).json(),
    ).toMatchObject({ similarTo: ['t1'] });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `${org('tj')}/topics/t2/vetting`,
          headers: secretary,
          payload: { decision: 'returned', reason: '与书记选题相近' },
        })
      ).json(),
    ).toMatchObject({ status: 'returned' });
    const districtSecretary = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj-d1' }));
    expectProblem(
      await app.inject({ method: 'POST', url: `${org('tj')}/topics/t1/vetting`, headers: districtSecretary, payload: { decision: 'approved' } }),
      404,
    );

    // A special rectification project and its view.
    await app.inject({
      method: 'POST',
      url: `${org('tj')}/projects`,
      headers: secretary,
      payload: { projectId: 'jf', title: '为基层减负专项整治', leadOrgId: 'tj-d1', participantOrgIds: ['tj', 'tj-d1'] },
    });
    await app.inject({
      method: 'POST',
      url: `${org('tj')}/problems`,
      headers: secretary,
      payload: { problemId: 'jf-1', source: 'self_inspection', category: '形式主义', description: '多头填报', projectRef: 'tj/jf' },
    });
    const project = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: '/campaigns/api-2019/projects/tj/jf', headers: inspector });
        expect(value, 'project view').toSatisfy((r: typeof value) => r.statusCode === 200 && r.json().progress.items === 1);
        return value;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(project.json()).toMatchObject({
      title: '为基层减负专项整治',
      lead_org_id: 'tj-d1',
      progress: { items: 1, closed: 0, overdue: 0 },
      participants: [{ orgId: 'tj', items: 1 }],
    });
    // 下题上答 through the API: a branch escalates to its district by level; the district claims it.
    const branchSecretary = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj-d1-u1-b1' }));
    const d1 = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d1' }));
    await expect
      .poll(() => app.inject({ method: 'POST', url: `${org('tj-d1')}/mobilisation`, headers: d1, payload: { date: '2019-09-06', attendance: 80 } }), {
        timeout: 20_000,
        message: 'd1 mobilised',
      })
      .toSatisfy((r) => r.statusCode === 200);
    await expect
      .poll(
        () =>
          app.inject({
            method: 'POST',
            url: `${org('tj-d1-u1-b1')}/problems`,
            headers: branchSecretary,
            payload: { problemId: 'b-p1', source: 'self_inspection', category: '政策', description: '补贴标准由区定' },
          }),
        { timeout: 20_000, message: 'branch reached' },
      )
      .toSatisfy((r) => r.statusCode === 200);
    const below = expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj-d1-u1-b1')}/problems/b-p1/escalation`,
        headers: branchSecretary,
        payload: { targetOrgId: 'tj-d1-u1-b1', reason: 'x' },
      }),
      422,
    );
    expect(below.errors![0]!.path).toBe('body.targetOrgId');
    const sent = (
      await app.inject({
        method: 'POST',
        url: `${org('tj-d1-u1-b1')}/problems/b-p1/escalation`,
        headers: branchSecretary,
        payload: { targetLevel: 'district', reason: '根子在区' },
      })
    ).json();
    expect(sent).toMatchObject({ status: 'sent' });
    const inbox = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: `${org('tj-d1')}/escalations?status=pending`, headers: d1 });
        expect(value, 'inbox').toSatisfy((r: typeof value) => r.json().items.length === 1);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(inbox.json().items[0]).toMatchObject({ escalation_id: sent.escalationId, origin_org_id: 'tj-d1-u1-b1', description: '补贴标准由区定' });
    // Only the target claims: another district cannot see the target (404) and finds nothing at its own.
    const d2 = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d2' }));
    expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj-d1')}/escalations/${encodeURIComponent(sent.escalationId)}/claim`,
        headers: d2,
        payload: { problemId: 'x' },
      }),
      404,
    );
    expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj-d2')}/escalations/${encodeURIComponent(sent.escalationId)}/claim`,
        headers: d2,
        payload: { problemId: 'x' },
      }),
      404,
    );
    const claim = await app.inject({
      method: 'POST',
      url: `${org('tj-d1')}/escalations/${encodeURIComponent(sent.escalationId)}/claim`,
      headers: d1,
      payload: { problemId: 'd1-subsidy' },
    });
    expect(claim.json()).toEqual({ escalationId: sent.escalationId, problemId: 'd1-subsidy' });
    await expect
      .poll(() => app.inject({ method: 'GET', url: `${org('tj-d1-u1-b1')}/escalations?direction=sent`, headers: branchSecretary }), {
        timeout: 20_000,
        message: 'origin sees the claim',
      })
      .toSatisfy((r) => r.json().items[0]?.origin_status === 'claimed');
    // The chain: every hop with its time and who acted, readable by the orgs on it and by nobody else.
    const chainUrl = `/campaigns/api-2019/escalations/${encodeURIComponent(sent.escalationId)}`;
    const chain = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: chainUrl, headers: branchSecretary });
        expect(value, 'chain').toSatisfy(
          (r: typeof value) => r.statusCode === 200 && r.json().hops.some((h: { step: string }) => h.step === 'origin heard: claimed'),
        );
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    const hops = chain.json().hops as Array<{ step: string; orgId: string; at: string; by?: string; to?: string }>;
    expect(hops[0]).toMatchObject({ step: 'raised', orgId: 'tj-d1-u1-b1', to: 'tj-d1', reason: '根子在区' });
    expect(hops.map((h) => h.step)).toEqual(expect.arrayContaining(['received', 'origin heard: acknowledged', 'claimed']));
    expect(hops.find((h) => h.step === 'claimed')).toMatchObject({ orgId: 'tj-d1', problemId: 'd1-subsidy', by: expect.stringMatching(/^organiser:/) });
    expect(hops.map((h) => h.at)).toEqual([...hops.map((h) => h.at)].sort());
    expect((await app.inject({ method: 'GET', url: chainUrl, headers: d1 })).statusCode).toBe(200);
    expectProblem(await app.inject({ method: 'GET', url: chainUrl, headers: d2 }), 404);

    // 上题下答 through the API: the city's directive to every unit; coverage and lagging units.
    const up = expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj-d1')}/directives`,
        headers: d1,
        payload: { directiveId: 'x', title: 't', instructions: 'i', deadline: '2099-01-01', targetLevels: ['city'] },
      }),
      422,
    );
    expect(up.errors![0]!.path).toBe('body.targetLevels');
    await app.inject({
      method: 'POST',
      url: `${org('tj')}/directives`,
      headers: secretary,
      payload: { directiveId: 'dir-1', title: '精简会议', instructions: '会议压减三成', deadline: '2099-06-30', targetLevels: ['unit'] },
    });
    const covered = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: `${org('tj')}/directives/dir-1`, headers: inspector });
        expect(value, 'coverage of the units reached so far').toSatisfy((r: typeof value) => r.json().coverage?.targeted === 3);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(covered.json()).toMatchObject({
      title: '精简会议',
      issuer_org_id: 'tj',
      cancelled: false,
      coverage: { targeted: 3, done: 0, byLevel: { unit: { targeted: 3 } } },
    });
    // Outbox and inbox of directives, and the coverage tree one level down.
    const issued = (await app.inject({ method: 'GET', url: `${org('tj')}/directives?direction=issued`, headers: inspector })).json();
    expect(issued.items).toEqual([expect.objectContaining({ directive_id: 'dir-1', title: '精简会议', coverage: expect.objectContaining({ targeted: 3 }) })]);
    const received = (await app.inject({ method: 'GET', url: `${org('tj-d1-u2')}/directives`, headers: inspector })).json();
    expect(received.items).toEqual([expect.objectContaining({ directive_id: 'dir-1', issuer_org_id: 'tj', status: 'planned', cancelled: false })]);
    const tree = (await app.inject({ method: 'GET', url: `${org('tj')}/directives/dir-1/tree`, headers: inspector })).json();
    expect(tree).toMatchObject({ orgId: 'tj', level: 'city', coverage: { targeted: 3 } });
    expect(tree.children.find((c: { orgId: string }) => c.orgId === 'tj-d1')).toMatchObject({ level: 'district', coverage: { targeted: 3, done: 0 } });
    expect(tree.children.reduce((n: number, c: { coverage: { targeted: number } | null }) => n + (c.coverage?.targeted ?? 0), 0)).toBe(3);
    const laggingUnits = (await app.inject({ method: 'GET', url: `${org('tj')}/directives/dir-1/lagging`, headers: inspector })).json();
    expect(laggingUnits.items.map((i: { org_id: string }) => i.org_id)).toEqual(['tj-d1-u1', 'tj-d1-u2', 'tj-d1-u3']);
    // Named from the directory, for a reader who does not know the ids.
    expect(laggingUnits.items.every((i: { org_id: string; name: string }) => i.name.length > 0 && i.name !== i.org_id)).toBe(true);
    // Only the issuer cancels: a district cannot act at the city, and has issued no such directive itself.
    expectProblem(await app.inject({ method: 'POST', url: `${org('tj')}/directives/dir-1/cancel`, headers: d1, payload: {} }), 404);
    expectProblem(await app.inject({ method: 'POST', url: `${org('tj-d1')}/directives/dir-1/cancel`, headers: d1, payload: {} }), 404);
    expect((await app.inject({ method: 'POST', url: `${org('tj')}/directives/dir-1/cancel`, headers: secretary, payload: {} })).json()).toEqual({
      directiveId: 'dir-1',
      cancelled: true,
    });

    // 同题共答 through the API: opened by the city with a district; involved orgs read everyone's status, others may not.
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `${org('tj')}/joint-problems`,
          headers: secretary,
          payload: { jointId: 'j1', title: '停车难', description: '市区两级共同解决', participantOrgIds: ['tj', 'tj-d1'] },
        })
      ).statusCode,
    ).toBe(201);
    const jointView = await vi.waitFor(
      async () => {
        const value = await app.inject({ method: 'GET', url: '/campaigns/api-2019/joint-problems/j1', headers: d1 });
        expect(value, 'joint view').toSatisfy(
          (r: typeof value) => r.statusCode === 200 && r.json().items.length === 2 && r.json().parts.tj === 'found' && r.json().parts['tj-d1'] === 'found',
        );
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(jointView.json()).toMatchObject({ title: '停车难', status: 'open', parts: { tj: 'found', 'tj-d1': 'found' } });
    const outsider = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj-d2' }));
    expectProblem(await app.inject({ method: 'GET', url: '/campaigns/api-2019/joint-problems/j1', headers: outsider }), 403);
    // A district cannot put a part in the city's ledger, nor in a sibling district's: participants come from the opener's subtree.
    const beyond = expectProblem(
      await app.inject({
        method: 'POST',
        url: `${org('tj-d2')}/joint-problems`,
        headers: outsider,
        payload: { jointId: 'j2', title: '停车难', description: '越级共答', participantOrgIds: ['tj-d2', 'tj', 'tj-d1'] },
      }),
      422,
    );
    expect(beyond.errors).toEqual([{ path: 'body.participantOrgIds', message: "outside tj-d2's subtree: tj, tj-d1" }]);

    expect((await app.inject({ method: 'POST', url: '/campaigns/api-2019/close', headers: admin, payload: { reason: '结束' } })).statusCode).toBe(202);
    const afterClose = await vi.waitFor(
      async () => {
        const value = await app.inject({
          method: 'POST',
          url: `${org('tj-d1')}/study-sessions`,
          headers: d1,
          payload: { date: '2019-09-11', kind: 'concentrated', hours: 3, attendance: 20 },
        });
        expect(value, 'org workflow finished after the close').toSatisfy((r: typeof value) => r.statusCode === 409 && /has finished/.test(r.json().detail));
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(afterClose.json().detail).toMatch(/org tj-d1 has finished in campaign api-2019 \(completed\)/);
  });

  test('moving or removing orgs under a running campaign is refused with the list', async () => {
    const moved = generateTree('small')
      .map((o) => (o.id === 'tj-d1-u1' ? { ...o, parentId: 'tj-d2' } : o))
      .filter((o) => o.id !== 'tj-d3-u3-b3');
    await db.kysely
      .insertInto('rm_campaigns')
      .values({
        id: 'running',
        name: 'x',
        batch: 2,
        root_org_id: 'tj',
        phase_mode: 'integrated',
        rules: '{}',
        starts_on: '2019-09-01',
        ends_on: '2099-01-01',
        status: 'running',
        started_at: new Date(),
        ended_at: null,
        summary: null,
      })
      .execute();
    const body = expectProblem(await importCsv(moved), 409) as unknown as { affectedOrgs: string[]; campaigns: string[] };
    expect(body.affectedOrgs.sort()).toEqual(['tj-d1-u1', 'tj-d1-u1-b1', 'tj-d1-u1-b2', 'tj-d1-u1-b3', 'tj-d3-u3-b3'].sort());
    expect(body.campaigns).toContain('running');
    expect((await app.inject({ method: 'GET', url: '/orgs/tj-d1-u1', headers: admin })).json()).toMatchObject({ parent_id: 'tj-d1' });
  });
});
