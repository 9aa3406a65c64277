/**
 * Long life and big nodes: a unit with 3,000 branches (more children than Temporal
 * lets one execution hold pending), a directive to all of them (上题下答 at the widest
 * node of a Tianjin-sized tree: coverage equal to a brute-force count, and the unit's
 * carried state far under the 2 MiB continue-as-new limit), and an org that continues
 * as new while updates and child signals are in flight, losing none of them.
 *
 * The waits are long on purpose: 3,003 workflows outnumber the worker's cache of 2,000,
 * so on this 2-core machine a wave of 3,000 branch tasks (the cascade, then the directive)
 * takes several minutes of evictions and replays; the first test has passed in 443 s to
 * 474 s, and once timed out waiting 300 s for the directive to reach every branch (CI on
 * 2026-12-01). They bound a hang, not a speed: speed is `npm run bench`'s business.
 */
import { expect, test, vi } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import type { FlatOrg } from '../../domain/generate-tree.js';
import { directiveItemId } from '../../domain/directive.js';
import { issueDirectiveUpdate, orgStatusQuery, recordProblemUpdate, recordStudySessionUpdate } from '../../workflows/messages.js';
import { rectify, testSpec } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';

const BRANCHES = 3000;
const orgs: FlatOrg[] = [
  { id: 'tj', parentId: null, level: 'city', kind: 'city', name: '天津市' },
  { id: 'nk', parentId: 'tj', level: 'district', kind: 'university', name: '南开大学' },
  { id: 'nk-u1', parentId: 'nk', level: 'unit', kind: 'unit', name: '南开大学学生工作部' },
  ...Array.from({ length: BRANCHES }, (_, i): FlatOrg => ({
    id: `nk-u1-b${i + 1}`,
    parentId: 'nk-u1',
    level: 'branch',
    kind: 'branch',
    name: `第${i + 1}学生党支部`,
  })),
  { id: 'hx', parentId: 'tj', level: 'district', kind: 'district', name: '河西区' },
];
const f = useWorkflowFixture(() => orgs);

async function runCount(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of f.t.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
  return runs;
}

test('a unit with 3,000 branches cascades to all of them and counts every one', { timeout: 2_400_000 }, async () => {
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 2 } });
  await startCampaign(f.t.client, f.t.taskQueue, spec, { historyLimit: 1500 });
  const unit = orgHandle(f.t.client, spec.id, 'nk-u1');
  const s = await vi.waitFor(
    async () => {
      const value = await unit.query(orgStatusQuery);
      expect(value, '3,000 branches mobilised').toSatisfy((x: typeof value) => x.subtree.mobilised === BRANCHES + 1);
      return value;
    },
    { timeout: 1_200_000, interval: 200 },
  );
  expect(s.childrenTotal).toBe(BRANCHES);
  expect(s.childrenReporting).toBe(BRANCHES);
  expect(s.details).toMatch(/children 3000\/3000 mobilised/);
  const root = await vi.waitFor(
    async () => {
      const value = await orgHandle(f.t.client, spec.id, 'tj').query(orgStatusQuery);
      expect(value, 'root count').toSatisfy((x: typeof value) => x.subtree.mobilised === BRANCHES + 4);
      return value;
    },
    { timeout: 300_000, interval: 200 },
  );
  expect(root.subtree.orgs).toBe(BRANCHES + 4);
  // Its history stayed bounded: it continued as new rather than growing with its children.
  const history = await unit.fetchHistory();
  expect(history.events!.length).toBeLessThan(1500 + 200);
  expect(await runCount(unit.workflowId)).toBeGreaterThan(1);

  // A directive from the university to every branch: relayed by the unit to 3,000 children, coverage back up.
  await orgHandle(f.t.client, spec.id, 'nk').executeUpdate(issueDirectiveUpdate, {
    args: [
      {
        directiveId: 'd3000',
        title: '清理规范督查检查考核',
        instructions: '本周内自查上报的表格并停用重复报表',
        deadline: '2099-12-31',
        targetLevels: ['branch'],
        by: 'organiser:nk',
      },
    ],
  });
  const coverage = async () =>
    ((await f.db.kysely.selectFrom('rm_org_progress').select('directives').where('campaign_id', '=', spec.id).where('org_id', '=', 'nk').executeTakeFirst())
      ?.directives ?? {}) as Record<string, { targeted: number; done: number }>;
  await expect.poll(coverage, { timeout: 900_000, message: 'every branch targeted' }).toSatisfy((c) => c.d3000?.targeted === BRANCHES);
  const sample = orgs.filter((o) => o.level === 'branch').slice(0, 60);
  for (let i = 0; i < sample.length; i += 10) {
    await Promise.all(sample.slice(i, i + 10).map((b) => rectify(orgHandle(f.t.client, spec.id, b.id), directiveItemId('d3000'), { planned: true })));
  }
  const done = await vi.waitFor(
    async () => {
      const value = await coverage();
      expect(value, 'the sample done').toSatisfy((c: typeof value) => c.d3000?.done === sample.length);
      return value;
    },
    { timeout: 600_000, interval: 200 },
  );
  const bruteForce = await f.db.kysely
    .selectFrom('rm_problems')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('campaign_id', '=', spec.id)
    .where('directive_id', '=', 'd3000')
    .where('status', '=', 'closed')
    .executeTakeFirstOrThrow();
  expect(done.d3000!.done).toBe(Number(bruteForce.n));
  const targeted = await f.db.kysely
    .selectFrom('rm_problems')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('campaign_id', '=', spec.id)
    .where('directive_id', '=', 'd3000')
    .executeTakeFirstOrThrow();
  expect(Number(targeted.n)).toBe(BRANCHES);

  // The unit continued as new holding 3,000 children's snapshots with coverage, far under Temporal's 2 MiB.
  const latest = await unit.fetchHistory();
  const carried = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
  console.log(`a unit with ${BRANCHES} branches carries ${carried} bytes through continue-as-new`);
  expect(carried).toBeGreaterThan(0);
  expect(carried).toBeLessThan(512 * 1024);
});

