/**
 * 下题上答 between org workflows on a real Temporal server: an escalation is
 * acknowledged, claimed, rectified above and answered below; forwarded level by level;
 * forwarded automatically when its claim deadline passes (a lapse counted against the
 * level that let it pass); merged with others of the same root; never dropped, even
 * when its target does not exist; and delivered twice, counted once.
 */
import { expect, test, vi } from 'vitest';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { escalationIdOf } from '../../domain/escalation.js';
import { generateTree } from '../../domain/generate-tree.js';
import {
  claimEscalationUpdate,
  escalateProblemUpdate,
  escalationReceivedSignal,
  forwardEscalationUpdate,
  orgStatusQuery,
  recordProblemUpdate,
} from '../../workflows/messages.js';
import { rectify, startMobilisedCampaign, testSpec } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels } from '../support/read-models.js';

const f = useWorkflowFixture(() => generateTree('small'));
const by = 'secretary:test';

async function escalationRow(id: string, ok: (row: Record<string, unknown>) => boolean) {
  return vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_escalations').selectAll().where('escalation_id', '=', id).executeTakeFirst();
      expect(value, `escalation ${id}`).toSatisfy((r: typeof value) => r !== undefined && ok(r));
      return value;
    },
    { timeout: 20_000, interval: 200 },
  );
}

test('claimed above, rectified there, answered below; forwarded by hand over several levels', { timeout: 180_000 }, async () => {
  const { org } = await startMobilisedCampaign(f);
  const b1 = org('tj-d1-u1-b1');
  await b1.executeUpdate(recordProblemUpdate, {
    args: [{ problemId: 'p1', source: 'self_inspection', category: '政策', description: '低保审核标准由区里定，支部无权调整', by }],
  });
  const { escalationId } = await b1.executeUpdate(escalateProblemUpdate, { args: [{ problemId: 'p1', targetOrgId: 'tj-d1', reason: '根子在区级政策', by }] });
  expect(escalationId).toBe(escalationIdOf(b1.workflowId, 'p1'));
  await escalationRow(escalationId, (r) => r.origin_status === 'acknowledged' && r.current_org_id === 'tj-d1');
  expect((await org('tj-d1').query(orgStatusQuery)).own.escalationsPending).toBe(1);

  const claimed = await org('tj-d1').executeUpdate(claimEscalationUpdate, { args: [{ escalationId, problemId: 'd1-p1', by: 'organiser:d1' }] });
  expect(claimed).toEqual({ escalationId, problemId: 'd1-p1' });
  await escalationRow(escalationId, (r) => r.origin_status === 'claimed' && r.claimed_problem_id === 'd1-p1');
  expect((await b1.query(orgStatusQuery)).own).toMatchObject({ problems: 1, problemsClosed: 0, escalated: 1 });

  await rectify(org('tj-d1'), 'd1-p1');
  await expect.poll(() => b1.query(orgStatusQuery), { timeout: 20_000, message: 'origin closed by the answer' }).toSatisfy((s) => s.own.problemsClosed === 1);
  const originRow = await vi.waitFor(
    async () => {
      const value = await f.db.kysely
        .selectFrom('rm_problems')
        .selectAll()
        .where('org_id', '=', 'tj-d1-u1-b1')
        .where('problem_id', '=', 'p1')
        .orderBy('recorded_at', 'desc')
        .executeTakeFirst();
      expect(value, 'origin row').toSatisfy((r: typeof value) => r?.status === 'closed');
      return value;
    },
    { timeout: 10_000, interval: 200 },
  );
  expect(originRow!.verified_by).toBe('answer:tj-d1');

  // Several levels (省市县乡四级联动): branch → unit → district → city, forwarded by hand.
  const b2 = org('tj-d1-u2-b2');
  await b2.executeUpdate(recordProblemUpdate, {
    args: [{ problemId: 'p2', source: 'public_message', category: '住房', description: '老旧小区加装电梯资金', by }],
  });
  const e2 = (await b2.executeUpdate(escalateProblemUpdate, { args: [{ problemId: 'p2', targetOrgId: 'tj-d1-u2', reason: '需要资金', by }] })).escalationId;
  await escalationRow(e2, (r) => r.current_org_id === 'tj-d1-u2');
  await org('tj-d1-u2').executeUpdate(forwardEscalationUpdate, { args: [{ escalationId: e2, reason: '资金在区里', by }] });
  await escalationRow(e2, (r) => r.current_org_id === 'tj-d1' && r.target_status === 'pending');
  await org('tj-d1').executeUpdate(forwardEscalationUpdate, { args: [{ escalationId: e2, reason: '市级统筹', by }] });
  await escalationRow(e2, (r) => r.current_org_id === 'tj' && r.hop === 3);
  await org('tj').executeUpdate(claimEscalationUpdate, { args: [{ escalationId: e2, problemId: 'city-elevators', by }] });
  await escalationRow(e2, (r) => r.origin_status === 'claimed' && r.target_status === 'claimed' && r.current_org_id === 'tj');
  const refused = await org('tj')
    .executeUpdate(forwardEscalationUpdate, { args: [{ escalationId: e2, reason: 'x', by }] })
    .catch((e: unknown) => e);
  expect(refused).toMatchObject({ cause: { type: 'Conflict' } });
});

