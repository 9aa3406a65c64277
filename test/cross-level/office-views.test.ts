/**
 * What the web console reads, end to end through the API on a real Temporal server and a
 * real PostgreSQL:
 *
 * - an escalation left unclaimed at the campaign's root past `rules.claimDeadlineDays`
 *   (where there is nowhere to forward it) turns red, counts as a lapse of the root, and
 *   shows on the office's overdue view and in the root's inbox; it can still be claimed;
 * - a directive's coverage shows items rectified and awaiting verification apart from
 *   done, and an org whose item is rectified is not on the directive's lagging list;
 * - a command to an org the cascade has not reached names the ancestor it waits for.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { ApiInstance } from '../../api/app.js';
import { startCampaign } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { directiveItemId } from '../../domain/directive.js';
import { generateTree } from '../../domain/generate-tree.js';
import { ADMIN, bearer, buildTestApp, expectProblem, issueToken } from '../support/api.js';
import { testSpec } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels } from '../support/read-models.js';

const tree = generateTree('small');
const f = useWorkflowFixture(() => tree);
const admin = bearer(ADMIN);
let app: ApiInstance;

beforeAll(async () => {
  app = await buildTestApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue } });
});
afterAll(async () => {
  await app?.close();
});

const nameOf = (id: string) => tree.find((o) => o.id === id)!.name;

async function everyoneMobilised(rules: Record<string, unknown> = {}) {
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], ...rules } });
  await startCampaign(f.t.client, f.t.taskQueue, spec);
  const base = `/campaigns/${spec.id}/orgs`;
  await vi.waitFor(
    async () => {
      const value = await get(`${base}/tj`);
      expect(value, 'all 40 mobilised').toSatisfy((r) => r.statusCode === 200 && r.json().subtree.mobilised === 40);
    },
    { timeout: 60_000, interval: 200 },
  );
  return { spec, base };
}

const get = (url: string, headers = admin) => app.inject({ method: 'GET', url, headers });
const post = (url: string, payload: object, headers = admin) => app.inject({ method: 'POST', url, headers, payload });
const ok = async (res: Promise<{ statusCode: number; body: string; json(): unknown }>) => {
  const r = await res;
  if (r.statusCode >= 300) throw new Error(`answered ${r.statusCode}: ${r.body}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an answer's JSON, read field by field by the assertions
  return r.json() as Record<string, any>;
};

test(
  'an escalation unclaimed at the root past its claim deadline turns red, counts as the root’s lapse and shows on the office’s overdue view',
  { timeout: 180_000 },
  async () => {
    // Two seconds to claim: below the root it would be forwarded; at the root there is nowhere to go.
    const { spec, base } = await everyoneMobilised({ claimDeadlineDays: 2 / 86_400 });
    const b = `${base}/tj-d1-u1-b1`;
    await ok(post(`${b}/problems`, { problemId: 'p1', source: 'self_inspection', category: '政策', description: '低保审核标准由市里定，支部无权调整' }));
    const { escalationId } = await ok(post(`${b}/problems/p1/escalation`, { targetOrgId: 'tj', reason: '根子在市级政策' }));
    const inbox = `${base}/tj/escalations?overdue=true`;

    const red = await vi.waitFor(
      async () => {
        const value = await ok(get(inbox));
        expect(value, 'the escalation red in the root’s inbox').toSatisfy((r: typeof value) => r.items.length === 1);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(red.items[0]).toMatchObject({
      escalation_id: escalationId,
      current_org_id: 'tj',
      target_status: 'pending',
      hop: 1,
      lapses: 1,
      overdue_at: expect.any(String),
    });
    expect(Date.parse(red.items[0].overdue_at)).toBeGreaterThanOrEqual(Date.parse(red.items[0].claim_deadline));

    // The lapse counts in the root's own figures, the same figure that counts lapses below.
    const root = await vi.waitFor(
      async () => {
        const value = await ok(get(`${base}/tj`));
        expect(value, 'the root’s lapse count').toSatisfy((r: typeof value) => r.own.lapses === 1);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(root.own).toMatchObject({ lapses: 1, escalationsReceived: 1, escalationsPending: 1 });
    expect(root.subtree.lapses).toBe(1);

    // The office's overdue view lists it beside the overdue ledger items (none here).
    const overdue = await ok(get(`${base}/tj/overdue`));
    expect(overdue.items).toEqual([]);
    expect(overdue.escalations.total).toBe(1);
    expect(overdue.escalations.items).toEqual([
      expect.objectContaining({
        escalation_id: escalationId,
        org_id: 'tj',
        org_name: nameOf('tj'),
        origin_org_id: 'tj-d1-u1-b1',
        category: '政策',
        hop: 1,
        lapses: 1,
      }),
    ]);
    // Below the root nobody holds it: a district's view is empty.
    expect((await ok(get(`${base}/tj-d1/overdue`))).escalations).toEqual({ total: 0, items: [] });

    // The chain says what happened, and the lapse is counted once however long it waits.
    const chain = await ok(get(`/campaigns/${spec.id}/escalations/${encodeURIComponent(escalationId)}`));
    expect(chain.hops.map((h: { step: string }) => h.step)).toContain('overdue');
    expect(chain.hops.find((h: { step: string }) => h.step === 'overdue')).toMatchObject({ orgId: 'tj', by: 'rules:claim-deadline' });
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await ok(get(`${base}/tj`))).own.lapses).toBe(1);

    // Forwarding from the top is refused; claiming still works, and it leaves the overdue view.
    expectProblem(await post(`${base}/tj/escalations/${encodeURIComponent(escalationId)}/forward`, { reason: '上交' }), 409);
    expect(await ok(post(`${base}/tj/escalations/${encodeURIComponent(escalationId)}/claim`, { problemId: 'city-dibao' }))).toEqual({
      escalationId,
      problemId: 'city-dibao',
    });
    await expect
      .poll(() => ok(get(`${base}/tj/overdue`)), { timeout: 20_000, message: 'claimed: off the overdue view' })
      .toSatisfy((r) => r.escalations.total === 0);
    expect((await ok(get(inbox))).items).toEqual([]);
    const claimed = await ok(get(`${base}/tj/escalations?status=claimed`));
    expect(claimed.items[0]).toMatchObject({ escalation_id: escalationId, target_status: 'claimed', overdue_at: expect.any(String) });

    const live = await settledReadModels(f.db.kysely);
    await rebuildProjections(f.db.kysely);
    expect(await readModels(f.db.kysely)).toEqual(live);
  },
);

test('a directive’s coverage shows items rectified and awaiting verification apart from done; those orgs are not lagging', { timeout: 180_000 }, async () => {
  const { base } = await everyoneMobilised();
  await ok(
    post(`${base}/tj/directives`, {
      directiveId: 'jianfu',
      title: '清理规范报表',
      instructions: '停用重复报表并上报清单',
      deadline: '2099-12-31',
      targetLevels: ['branch'],
    }),
  );
  const coverage = () => ok(get(`${base}/tj/directives/jianfu`)).then((d) => d.coverage);
  await expect.poll(coverage, { timeout: 60_000, message: 'all 27 branches targeted' }).toSatisfy((c) => c?.targeted === 27);

  const item = directiveItemId('jianfu');
  const b1 = 'tj-d1-u1-b1';
  const secretary = bearer(await issueToken(app, { role: 'secretary', orgId: b1 }));
  await ok(post(`${base}/${b1}/problems/${item}/start`, {}, secretary));
  await ok(post(`${base}/${b1}/problems/${item}/rectification`, { evidence: '已停用 4 张重复报表' }, secretary));

  const rectified = await vi.waitFor(
    async () => {
      const value = await coverage();
      expect(value, 'one rectified at the city').toSatisfy((c: typeof value) => c?.rectified === 1);
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  expect(rectified).toMatchObject({
    targeted: 27,
    done: 0,
    rectified: 1,
    overdue: 0,
    lagging: 26,
    byLevel: { branch: { targeted: 27, done: 0, rectified: 1, lagging: 26 } },
  });
  const lagging = await ok(get(`${base}/tj/directives/jianfu/lagging?limit=100`));
  expect(lagging.items).toHaveLength(26);
  expect(lagging.items.map((i: { org_id: string }) => i.org_id)).not.toContain(b1);
  // Carried up level by level: the district's drill-down shows it at the unit.
  const tree = await vi.waitFor(
    async () => {
      const value = await ok(get(`${base}/tj-d1/directives/jianfu/tree`));
      expect(value, 'district tree').toSatisfy((t: typeof value) => t.coverage?.rectified === 1);
      return value;
    },
    { timeout: 30_000, interval: 200 },
  );
  expect(tree.children.find((c: { orgId: string }) => c.orgId === 'tj-d1-u1').coverage).toMatchObject({ targeted: 3, done: 0, rectified: 1, lagging: 2 });
  expect((await ok(get(`${base}/tj/directives?direction=issued`))).items[0].coverage).toMatchObject({ rectified: 1, done: 0 });

  // Verified from above: done, no longer rectified.
  await ok(post(`${base}/${b1}/problems/${item}/verification`, { decision: 'verified' }));
  const done = await vi.waitFor(
    async () => {
      const value = await coverage();
      expect(value, 'one done at the city').toSatisfy((c: typeof value) => c?.done === 1);
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  expect(done).toMatchObject({ targeted: 27, done: 1, rectified: 0, lagging: 26 });
  expect((await ok(get(`${base}/tj/directives/jianfu/lagging?limit=100`))).items).toHaveLength(26);
});

test('a command to an org the cascade has not reached names the ancestor that has not mobilised', { timeout: 180_000 }, async () => {
  // Only the city mobilises by itself: the districts start and wait for their meetings.
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city'] } });
  await startCampaign(f.t.client, f.t.taskQueue, spec);
  const base = `/campaigns/${spec.id}/orgs`;
  const b1 = 'tj-d1-u1-b1';
  const secretary = bearer(await issueToken(app, { role: 'secretary', orgId: b1 }));
  const session = () =>
    post(`${base}/${b1}/study-sessions`, { sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 20 }, secretary);

  const byDistrict = await vi.waitFor(
    async () => {
      const value = await session();
      expect(value, 'waiting for the district').toSatisfy((r: typeof value) => r.statusCode === 409 && r.json().waitingFor?.orgId === 'tj-d1');
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  const problem = expectProblem(byDistrict, 409);
  expect(problem.waitingFor).toEqual({ orgId: 'tj-d1', name: nameOf('tj-d1'), level: 'district', mobilised: false });
  expect(problem.detail).toBe(`org ${b1} is not reached by the cascade yet: its ancestor tj-d1 (${nameOf('tj-d1')}) has not held its mobilisation meeting`);
  // The screen's first read says the same.
  const read = expectProblem(await get(`${base}/${b1}`, secretary), 404);
  expect(read.waitingFor).toEqual(problem.waitingFor);
  expect(read.detail).toMatch(/its ancestor tj-d1 .* has not held its mobilisation meeting/);

  // The district mobilises; its units start and wait for theirs: now the parent is named.
  await ok(post(`${base}/tj-d1/mobilisation`, { date: '2019-09-06', attendance: 50 }));
  const byUnit = await vi.waitFor(
    async () => {
      const value = await session();
      expect(value, 'waiting for the unit').toSatisfy(
        (r: typeof value) => r.statusCode === 409 && r.json().waitingFor?.orgId === 'tj-d1-u1' && r.json().waitingFor?.mobilised === false,
      );
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  expect(expectProblem(byUnit, 409).detail).toBe(
    `org ${b1} is not reached by the cascade yet: its parent tj-d1-u1 (${nameOf('tj-d1-u1')}) has not held its mobilisation meeting`,
  );

  // Once the unit mobilises the branch is reached and the command goes through.
  await ok(post(`${base}/tj-d1-u1/mobilisation`, { date: '2019-09-07', attendance: 30 }));
  await expect
    .poll(session, { timeout: 60_000, message: 'the branch reached (its own meeting missing)' })
    .toSatisfy((r) => r.statusCode === 409 && r.json().waitingFor === undefined && /mobilisation meeting yet/.test(r.json().detail));
});
