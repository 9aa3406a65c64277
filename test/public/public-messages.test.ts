/**
 * 民意直通车 end to end, on a real Temporal server and a real PostgreSQL, through the HTTP
 * API: a citizen's message routed by the campaign's rules the same day, an item in the
 * responsible org's ledger, resolved only when that item is verified; a message no rule
 * routes triaged by the campaign office; one left unrouted flagged at its (short, real)
 * deadline; the status endpoint leaking nothing; rate limits, body cap and bad input;
 * the figures; and read models equal to a rebuild.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { orgHandle } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { generateTree } from '../../domain/generate-tree.js';
import { publicItemId, publicMessageWorkflowId, triageDeadlineMs } from '../../domain/public-message.js';
import { newTrackingCode, TRACKING_CODE } from '../../api/tracking-code.js';
import { planRectificationUpdate } from '../../workflows/messages.js';
import { ADMIN, bearer, buildTestApp, expectProblem, issueToken } from '../support/api.js';
import { rectify } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels, untilMobilised } from '../support/read-models.js';

const f = useWorkflowFixture(() => generateTree('small'));
let app: ApiInstance;
const admin = bearer(ADMIN);
let office: Record<string, string>;

/** A campaign on the real calendar (deadline: the end of the day in UTC+8), and one whose messages must be routed within 3 seconds. */
const A = `pm-a-${Math.random().toString(36).slice(2, 7)}`;
const B = `pm-b-${Math.random().toString(36).slice(2, 7)}`;
const ALL_LEVELS = ['city', 'district', 'unit', 'branch'];