test('an unclaimed escalation is forwarded when its claim deadline passes, and the lapse is counted', { timeout: 120_000 }, async () => {
  const { org } = await startMobilisedCampaign(f, { rules: { claimDeadlineDays: 3 / 86_400 } });
  const b = org('tj-d2-u1-b1');
  await b.executeUpdate(recordProblemUpdate, { args: [{ problemId: 'p', source: 'self_inspection', category: '作风', description: '审批层级多', by }] });
  const { escalationId } = await b.executeUpdate(escalateProblemUpdate, { args: [{ problemId: 'p', targetOrgId: 'tj-d2-u1', reason: '单位流程', by }] });
  const row = await escalationRow(escalationId, (r) => r.current_org_id === 'tj-d2' && r.lapses === 1 && r.origin_status === 'acknowledged');
  expect(row).toMatchObject({ target_status: 'pending', hop: 2 });
  const unit = await org('tj-d2-u1').query(orgStatusQuery);
  expect(unit.own).toMatchObject({ lapses: 1, escalationsReceived: 1, escalationsPending: 0 });
  await expect.poll(() => org('tj').query(orgStatusQuery), { timeout: 30_000, message: 'lapse in the city aggregate' }).toSatisfy((s) => s.subtree.lapses >= 1);
});

test('escalations with one root cause merge, and every origin is answered; duplicates and dead targets lose nothing', { timeout: 180_000 }, async () => {
  const { spec, org } = await startMobilisedCampaign(f);
  const origins = ['tj-d3-u1-b1', 'tj-d3-u2-b1', 'tj-d3-u3-b1'];
  const ids: string[] = [];
  for (const o of origins) {
    await org(o).executeUpdate(recordProblemUpdate, {
      args: [{ problemId: 'p', source: 'self_inspection', category: '减负', description: '同一张表反复填报', by }],
    });
    ids.push(
      (await org(o).executeUpdate(escalateProblemUpdate, { args: [{ problemId: 'p', targetOrgId: 'tj-d3', reason: '区里多头要表', by }] })).escalationId,
    );
  }
  const district = org('tj-d3');
  await expect.poll(() => district.query(orgStatusQuery), { timeout: 20_000, message: 'three received' }).toSatisfy((s) => s.own.escalationsReceived === 3);
  // The same escalation delivered again changes nothing.
  const again = await f.db.kysely.selectFrom('rm_escalations').selectAll().where('escalation_id', '=', ids[0]!).executeTakeFirstOrThrow();
  await district.signal(escalationReceivedSignal, {
    escalationId: ids[0]!,
    origin: { campaignId: spec.id, orgId: origins[0]!, problemId: 'p', workflowId: org(origins[0]!).workflowId },
    category: again.category!,
    description: again.description!,
    reason: again.reason!,
    hop: 1,
  });
  await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: ids[0]!, problemId: 'forms', by }] });
  await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: ids[1]!, intoProblemId: 'forms', by }] });
  await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: ids[2]!, intoProblemId: 'forms', by }] });
  const s = await district.query(orgStatusQuery);
  expect(s.own).toMatchObject({ escalationsReceived: 3, escalationsPending: 0, problems: 1 });
  await rectify(district, 'forms');
  for (const o of origins)
    await expect.poll(() => org(o).query(orgStatusQuery), { timeout: 20_000, message: `${o} answered` }).toSatisfy((x) => x.own.problemsClosed === 1);

  // A target with no workflow: recorded as undeliverable at the origin, and the item can be escalated again.
  const b = org('tj-d3-u1-b2');
  await b.executeUpdate(recordProblemUpdate, { args: [{ problemId: 'q', source: 'self_inspection', category: '政策', description: '第一批单位的政策', by }] });
  const { escalationId } = await b.executeUpdate(escalateProblemUpdate, {
    args: [{ problemId: 'q', targetOrgId: 'tj-d1', targetCampaignId: 'no-such-campaign', reason: '第一批单位联动', by }],
  });
  await escalationRow(escalationId, (r) => r.origin_status === 'undeliverable');
  expect(await b.executeUpdate(escalateProblemUpdate, { args: [{ problemId: 'q', targetOrgId: 'tj-d3', reason: '改报区里', by }] })).toMatchObject({
    status: 'sent',
  });
  await escalationRow(escalationId, (r) => r.origin_status === 'acknowledged' && r.current_org_id === 'tj-d3');

  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});