test('continue-as-new with updates and child signals in flight loses nothing', { timeout: 900_000 }, async () => {
  const spec = testSpec({ id: 'can', rootOrgId: 'tj', rules: { autoMobiliseLevels: ['city', 'district'], minStudyDays: 6 } });
  await startCampaign(f.t.client, f.t.taskQueue, spec, { historyLimit: 60 });
  const hx = orgHandle(f.t.client, spec.id, 'hx');
  await expect.poll(() => hx.query(orgStatusQuery), { timeout: 300_000, message: 'hx open' }).toSatisfy((x) => x.components.review === 'open');
  const updates = Array.from({ length: 40 }, (_, i) =>
    i % 2 === 0
      ? hx.executeUpdate(recordStudySessionUpdate, {
          args: [{ sessionId: `s${i}`, date: `2019-10-${String(1 + i / 2).padStart(2, '0')}`, kind: 'concentrated', hours: 2, attendance: 9, by: 'test' }],
        })
      : hx.executeUpdate(recordProblemUpdate, {
          args: [{ problemId: `p${i}`, source: 'public_message', category: '服务', description: `群众反映${i}`, by: 'test' }],
        }),
  );
  const results = await Promise.all(updates);
  expect(results).toHaveLength(40);
  const s = await hx.query(orgStatusQuery);
  expect(s.own.problems).toBe(20);
  expect(s.own.studyDays).toBe(20);
  // Its history passed the limit of 60 while they were taken in: it continues as new at its next
  // step, which may come just after the last answer (the server admits the 40 at once, so they can
  // all be answered in the task before the one that continues).
  await expect.poll(() => runCount(hx.workflowId), { timeout: 30_000 }).toBeGreaterThan(1);
  // Every update's events were recorded exactly once, in order.
  const events = await f.db.kysely.selectFrom('events').select(['stream_seq', 'type']).where('stream_id', '=', hx.workflowId).orderBy('stream_seq').execute();
  expect(events.map((e) => e.stream_seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'ProblemRecorded')).toHaveLength(20);
  expect(events.filter((e) => e.type === 'StudySessionRecorded')).toHaveLength(20);
  // The 40 updates ran concurrently, in no set order, and progress reports are debounced: a
  // report can carry all 20 problems before the last study session. Wait for the root to see both.
  const root = await vi.waitFor(
    async () => {
      const value = await orgHandle(f.t.client, spec.id, 'tj').query(orgStatusQuery);
      expect(value, 'root sees 20 problems and 20 study days').toSatisfy((x: typeof value) => x.subtree.problems === 20 && x.subtree.studyDays === 20);
      return value;
    },
    { timeout: 300_000, interval: 200 },
  );
  expect(root.subtree).toMatchObject({ problems: 20, studyDays: 20 });
});
