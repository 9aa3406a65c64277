/**
 * 同题共答 on a real Temporal server: a joint problem's parts land in each participant's
 * own ledger at three levels; everyone's status is visible in one place; the joint
 * problem closes only when every part is verified.
 */
import { expect, test, vi } from 'vitest';
import { openJointProblem, orgHandle } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { generateTree } from '../../domain/generate-tree.js';
import { jointItemId, jointWorkflowId } from '../../domain/joint.js';
import { jointStatusQuery } from '../../workflows/messages.js';
import { rectify, startMobilisedCampaign } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels } from '../support/read-models.js';

const f = useWorkflowFixture(() => generateTree('small'));

test('parts at three levels; closed only when every part is verified; a participant not yet reached is shown', { timeout: 180_000 }, async () => {
  const { spec } = await startMobilisedCampaign(f);
  const participants = ['tj', 'tj-d1', 'tj-d1-u2'];
  const joint = { jointId: 'elevators', title: '老旧小区加装电梯', description: '资金、审批、施工协调', openerOrgId: 'tj', participantOrgIds: participants };
  expect((await openJointProblem(f.t.client, f.t.taskQueue, spec.id, joint)).created).toBe(true);
  expect((await openJointProblem(f.t.client, f.t.taskQueue, spec.id, joint)).created).toBe(false);
  const handle = f.t.client.workflow.getHandle(jointWorkflowId(spec.id, 'elevators'));
  await expect
    .poll(() => handle.query(jointStatusQuery), { timeout: 20_000, message: 'every part in a ledger' })
    .toSatisfy((s) => Object.values(s.parts).every((p) => p === 'found'));

  const partsRow = () =>
    f.db.kysely.selectFrom('rm_joint_problems').selectAll().where('campaign_id', '=', spec.id).where('joint_id', '=', 'elevators').executeTakeFirst();
  for (const org of participants.slice(0, 2)) await rectify(orgHandle(f.t.client, spec.id, org), jointItemId('elevators'));
  const partly = await vi.waitFor(
    async () => {
      const value = await partsRow();
      expect(value, 'two parts closed').toSatisfy((r: typeof value) => r?.parts !== undefined && r.parts.tj === 'closed' && r.parts['tj-d1'] === 'closed');
      return value;
    },
    { timeout: 20_000, interval: 200 },
  );
  expect(partly).toMatchObject({ status: 'open', parts: { 'tj-d1-u2': 'found' } });
  expect((await handle.describe()).status.name).toBe('RUNNING');

  await rectify(orgHandle(f.t.client, spec.id, 'tj-d1-u2'), jointItemId('elevators'));
  expect(await handle.result()).toEqual({ jointId: 'elevators', parts: { tj: 'closed', 'tj-d1': 'closed', 'tj-d1-u2': 'closed' } });
  await expect.poll(partsRow, { timeout: 10_000, message: 'joint closed in the read model' }).toSatisfy((r) => r?.status === 'closed');
  const items = await f.db.kysely
    .selectFrom('rm_problems')
    .select(['org_id', 'status', 'source'])
    .where('campaign_id', '=', spec.id)
    .where('joint_id', '=', 'elevators')
    .orderBy('org_id')
    .execute();
  expect(items).toEqual(participants.map((o) => ({ org_id: o, status: 'closed', source: 'joint_answer' })));

  const unreached = await openJointProblem(f.t.client, f.t.taskQueue, 'no-such-campaign', { ...joint, jointId: 'ghost' });
  expect(unreached.created).toBe(true);
  const ghost = f.t.client.workflow.getHandle(jointWorkflowId('no-such-campaign', 'ghost'));
  await expect
    .poll(() => ghost.query(jointStatusQuery), { timeout: 20_000, message: 'undeliverable parts shown' })
    .toSatisfy((s) => Object.values(s.parts).every((p) => p === 'undeliverable'));
  await ghost.terminate('test over');

  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});
