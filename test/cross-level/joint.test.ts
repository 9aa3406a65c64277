/**
 * 同题共答 on a real Temporal server: a joint problem's parts land in each participant's
 * own ledger at three levels; everyone's status is visible in one place; the joint
 * problem closes only when every part is verified.
 */
import { expect, test } from 'vitest';
import { openJointProblem, orgHandle, startCampaign } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { generateTree } from '../../domain/generate-tree.js';
import { jointItemId, jointWorkflowId } from '../../domain/joint.js';
import { jointStatusQuery, orgStatusQuery } from '../../workflows/messages.js';
import { rectify, testSpec } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels } from '../support/read-models.js';
import { waitFor } from '../support/wait.js';

const f = useWorkflowFixture(() => generateTree('small'));

test('parts at three levels; closed only when every part is verified; a participant not yet reached is shown', { timeout: 180_000 }, async () => {
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'] } });
  await startCampaign(f.t.client, f.t.taskQueue, spec);
  await waitFor(() => orgHandle(f.t.client, spec.id, 'tj').query(orgStatusQuery), (s) => s.subtree.mobilised === 40, 60_000, 'all mobilised');
  const participants = ['tj', 'tj-d1', 'tj-d1-u2'];
  const joint = { jointId: 'elevators', title: '老旧小区加装电梯', description: '资金、审批、施工协调', openerOrgId: 'tj', participantOrgIds: participants };
  expect((await openJointProblem(f.t.client, f.t.taskQueue, spec.id, joint)).created).toBe(true);
  expect((await openJointProblem(f.t.client, f.t.taskQueue, spec.id, joint)).created).toBe(false);
  const handle = f.t.client.workflow.getHandle(jointWorkflowId(spec.id, 'elevators'));
  await waitFor(() => handle.query(jointStatusQuery), (s) => Object.values(s.parts).every((p) => p === 'found'), 20_000, 'every part in a ledger');

  const partsRow = () => f.db.kysely.selectFrom('rm_joint_problems').selectAll().where('campaign_id', '=', spec.id).where('joint_id', '=', 'elevators').executeTakeFirst();
  for (const org of participants.slice(0, 2)) await rectify(orgHandle(f.t.client, spec.id, org), jointItemId('elevators'));
  const partly = await waitFor(partsRow, (r) => r?.parts !== undefined && (r.parts as Record<string, string>).tj === 'closed' && (r.parts as Record<string, string>)['tj-d1'] === 'closed', 20_000, 'two parts closed');
  expect(partly).toMatchObject({ status: 'open', parts: { 'tj-d1-u2': 'found' } });
  expect((await handle.describe()).status.name).toBe('RUNNING');

  await rectify(orgHandle(f.t.client, spec.id, 'tj-d1-u2'), jointItemId('elevators'));
  expect(await handle.result()).toEqual({ jointId: 'elevators', parts: { tj: 'closed', 'tj-d1': 'closed', 'tj-d1-u2': 'closed' } });
  await waitFor(partsRow, (r) => r?.status === 'closed', 10_000, 'joint closed in the read model');
  const items = await f.db.kysely.selectFrom('rm_problems').select(['org_id', 'status', 'source']).where('campaign_id', '=', spec.id).where('joint_id', '=', 'elevators').orderBy('org_id').execute();
  expect(items).toEqual(participants.map((o) => ({ org_id: o, status: 'closed', source: 'joint_answer' })));

  const unreached = await openJointProblem(f.t.client, f.t.taskQueue, 'no-such-campaign', { ...joint, jointId: 'ghost' });
  expect(unreached.created).toBe(true);
  const ghost = f.t.client.workflow.getHandle(jointWorkflowId('no-such-campaign', 'ghost'));
  await waitFor(() => ghost.query(jointStatusQuery), (s) => Object.values(s.parts).every((p) => p === 'undeliverable'), 20_000, 'undeliverable parts shown');
  await ghost.terminate('test over');

  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});