test('escalations in flight across continue-as-new of both sides are acknowledged, claimed and answered', { timeout: 180_000 }, async () => {
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'] } });
  await startCampaign(f.t.client, f.t.taskQueue, spec, { historyLimit: 40 });
  const org = (id: string) => orgHandle(f.t.client, spec.id, id);
  await expect.poll(() => org('tj').query(orgStatusQuery), { timeout: 60_000, message: 'all mobilised' }).toSatisfy((s) => s.subtree.mobilised === 40);
  const origins = ['tj-d2-u1-b1', 'tj-d2-u2-b2', 'tj-d2-u3-b3'];
  const ids = (
    await Promise.all(
      origins.map(async (o) => {
        const sent: string[] = [];
        for (let i = 0; i < 4; i++) {
          await org(o).executeUpdate(recordProblemUpdate, {
            args: [{ problemId: `p${i}`, source: 'self_inspection', category: '作风', description: `${o} 的问题 ${i}`, by }],
          });
          sent.push(
            (await org(o).executeUpdate(escalateProblemUpdate, { args: [{ problemId: `p${i}`, targetOrgId: 'tj-d2', reason: '区里统筹', by }] })).escalationId,
          );
        }
        return sent;
      }),
    )
  ).flat();
  const district = org('tj-d2');
  await expect
    .poll(() => district.query(orgStatusQuery), { timeout: 60_000, message: 'all received' })
    .toSatisfy((s) => s.own.escalationsReceived === ids.length);
  await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: ids[0]!, problemId: 'root', by }] });
  for (const id of ids.slice(1)) await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: id, intoProblemId: 'root', by }] });
  await rectify(district, 'root');
  for (const o of origins)
    await expect.poll(() => org(o).query(orgStatusQuery), { timeout: 60_000, message: `${o} answered` }).toSatisfy((s) => s.own.problemsClosed === 4);
  // Both sides continued as new while the messages moved.
  for (const id of ['tj-d2', ...origins]) {
    let runs = 0;
    for await (const _ of f.t.client.workflow.list({ query: `WorkflowId = "${org(id).workflowId}"` })) runs++;
    expect(runs, id).toBeGreaterThan(1);
  }
});