let ipSeq = 0;
/** Each sender its own address, so only the rate-limit test meets the limit. */
const nextIp = () => `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

const submit = (campaignId: string, body: unknown, remoteAddress = nextIp()) =>
  app.inject({ method: 'POST', url: `/campaigns/${campaignId}/public-messages`, payload: body as object, remoteAddress });
const track = (campaignId: string, code: string, remoteAddress = nextIp()) =>
  app.inject({ method: 'GET', url: `/campaigns/${campaignId}/public-messages/track/${code}`, remoteAddress });
const message = (campaignId: string, messageId: string) =>
  f.db.kysely.selectFrom('rm_public_messages').selectAll().where('campaign_id', '=', campaignId).where('message_id', '=', messageId).executeTakeFirst();
const messageIdOf = async (code: string) => {
  const { hashTrackingCode } = await import('../../api/tracking-code.js');
  return (await f.db.kysely.selectFrom('public_message_codes').select('message_id').where('code_hash', '=', hashTrackingCode(code)).executeTakeFirstOrThrow())
    .message_id;
};
/** Sends a message and answers its tracking code and message id. */
async function send(
  campaignId: string,
  body: { text: string; category: string; area: string; contact?: string },
): Promise<{ code: string; messageId: string }> {
  const res = await submit(campaignId, body);
  expect(res.statusCode, res.body).toBe(201);
  const code = res.json().trackingCode as string;
  return { code, messageId: await messageIdOf(code) };
}
const figures = async (campaignId: string, orgId: string, headers = admin) => {
  const res = await app.inject({ method: 'GET', url: `/campaigns/${campaignId}/orgs/${orgId}/public-messages`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().figures as Record<string, number>;
};

beforeAll(async () => {
  app = await buildTestApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue } });
  office = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj' }));
  const campaign = (id: string, rules: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/campaigns',
      headers: admin,
      payload: {
        id,
        name: '主题教育',
        batch: 1,
        rootOrgId: 'tj',
        phaseMode: 'integrated',
        startsOn: '2019-09-01',
        endsOn: '2099-12-31',
        rules: { progressReportSeconds: 1, ...rules },
      },
    });
  expect((await campaign(A, { autoMobiliseLevels: ALL_LEVELS })).statusCode).toBe(201);
  expect((await campaign(B, { publicMessageTriageSeconds: 3 })).statusCode).toBe(201);
  await untilMobilised(f.db.kysely, A, 40, { what: 'campaign A mobilised everywhere' });
  await vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_campaigns').select('id').where('id', '=', B).execute();
      expect(value, 'campaign B recorded').toSatisfy((rows) => rows.length === 1);
    },
    { timeout: 30_000, interval: 200 },
  );
  const routes = [
    { category: '交通', orgId: 'tj-d1' },
    { category: '交通', area: '河西区', orgId: 'tj-d2-u1' },
    { area: '和平区', orgId: 'tj-d3' },
  ];
  // Replaced several times at once (an office with two tabs open): each waits its turn, none fails; the last one is set below.
  const racing = await Promise.all(
    [routes.slice(0, 1), routes.slice(0, 2), routes].map((r) =>
      app.inject({ method: 'PUT', url: `/campaigns/${A}/public-message-routes`, headers: office, payload: { routes: r } }),
    ),
  );
  expect(racing.map((r) => r.statusCode)).toEqual([200, 200, 200]);
  const set = await app.inject({ method: 'PUT', url: `/campaigns/${A}/public-message-routes`, headers: office, payload: { routes } });
  expect(set.statusCode, set.body).toBe(200);
  const read = await app.inject({ method: 'GET', url: `/campaigns/${A}/public-message-routes`, headers: admin });
  expect(read.json().routes.map(({ setBy: _b, setAt: _a, ...r }: Record<string, unknown>) => r)).toEqual(routes);
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe('a message end to end', () => {
  test(
    'sent, routed by rule the same day, an item in the org’s ledger, closed only once verified; the sender sees each step',
    { timeout: 120_000 },
    async () => {
      const res = await submit(A, { text: '河西区友谊路与黑牛城道交口红绿灯故障三天无人修', category: '交通', area: '河西区', contact: '13800000000' });
      expect(res.statusCode, res.body).toBe(201);
      const { trackingCode: code, status, statusUrl } = res.json();
      expect(code).toMatch(TRACKING_CODE);
      expect(status).toBe('received');
      const messageId = await messageIdOf(code);

      // The most specific rule (交通 + 河西区) routes it, at once.
      const routed = await vi.waitFor(
        async () => {
          const value = await message(A, messageId);
          expect(value, 'routed').toSatisfy((m: typeof value) => m?.state === 'routed');
          return value;
        },
        { timeout: 20_000, interval: 200 },
      );
      expect(routed).toMatchObject({
        org_id: 'tj-d2-u1',
        routed_by: 'rule',
        routed_same_day: true,
        problem_id: publicItemId(messageId),
        contact: '13800000000',
      });
      expect(new Date(routed!.deadline).getTime()).toBe(triageDeadlineMs(new Date(routed!.received_at).getTime()));
      const item = await vi.waitFor(
        async () => {
          const value = await f.db.kysely
            .selectFrom('rm_problems')
            .selectAll()
            .where('campaign_id', '=', A)
            .where('org_id', '=', 'tj-d2-u1')
            .where('problem_id', '=', publicItemId(messageId))
            .executeTakeFirst();
          expect(value, 'the item in the org’s ledger').toSatisfy((p: typeof value) => p !== undefined);
          return value;
        },
        { timeout: 20_000, interval: 200 },
      );
      expect(item).toMatchObject({ source: 'public_message', category: '交通', status: 'found', public_message_id: messageId });
      expect((await app.inject({ method: 'GET', url: statusUrl, remoteAddress: nextIp() })).json()).toMatchObject({
        status: 'routed',
        routedAt: expect.any(String),
        resolvedAt: null,
      });
      // The link takes nothing but its code: a query appended to it is refused, naming the parameter.
      expect((await app.inject({ method: 'GET', url: `${statusUrl}?from=timeline`, remoteAddress: nextIp() })).json()).toMatchObject({
        status: 400,
        errors: [{ path: 'querystring.from' }],
      });

      const org = orgHandle(f.t.client, A, 'tj-d2-u1');
      await org.executeUpdate(planRectificationUpdate, {
        args: [{ problemId: item!.problem_id, owner: '区交管支队', measures: '更换信号机', deadline: '2099-12-31', by: 'secretary:test' }],
      });
      await expect
        .poll(() => track(A, code).then((r) => r.json()), { timeout: 20_000, message: 'in rectification' })
        .toSatisfy((s) => s.status === 'in_rectification');
      await rectify(org, item!.problem_id, { planned: true });
      const done = await vi.waitFor(
        async () => {
          const value = await track(A, code).then((r) => r.json());
          expect(value, 'resolved').toSatisfy((s: typeof value) => s.status === 'resolved');
          return value;
        },
        { timeout: 20_000, interval: 200 },
      );
      expect(Object.keys(done).sort()).toEqual(['flaggedAt', 'receivedAt', 'rectificationStartedAt', 'resolvedAt', 'routedAt', 'status']);
      expect(done.flaggedAt).toBeNull();

      const handle = f.t.client.workflow.getHandle(publicMessageWorkflowId(A, messageId));
      expect(await handle.result()).toEqual({ messageId, orgId: 'tj-d2-u1', state: 'resolved' });
      // The code is nowhere in Temporal: not in the id, the summary, the search attributes, the input or any event.
      const described = await handle.describe();
      const history = await handle.fetchHistory();
      expect(described.workflowId).not.toContain(code);
      expect(JSON.stringify(described.raw)).not.toContain(code);
      expect(JSON.stringify(history)).not.toContain(code);
      const stored = await f.db.kysely.selectFrom('events').select('payload').where('stream_id', '=', publicMessageWorkflowId(A, messageId)).execute();
      expect(JSON.stringify(stored)).not.toContain(code);
    },
  );
});

describe('triage by the campaign office', () => {
  test('a message no rule routes waits for the office; only the office routes it, once, to an org of the campaign', { timeout: 60_000 }, async () => {
    const { code, messageId } = await send(A, { text: '南开区某小区垃圾清运不及时', category: '环境', area: '南开区' });
    const waiting = await vi.waitFor(
      async () => {
        const value = await message(A, messageId);
        expect(value, 'awaiting triage').toSatisfy((m: typeof value) => m?.state === 'awaiting_triage');
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(waiting).toMatchObject({ org_id: null, office_org_id: 'tj', triage_reason: 'no routing rule matches its category and area' });
    const list = await app.inject({ method: 'GET', url: `/campaigns/${A}/orgs/tj/public-messages?state=awaiting_triage`, headers: office });
    expect(list.json().items.map((m: { message_id: string }) => m.message_id)).toContain(messageId);

    const route = (orgId: string, toOrgId: string, headers = office) =>
      app.inject({ method: 'POST', url: `/campaigns/${A}/orgs/${orgId}/public-messages/${messageId}/routing`, headers, payload: { toOrgId } });
    // Not the office: a district organiser acting on its own district.
    const district = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d1' }));
    expect(expectProblem(await route('tj-d1', 'tj-d1-u1', district), 409).detail).toMatch(/campaign office \(tj\)/);
    // Someone below may not act for the office: the office is outside its subtree, answered as an org it cannot see.
    expectProblem(await route('tj', 'tj-d1-u1', district), 404);
    expect(expectProblem(await route('tj', 'nowhere'), 422).errors).toEqual([{ path: 'body.toOrgId', message: 'unknown org' }]);

    const ok = await route('tj', 'tj-d3-u2');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ messageId, toOrgId: 'tj-d3-u2', sameDay: true });
    expect((await route('tj', 'tj-d3-u2')).statusCode).toBe(200);
    expect(expectProblem(await route('tj', 'tj-d1'), 409).detail).toMatch(/already routed to tj-d3-u2/);
    expect(await message(A, messageId)).toMatchObject({
      state: 'routed',
      org_id: 'tj-d3-u2',
      routed_by: expect.stringMatching(/^organiser:/),
      routed_same_day: true,
    });
    await expect
      .poll(
        () =>
          f.db.kysely
            .selectFrom('rm_problems')
            .select(['source', 'public_message_id'])
            .where('org_id', '=', 'tj-d3-u2')
            .where('problem_id', '=', publicItemId(messageId))
            .executeTakeFirst(),
        { timeout: 20_000, message: 'the item at the triaged org' },
      )
      .toSatisfy((p) => p?.public_message_id === messageId);
    expect((await track(A, code)).json().status).toBe('routed');
  });
});

describe('the same-day deadline', () => {
  test('a message still unrouted at its deadline is flagged, on a real timer; routed later, it counts as not the same day', { timeout: 60_000 }, async () => {
    const sentAt = Date.now();
    const { code, messageId } = await send(B, { text: '反映某街道办事窗口推诿扯皮', category: '作风', area: '红桥区' });
    expect((await track(B, code)).json().status).toBe('received');
    const flagged = await vi.waitFor(
      async () => {
        const value = await message(B, messageId);
        expect(value, 'flagged').toSatisfy((m: typeof value) => m?.flagged_at !== null && m?.flagged_at !== undefined);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(new Date(flagged!.flagged_at!).getTime()).toBeGreaterThanOrEqual(new Date(flagged!.deadline).getTime());
    expect(new Date(flagged!.deadline).getTime() - sentAt).toBeLessThan(10_000);
    const events = await f.db.kysely
      .selectFrom('events')
      .select('type')
      .where('stream_id', '=', publicMessageWorkflowId(B, messageId))
      .orderBy('stream_seq')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['PublicMessageReceived', 'PublicMessageAwaitingTriage', 'PublicMessageFlagged']);
    const status = (await track(B, code)).json();
    expect(status).toMatchObject({ status: 'flagged', flaggedAt: expect.any(String), routedAt: null });
    expect(await figures(B, 'tj')).toMatchObject({ received: 1, routed: 0, routedSameDay: 0, flagged: 1, awaitingTriage: 1 });
    expect((await app.inject({ method: 'GET', url: `/campaigns/${B}/orgs/tj/public-messages?flagged=true`, headers: office })).json().items).toHaveLength(1);

    // The office routes it after all (to itself: the root org's own ledger).
    const late = await app.inject({
      method: 'POST',
      url: `/campaigns/${B}/orgs/tj/public-messages/${messageId}/routing`,
      headers: office,
      payload: { toOrgId: 'tj' },
    });
    expect(late.statusCode, late.body).toBe(200);
    expect(late.json().sameDay).toBe(false);
    // Sent again (a retry), the same answer.
    expect(
      (
        await app.inject({ method: 'POST', url: `/campaigns/${B}/orgs/tj/public-messages/${messageId}/routing`, headers: office, payload: { toOrgId: 'tj' } })
      ).json(),
    ).toEqual(late.json());
    expect((await track(B, code)).json()).toMatchObject({ status: 'routed', flaggedAt: status.flaggedAt });
    expect(await figures(B, 'tj')).toMatchObject({ received: 1, routed: 1, routedSameDay: 0, flagged: 1, awaitingTriage: 0 });
  });
});

describe('the status endpoint leaks nothing', () => {
  test('another campaign, a guessed code and a malformed one answer the same 404; the answer holds only status and dates', async () => {
    const { code } = await send(A, { text: '和平区某路段占道经营', category: '市容', area: '和平区' });
    const mine = await track(A, code);
    expect(mine.statusCode).toBe(200);
    expect(Object.keys(mine.json()).sort()).toEqual(['flaggedAt', 'receivedAt', 'rectificationStartedAt', 'resolvedAt', 'routedAt', 'status']);
    const misses = [
      await track(B, code),
      await track(A, newTrackingCode()),
      await track(A, code.slice(0, -1)),
      await track(A, `${code}x`),
      await track('no-such-campaign', code),
      await track(A, code.toLowerCase() === code ? code.toUpperCase() : code.toLowerCase()),
    ];
    for (const res of misses) expectProblem(res, 404);
    expect(new Set(misses.map((r) => r.body)).size).toBe(1);
    expect(misses[0]!.json().detail).toBe('no public message has this tracking code');
    // The request log shows the route, not the code.
    const lines: string[] = [];
    const logged = await buildApp({ db: f.db.kysely, adminToken: ADMIN, logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    expect((await logged.inject({ method: 'GET', url: `/campaigns/${A}/public-messages/track/${code}` })).statusCode).toBe(200);
    await logged.close();
    expect(lines.join('\n')).toContain('/public-messages/track/[code]');
    expect(lines.join('\n')).not.toContain(code);
    // The lists and figures need a token; an org outside the subtree is answered as one that does not exist.
    expectProblem(await app.inject({ method: 'GET', url: `/campaigns/${A}/orgs/tj/public-messages` }), 401);
    const branch = bearer(await issueToken(app, { role: 'secretary', orgId: 'tj-d2-u1-b1' }));
    expectProblem(await app.inject({ method: 'GET', url: `/campaigns/${A}/orgs/tj-d2-u1/public-messages`, headers: branch }), 404);
  });
});

describe('a retried send', () => {
  test('under the same Idempotency-Key, even at once: the first tracking code again and one message; the kept answer holds neither the code nor the key', async () => {
    const key = randomUUID();
    const body = { text: '河东区某小区供暖不热，多次反映未解决', category: '供暖', area: '河东区' };
    const ip = '192.0.2.90';
    const post = (payload: object, idempotencyKey: string = key) =>
      app.inject({ method: 'POST', url: `/campaigns/${A}/public-messages`, payload, remoteAddress: ip, headers: { 'idempotency-key': idempotencyKey } });
    const codesBefore = (await f.db.kysely.selectFrom('public_message_codes').select('code_hash').where('campaign_id', '=', A).execute()).length;
    const answers = await Promise.all([post(body), post(body)]);
    expect(answers.map((r) => r.statusCode)).toEqual([201, 201]);
    const [first, again] = answers.map((r) => r.json<{ trackingCode: string }>());
    expect(again!.trackingCode).toBe(first!.trackingCode);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
    expect((await f.db.kysely.selectFrom('public_message_codes').select('code_hash').where('campaign_id', '=', A).execute()).length).toBe(codesBefore + 1);
    expect((await track(A, first!.trackingCode)).statusCode).toBe(200);
    const kept = await f.db.kysely.selectFrom('idempotency_keys').selectAll().where('scope', '=', `public-messages:${A}`).execute();
    expect(kept).toHaveLength(1);
    expect(kept[0]!.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(kept)).not.toContain(first!.trackingCode);
    expect(JSON.stringify(kept)).not.toContain(key);
    // The key with another message is refused; a short key is refused before anything is sent.
    expect(expectProblem(await post({ ...body, text: '另一条留言' }), 422).errors).toEqual([
      { path: 'headers.idempotency-key', message: 'already used with a different request' },
    ]);
    expect(expectProblem(await post(body, 'short-key'), 400).errors!.map((e) => e.path)).toEqual(['headers.idempotency-key']);
    expect((await f.db.kysely.selectFrom('public_message_codes').select('code_hash').where('campaign_id', '=', A).execute()).length).toBe(codesBefore + 1);
  });
});

describe('abuse', () => {
  test('bad input is a 400 naming the field; every attempt spends the address’s budget; the sixth in a burst is a 429 with Retry-After', async () => {
    const ip = '192.0.2.77';
    const cases: [unknown, string][] = [
      [{ category: '交通', area: '河西区' }, 'body.text'],
      [{ text: '   ', category: '交通', area: '河西区' }, 'body.text'],
      [{ text: '好', category: '交通', area: '河西区', orgId: 'tj' }, 'body.orgId'],
      [{ text: '好', category: 'x'.repeat(65), area: '河西区' }, 'body.category'],
      [{ text: '好', category: '交通', area: 42 }, 'body.area'],
    ];
    for (const [body, path] of cases) {
      const problem = expectProblem(await submit(A, body, ip), 400);
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    const refused = await submit(A, { text: '好', category: '交通', area: '河西区' }, ip);
    expect(expectProblem(refused, 429).detail).toMatch(/too many requests/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another address is not affected.
    expect((await submit(A, { text: '另一位群众的留言', category: '交通', area: '河东区' })).statusCode).toBe(201);

    const tracker = '192.0.2.78';
    const guesses = await Promise.all(Array.from({ length: 31 }, () => track(A, newTrackingCode(), tracker)));
    expect(guesses.filter((r) => r.statusCode === 404)).toHaveLength(30);
    expect(
      expectProblem(
        guesses.find((r) => r.statusCode === 429)!,
        429,
      ),
    ).toBeDefined();
  });

  test('a body over the cap is a 413 problem; an unknown campaign a 404', async () => {
    expectProblem(await submit(A, { text: '长'.repeat(7000), category: '交通', area: '河西区' }), 413);
    expectProblem(await submit('no-such-campaign', { text: '好', category: '交通', area: '河西区' }), 404);
  });
});

/** `PUBLIC_MESSAGES_SEED=1`: the seeds' own figures (427 received, 157 resolved); by default a tenth of them. */
const SEED = process.env.PUBLIC_MESSAGES_SEED ? { sent: 427, resolved: 157 } : { sent: 43, resolved: 16 };

describe('figures', () => {
  test('received, routed the same day and resolved, for the office and for a district’s subtree', { timeout: 900_000 }, async () => {
    // What the earlier tests sent, once it has all been recorded.
    const codes = await f.db.kysely.selectFrom('public_message_codes').select('message_id').where('campaign_id', '=', A).execute();
    await expect
      .poll(async () => (await f.db.kysely.selectFrom('rm_public_messages').select('state').where('campaign_id', '=', A).execute()).map((r) => r.state), {
        timeout: 60_000,
        message: 'earlier messages recorded',
      })
      .toSatisfy((states: string[]) => states.length === codes.length && !states.includes('received'));
    const before = await figures(A, 'tj');
    const started = Date.now();
    const areas = ['河西区', '和平区', '南开区', '河东区'];
    const categories = ['交通', '环境', '作风'];
    const messages: { code: string; messageId: string }[] = [];
    // Sixteen senders at a time.
    for (let i = 0; i < SEED.sent; i += 16) {
      const batch = Array.from({ length: Math.min(16, SEED.sent - i) }, (_, k) => i + k);
      messages.push(...(await Promise.all(batch.map((n) => send(A, { text: `群众留言 ${n}`, category: categories[n % 3]!, area: areas[n % 4]! })))));
    }
    const rows = await vi
      .waitFor(
        async () => {
          const value = await f.db.kysely
            .selectFrom('rm_public_messages')
            .selectAll()
            .where('campaign_id', '=', A)
            .where(
              'message_id',
              'in',
              messages.map((m) => m.messageId),
            )
            .execute();
          expect(value, 'every message routed or waiting').toSatisfy(
            (rs: typeof value) => rs.length === SEED.sent && rs.every((r) => r.state === 'routed' || r.state === 'awaiting_triage'),
          );
          return value;
        },
        { timeout: 300_000, interval: 200 },
      )
      .catch(async (err) => {
        const rs = await f.db.kysely
          .selectFrom('rm_public_messages')
          .select(['message_id', 'state'])
          .where('campaign_id', '=', A)
          .where(
            'message_id',
            'in',
            messages.map((m) => m.messageId),
          )
          .execute();
        const missing = messages.filter((m) => !rs.some((r) => r.message_id === m.messageId && (r.state === 'routed' || r.state === 'awaiting_triage')));
        for (const m of missing) {
          const h = f.t.client.workflow.getHandle(publicMessageWorkflowId(A, m.messageId));
          console.log(
            'missing',
            m.messageId,
            rs.find((r) => r.message_id === m.messageId),
            (await h.describe()).status.name,
            JSON.stringify(await h.fetchHistory()).slice(-3000),
          );
        }
        throw err;
      });
    const routed = rows.filter((r) => r.state === 'routed');
    // 交通 goes by rule (河西区 to tj-d2-u1, elsewhere to tj-d1); 和平区 to tj-d3; the rest waits for the office.
    const expectedRouted = messages.filter((_, i) => categories[i % 3] === '交通' || areas[i % 4] === '和平区').length;
    expect(routed).toHaveLength(expectedRouted);
    // One org's items one after another (a workflow takes a few updates at a time), the orgs side by side.
    const byOrg = new Map<string, string[]>();
    const routedIn = Date.now() - started;
    for (const r of routed.slice(0, SEED.resolved)) byOrg.set(r.org_id!, [...(byOrg.get(r.org_id!) ?? []), r.problem_id!]);
    await Promise.all(
      [...byOrg].map(async ([orgId, problemIds]) => {
        for (const problemId of problemIds) {
          await expect
            .poll(
              () =>
                f.db.kysely
                  .selectFrom('rm_problems')
                  .select('problem_id')
                  .where('campaign_id', '=', A)
                  .where('org_id', '=', orgId)
                  .where('problem_id', '=', problemId)
                  .executeTakeFirst(),
              { timeout: 20_000, message: 'the item' },
            )
            .toSatisfy((p) => p !== undefined);
          await rectify(orgHandle(f.t.client, A, orgId), problemId);
        }
      }),
    );
    const after = await vi.waitFor(
      async () => {
        const value = await figures(A, 'tj');
        expect(value, 'the resolved ones counted').toSatisfy((fg: typeof value) => fg.resolved === before.resolved! + SEED.resolved);
        return value;
      },
      { timeout: 120_000, interval: 200 },
    );
    expect(after).toMatchObject({
      received: before.received! + SEED.sent,
      routed: before.routed! + expectedRouted,
      routedSameDay: before.routedSameDay! + expectedRouted,
      awaitingTriage: before.awaitingTriage! + SEED.sent - expectedRouted,
      resolved: before.resolved! + SEED.resolved,
    });
    // A district's organiser sees what was routed into its subtree, and only that.
    const d1 = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d1' }));
    const inD1 = await f.db.kysely
      .selectFrom('rm_public_messages')
      .select('message_id')
      .where('campaign_id', '=', A)
      .where('org_path', 'like', '/tj/tj-d1/%')
      .execute();
    expect((await figures(A, 'tj-d1', d1)).received).toBe(inD1.length);
    expect(inD1.length).toBeGreaterThan(0);
    console.log(
      `public messages: ${SEED.sent} sent and routed or waiting for the office in ${(routedIn / 1000).toFixed(1)} s, ${SEED.resolved} rectified and verified, all in ${((Date.now() - started) / 1000).toFixed(1)} s; the office's figures: ${JSON.stringify(after)}`,
    );
  });
});

test('read models equal a rebuild', { timeout: 120_000 }, async () => {
  const live = await settledReadModels(f.db.kysely);
  expect(live.rm_public_messages!.length).toBeGreaterThan(40);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});
