/**
 * 为基层减负 (burden reduction), "the cap on requests", through the HTTP API on a real
 * Temporal server and PostgreSQL: a campaign caps requests for information at 2 a week for
 * each district. A district's first two reach their targets; its third is refused with a
 * 429 naming the cap and the week, nothing of it is relayed, and the refusal is counted
 * where the API shows it. Another district's allowance is its own; tasks are not capped.
 * The week boundary (Monday 00:00 UTC+8) is in the unit tests (`domain/burden.test.ts`):
 * this server's clock cannot be moved.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { ApiInstance } from '../../api/app.js';
import { rebuildProjections } from '../../db/event-store.js';
import { chinaWeek } from '../../domain/burden.js';
import { generateTree } from '../../domain/generate-tree.js';
import { ADMIN, bearer, buildTestApp, expectProblem, issueToken } from '../support/api.js';
import { testSpec } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels, untilMobilised } from '../support/read-models.js';

const f = useWorkflowFixture(() => generateTree('small'));
let app: ApiInstance;
const admin = bearer(ADMIN);
const C = 'jianfu-2019';

beforeAll(async () => {
  app = await buildTestApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue } });
});
afterAll(async () => {
  await app?.close();
});

test('the cap on requests: two go through, the third is refused with the reason and counted, nothing of it is relayed', { timeout: 240_000 }, async () => {
  const started = await app.inject({
    method: 'POST',
    url: '/campaigns',
    headers: admin,
    payload: testSpec({ id: C, rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], informationRequestsPerWeek: { district: 2 } } }),
  });
  expect(started.statusCode).toBe(201);
  await untilMobilised(f.db.kysely, C, 1 + 3 + 9 + 27, { what: 'every org started and mobilised' });

  const d1 = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d1' }));
  const d2 = bearer(await issueToken(app, { role: 'organiser', orgId: 'tj-d2' }));
  const request = (directiveId: string, kind = 'information_request') => ({
    directiveId,
    kind,
    title: `报送${directiveId}`,
    instructions: '报送本单位集中学习开展情况',
    deadline: '2099-06-30',
    targetLevels: ['unit'],
  });
  const send = (headers: Record<string, string>, org: string, body: object) =>
    app.inject({ method: 'POST', url: `/campaigns/${C}/orgs/${org}/directives`, headers, payload: body });
  const items = (directiveId: string) =>
    f.db.kysely
      .selectFrom('rm_problems')
      .select(['org_id', 'status', 'category'])
      .where('campaign_id', '=', C)
      .where('directive_id', '=', directiveId)
      .orderBy('org_id')
      .execute();

  const week = chinaWeek(Date.now());
  for (const id of ['d1-r1', 'd1-r2']) {
    const res = await send(d1, 'tj-d1', request(id));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ directiveId: id });
  }
  for (const id of ['d1-r1', 'd1-r2']) {
    const reached = await vi.waitFor(
      async () => {
        const value = await items(id);
        expect(value, `${id} reached tj-d1's three units`).toSatisfy((rows: typeof value) => rows.length === 3);
        return value;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(reached).toEqual(['tj-d1-u1', 'tj-d1-u2', 'tj-d1-u3'].map((org_id) => ({ org_id, status: 'planned', category: '要材料' })));
  }

  const refused = await send(d1, 'tj-d1', request('d1-r3'));
  const problem = expectProblem(refused, 429);
  expect(problem.title).toBe('Too Many Requests');
  expect(problem.detail).toContain('at 2 a week for each district-level org');
  expect(problem.detail).toContain(`tj-d1 has sent 2 in the week of ${week}`);
  expect(problem).toMatchObject({ directiveId: 'd1-r3', level: 'district', week, cap: 2, sent: 2 });
  const retryAfter = Number(refused.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(7 * 86_400);
  expect(Date.parse(problem.nextWeekStartsAt as string) - Date.now()).toBeGreaterThan((retryAfter - 5) * 1000);

  // Per sending org: tj-d2 still has its own two; tasks are not requests for information.
  expect((await send(d2, 'tj-d2', request('d2-r1'))).statusCode).toBe(200);
  expect((await send(d1, 'tj-d1', request('d1-task', 'task'))).statusCode).toBe(200);
  await expect.poll(() => items('d1-task'), { timeout: 60_000, message: 'the task reached its units' }).toSatisfy((rows) => rows.length === 3);
  await expect.poll(() => items('d2-r1'), { timeout: 60_000, message: "tj-d2's request reached its units" }).toSatisfy((rows) => rows.length === 3);

  // The refused request changed nothing else: no directive, no item anywhere, nothing in flight.
  const live = await settledReadModels(f.db.kysely);
  expect(await items('d1-r3')).toEqual([]);
  expect(await f.db.kysely.selectFrom('rm_directives').select('directive_id').where('directive_id', '=', 'd1-r3').execute()).toEqual([]);
  const refusalEvents = await f.db.kysely
    .selectFrom('events')
    .select(['type', 'payload'])
    .where('stream_id', '=', `campaign/${C}/org/tj-d1`)
    .where('type', '=', 'InformationRequestRefused')
    .execute();
  expect(refusalEvents).toHaveLength(1);
  expect(refusalEvents[0]!.payload).toMatchObject({ directiveId: 'd1-r3', level: 'district', week, cap: 2, sent: 2 });

  // Counted: per level and week over the campaign (through its root), and in the sender's issued listing.
  const counts = await app.inject({ method: 'GET', url: `/campaigns/${C}/orgs/tj/information-requests`, headers: admin });
  expect(counts.statusCode).toBe(200);
  expect(counts.json()).toMatchObject({
    caps: { district: 2 },
    byWeek: [{ week, level: 'district', sent: 3, refused: 1 }],
    refusals: [{ org_id: 'tj-d1', level: 'district', week, cap: 2, sent: 2, directive_id: 'd1-r3', title: '报送d1-r3' }],
    nextCursor: null,
  });
  const issued = (await app.inject({ method: 'GET', url: `/campaigns/${C}/orgs/tj-d1/directives?direction=issued`, headers: d1 })).json();
  expect(issued.informationRequests).toEqual({ week, cap: 2, sent: 2, refused: 1 });
  expect(issued.items.map((d: { directive_id: string; kind: string }) => [d.directive_id, d.kind])).toEqual([
    ['d1-r1', 'information_request'],
    ['d1-r2', 'information_request'],
    ['d1-task', 'task'],
  ]);
  const d2Counts = (await app.inject({ method: 'GET', url: `/campaigns/${C}/orgs/tj-d2/information-requests`, headers: d2 })).json();
  expect(d2Counts).toMatchObject({ byWeek: [{ week, level: 'district', sent: 1, refused: 0 }], refusals: [] });
  expectProblem(await app.inject({ method: 'GET', url: `/campaigns/${C}/orgs/tj-d1/information-requests`, headers: d2 }), 404);

  // Asking again is refused again, and counted again: each refusal is a request the grassroots were spared.
  expectProblem(await send(d1, 'tj-d1', request('d1-r3')), 429);
  const again = (await app.inject({ method: 'GET', url: `/campaigns/${C}/orgs/tj-d1/directives?direction=issued`, headers: d1 })).json();
  expect(again.informationRequests).toEqual({ week, cap: 2, sent: 2, refused: 2 });

  const settled = await settledReadModels(f.db.kysely);
  expect(settled.rm_information_request_refusals).toHaveLength(2);
  expect(live.rm_information_request_refusals).toHaveLength(1);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(settled);
});
