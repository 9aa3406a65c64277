/**
 * The rectification ledger on a real Temporal server and a real PostgreSQL: the whole
 * lifecycle, yellow and red alerts on real durable timers (deadlines seconds away),
 * overdue counts reaching every ancestor and the OverdueItems search attribute,
 * special projects, disclosure and democratic life meetings in the read models, and
 * a rebuild equal to the live read models.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { expect, test, vi } from 'vitest';
import { orgHandle } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { generateTree } from '../../domain/generate-tree.js';
import {
  createProjectUpdate,
  democraticLifeMeetingUpdate,
  discloseProblemsUpdate,
  extendDeadlineUpdate,
  orgStatusQuery,
  planRectificationUpdate,
  recordProblemUpdate,
  startRectificationUpdate,
  submitRectificationUpdate,
  verifyRectificationUpdate,
} from '../../workflows/messages.js';
import { rectify, startMobilisedCampaign } from '../support/campaign.js';
import { readModels, settledReadModels } from '../support/read-models.js';
import { useWorkflowFixture } from '../support/fixture.js';

const f = useWorkflowFixture(() => generateTree('small'));

const by = 'secretary:b1';
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

test('lifecycle, durable deadline alerts, overdue in every ancestor and in search attributes', { timeout: 180_000 }, async () => {
  // warningDays of 2 s: a deadline 6 s away turns yellow after ~4 s and red after ~6 s.
  const { spec, root } = await startMobilisedCampaign(f, { rules: { warningDays: 2 / 86_400 } });
  const branch = orgHandle(f.t.client, spec.id, 'tj-d1-u1-b1');

  await branch.executeUpdate(recordProblemUpdate, {
    args: [{ problemId: 'p1', source: 'public_message', category: '服务', description: '办事窗口排队时间长', by }],
  });
  // An invalid transition is refused with the current state, and nothing changes.
  const refused = await branch.executeUpdate(submitRectificationUpdate, { args: [{ problemId: 'p1', evidence: 'x', by }] }).catch((e: unknown) => e);
  expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Conflict', details: [{ field: 'problemId', currentStatus: 'found' }] });

  const deadline = new Date(Date.now() + 6000).toISOString();
  await branch.executeUpdate(planRectificationUpdate, { args: [{ problemId: 'p1', owner: '窗口科科长', measures: '增设窗口、推行预约', deadline, by }] });
  await branch.executeUpdate(startRectificationUpdate, { args: [{ problemId: 'p1', by }] });
  await expect.poll(() => branch.query(orgStatusQuery), { timeout: 15_000, message: 'yellow' }).toSatisfy((s) => s.own.dueSoon === 1);
  await expect.poll(() => branch.query(orgStatusQuery), { timeout: 15_000, message: 'red' }).toSatisfy((s) => s.own.overdue === 1);

  // Every ancestor counts it, and so does its search attribute.
  for (const id of ['tj-d1-u1', 'tj-d1', 'tj']) {
    await expect
      .poll(() => orgHandle(f.t.client, spec.id, id).query(orgStatusQuery), { timeout: 30_000, message: `${id} sees the overdue item` })
      .toSatisfy((s) => s.subtree.overdue === 1);
  }
  const overdueWorkflows = async () => {
    const ids: string[] = [];
    for await (const wf of f.t.client.workflow.list({ query: `CampaignId="${spec.id}" AND OverdueItems > 0` })) ids.push(wf.workflowId);
    return ids.sort();
  };
  const listed = await vi.waitFor(
    async () => {
      const value = await overdueWorkflows();
      expect(value, 'OverdueItems search attribute').toSatisfy((ids: typeof value) => ids.length === 4);
      return value;
    },
    { timeout: 30_000, interval: 200 },
  );
  expect(listed).toEqual(['tj', 'tj-d1', 'tj-d1-u1', 'tj-d1-u1-b1'].map((o) => `campaign/${spec.id}/org/${o}`).sort());
  const overdueRow = await vi.waitFor(
    async () => {
      const value = await f.db.kysely
        .selectFrom('rm_problems')
        .selectAll()
        .where('campaign_id', '=', spec.id)
        .where('path', 'like', '/tj/tj-d1/%')
        .where('alert', '=', 'red')
        .execute();
      expect(value, 'overdue list across the subtree').toSatisfy((rows: typeof value) => rows.length === 1);
      return value;
    },
    { timeout: 10_000, interval: 200 },
  );
  expect(overdueRow[0]).toMatchObject({ problem_id: 'p1', owner: '窗口科科长', status: 'in_progress' });

  // One extension, with a reason; it shows, and the item is no longer overdue.
  await branch.executeUpdate(extendDeadlineUpdate, { args: [{ problemId: 'p1', deadline: '2099-06-30', reason: '需区财政配套资金', by }] });
  await expect.poll(() => root.query(orgStatusQuery), { timeout: 30_000, message: 'overdue cleared at the root' }).toSatisfy((s) => s.subtree.overdue === 0);

  // Verification by who rectified it is refused; a return goes back to in progress; then verified.
  await branch.executeUpdate(submitRectificationUpdate, {
    args: [{ problemId: 'p1', evidence: '窗口由3个增至6个，平均等待降至10分钟', attachments: ['统计表.xlsx'], by }],
  });
  const self = await branch
    .executeUpdate(verifyRectificationUpdate, { args: [{ problemId: 'p1', decision: 'verified', by, verifierRole: 'inspector', verifierOrgId: 'tj' }] })
    .catch((e: unknown) => e);
  expect((self as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Forbidden' });
  const inspector = { by: 'inspector:tj', verifierRole: 'inspector' as const, verifierOrgId: 'tj' };
  expect(
    await branch.executeUpdate(verifyRectificationUpdate, { args: [{ problemId: 'p1', decision: 'returned', reason: '缺少群众评价', ...inspector }] }),
  ).toMatchObject({ status: 'in_progress' });
  await branch.executeUpdate(submitRectificationUpdate, { args: [{ problemId: 'p1', evidence: '回访满意度96%', by }] });
  expect(
    await branch.executeUpdate(verifyRectificationUpdate, { args: [{ problemId: 'p1', decision: 'verified', reason: '排队时间减半', ...inspector }] }),
  ).toMatchObject({ status: 'closed' });

  // 公示 of the closed item.
  expect(await branch.executeUpdate(discloseProblemsUpdate, { args: [{ date: today, problemIds: ['p1'], by }] })).toEqual({ disclosed: 1 });

  const row = await vi.waitFor(
    async () => {
      const value = await f.db.kysely
        .selectFrom('rm_problems')
        .selectAll()
        .where('campaign_id', '=', spec.id)
        .where('problem_id', '=', 'p1')
        .executeTakeFirstOrThrow();
      expect(value, 'ledger row').toSatisfy((r: typeof value) => r.disclosed_on !== null);
      return value;
    },
    { timeout: 10_000, interval: 200 },
  );
  expect(row).toMatchObject({
    status: 'closed',
    returns: 1,
    return_reason: '缺少群众评价',
    verified_by: 'inspector:tj',
    result: '排队时间减半',
    extension_reason: '需区财政配套资金',
    disclosed_on: today,
    alert: 'none',
  });
  expect(row.extended_from).not.toBeNull();

  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});

test('special projects group items across orgs; democratic life meetings feed the ledger', { timeout: 120_000 }, async () => {
  const { spec, org } = await startMobilisedCampaign(f);
  const district = org('tj-d2');
  await district.executeUpdate(createProjectUpdate, {
    args: [{ projectId: 'jianfu', title: '为基层减负专项整治', leadOrgId: 'tj-d2-u1', participantOrgIds: ['tj-d2-u1', 'tj-d2-u2'], by: 'organiser:d2' }],
  });
  for (const [org, n] of [
    ['tj-d2-u1', 3],
    ['tj-d2-u2', 2],
  ] as const) {
    const h = orgHandle(f.t.client, spec.id, org);
    for (let i = 0; i < n; i++) {
      await h.executeUpdate(recordProblemUpdate, {
        args: [{ problemId: `jf-${i}`, source: 'self_inspection', category: '形式主义', description: `重复填表${i}`, projectRef: 'tj-d2/jianfu', by }],
      });
    }
    await rectify(h, 'jf-0');
  }
  const meeting = orgHandle(f.t.client, spec.id, 'tj-d3');
  const problems = Array.from({ length: 5 }, (_, i) => ({ problemId: `dlm-${i}`, category: '担当作为', description: `对照检查问题${i}` }));
  expect(
    await meeting.executeUpdate(democraticLifeMeetingUpdate, { args: [{ meetingId: 'dlm-2019', date: today, attendance: 11, criticisms: 7, problems, by }] }),
  ).toEqual({
    meetingId: 'dlm-2019',
    problemsFound: 5,
  });

  const view = await vi.waitFor(
    async () => {
      const value = await f.db.kysely
        .selectFrom('rm_problems')
        .select(['org_id', (eb) => eb.fn.countAll<string>().as('items'), (eb) => eb.fn.count<string>('closed_at').as('closed')])
        .where('campaign_id', '=', spec.id)
        .where('project_ref', '=', 'tj-d2/jianfu')
        .groupBy('org_id')
        .orderBy('org_id')
        .execute();
      expect(value, 'project view').toSatisfy((rows: typeof value) => rows.length === 2 && rows.every((r) => Number(r.closed) === 1));
      return value;
    },
    { timeout: 20_000, interval: 200 },
  );
  expect(view.map((r) => [r.org_id, Number(r.items), Number(r.closed)])).toEqual([
    ['tj-d2-u1', 3, 1],
    ['tj-d2-u2', 2, 1],
  ]);
  const project = await f.db.kysely.selectFrom('rm_projects').selectAll().where('campaign_id', '=', spec.id).executeTakeFirstOrThrow();
  expect(project).toMatchObject({ project_ref: 'tj-d2/jianfu', lead_org_id: 'tj-d2-u1', title: '为基层减负专项整治' });
  const dlm = await vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_democratic_life_meetings').selectAll().where('campaign_id', '=', spec.id).execute();
      expect(value, 'meeting').toSatisfy((rows: typeof value) => rows.length === 1);
      return value;
    },
    { timeout: 10_000, interval: 200 },
  );
  expect(dlm[0]).toMatchObject({ org_id: 'tj-d3', problems_found: 5, criticisms: 7 });
  const fromMeeting = await f.db.kysely
    .selectFrom('rm_problems')
    .select('problem_id')
    .where('campaign_id', '=', spec.id)
    .where('meeting_id', '=', 'dlm-2019')
    .execute();
  expect(fromMeeting).toHaveLength(5);
  await expect
    .poll(() => orgHandle(f.t.client, spec.id, 'tj').query(orgStatusQuery), { timeout: 30_000, message: 'root figures' })
    .toSatisfy((s) => s.subtree.meetings === 1 && s.subtree.criticisms === 7 && s.subtree.problems === 10);
});
