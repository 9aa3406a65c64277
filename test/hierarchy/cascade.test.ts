/**
 * The campaign's shape on a real Temporal server and a real PostgreSQL: the cascade
 * waits for each level's mobilisation, the two phase modes, idempotent start, and an
 * organiser closing the campaign.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, test, vi } from 'vitest';
import { closeCampaign, orgHandle, startCampaign } from '../../client/campaigns.js';
import { rebuildProjections } from '../../db/event-store.js';
import { generateTree } from '../../domain/generate-tree.js';
import { Rejection } from '../../domain/rejection.js';
import { mobiliseUpdate, orgStatusQuery, proposeTopicUpdate, recordStudySessionUpdate } from '../../workflows/messages.js';
import { startMobilisedCampaign, testSpec } from '../support/campaign.js';
import { readModels, settledReadModels } from '../support/read-models.js';
import { useWorkflowFixture } from '../support/fixture.js';

const f = useWorkflowFixture(() => generateTree('small'));

const by = 'test';
const exists = async (campaignId: string, orgId: string) => {
  try {
    await orgHandle(f.t.client, campaignId, orgId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
};
const status = (campaignId: string, orgId: string) => orgHandle(f.t.client, campaignId, orgId).query(orgStatusQuery);
const mobilise = (campaignId: string, orgId: string) =>
  orgHandle(f.t.client, campaignId, orgId).executeUpdate(mobiliseUpdate, { args: [{ date: '2019-09-05', attendance: 40, by }] });

describe('cascade', () => {
  test('no child starts before its parent has mobilised; each level cascades after its own meeting', async () => {
    const spec = testSpec();
    await startCampaign(f.t.client, f.t.taskQueue, spec);
    await expect.poll(() => exists(spec.id, 'tj'), { timeout: 20_000, message: 'root workflow' }).toBeTruthy();
    expect(await exists(spec.id, 'tj-d1')).toBe(false);

    await mobilise(spec.id, 'tj');
    await expect.poll(() => status(spec.id, 'tj'), { timeout: 20_000, message: 'districts started' }).toSatisfy((s) => s.childrenTotal === 3);
    for (const d of ['tj-d1', 'tj-d2', 'tj-d3']) expect(await exists(spec.id, d)).toBe(true);
    expect(await exists(spec.id, 'tj-d1-u1')).toBe(false);

    await mobilise(spec.id, 'tj-d1');
    await expect.poll(() => status(spec.id, 'tj-d1'), { timeout: 20_000, message: 'units of d1' }).toSatisfy((s) => s.childrenTotal === 3);
    expect(await exists(spec.id, 'tj-d1-u1')).toBe(true);
    expect(await exists(spec.id, 'tj-d2-u1')).toBe(false);
    expect(await exists(spec.id, 'tj-d1-u1-b1')).toBe(false);

    // The root sees its subtree grow: itself, 3 districts, 3 units; 2 mobilised.
    const root = await vi.waitFor(
      async () => {
        const value = await status(spec.id, 'tj');
        expect(value, 'root aggregate').toSatisfy((s: typeof value) => s.subtree.orgs === 7);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(root.subtree.mobilised).toBe(2);
    expect(root.details).toMatch(/children 1\/3 mobilised/);
  });

  test('auto-mobilised levels cascade on their own', async () => {
    const { spec } = await startMobilisedCampaign(f);
    expect((await status(spec.id, 'tj')).subtree.orgs).toBe(40);
    // What an operator types in the Temporal UI lists exactly this campaign's 27 branches.
    const listed = async (query: string) => {
      const ids: string[] = [];
      for await (const wf of f.t.client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids;
    };
    const branches = await vi.waitFor(
      async () => {
        const value = await listed(`CampaignId="${spec.id}" AND OrgLevel="branch"`);
        expect(value, '27 branches listed').toSatisfy((ids: typeof value) => ids.length === 27);
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(branches.every((id) => /^campaign\/c-[a-z0-9]+\/org\/tj-d\d-u\d-b\d$/.test(id))).toBe(true);
    await expect
      .poll(() => listed(`CampaignId="${spec.id}" AND CampaignPhase="study"`), { timeout: 30_000, message: 'phase study everywhere' })
      .toSatisfy((ids) => ids.length === 40);
  });
});

describe('phase modes', () => {
  test('integrated: after mobilisation all four components are open at once', async () => {
    const spec = testSpec({ rules: { autoMobiliseLevels: ['city'] } });
    await startCampaign(f.t.client, f.t.taskQueue, spec);
    const s = await vi.waitFor(
      async () => {
        const value = await status(spec.id, 'tj');
        expect(value, 'open').toSatisfy((s: typeof value) => s.components.study === 'open');
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(s.components).toEqual({ study: 'open', research: 'open', review: 'open', rectification: 'open' });
  });

  test('sequential: research is refused until study is done, then opens', async () => {
    const spec = testSpec({ phaseMode: 'sequential', rules: { autoMobiliseLevels: ['city'], minStudyDays: 2 } });
    await startCampaign(f.t.client, f.t.taskQueue, spec);
    const root = orgHandle(f.t.client, spec.id, 'tj');
    await expect.poll(() => root.query(orgStatusQuery), { timeout: 20_000, message: 'study open' }).toSatisfy((s) => s.components.study === 'open');
    const refused = await root.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 't1', leader: '张', title: '基层减负', by }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'Conflict',
      message: expect.stringMatching(/research opens when study is done/),
    });
    for (const [sessionId, date] of [
      ['s1', '2019-09-10'],
      ['s2', '2019-09-11'],
    ] as const) {
      await root.executeUpdate(recordStudySessionUpdate, { args: [{ sessionId, date, kind: 'concentrated', hours: 4, attendance: 30, by }] });
    }
    const s = await root.query(orgStatusQuery);
    expect(s.components).toEqual({ study: 'done', research: 'open', review: 'locked', rectification: 'locked' });
    expect(await root.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 't1', leader: '张', title: '基层减负', by }] })).toMatchObject({
      status: 'proposed',
    });
  });

  test('a bad command is refused by the workflow with the field named, and changes nothing', async () => {
    const spec = testSpec({ rules: { autoMobiliseLevels: ['city'] } });
    await startCampaign(f.t.client, f.t.taskQueue, spec);
    const root = orgHandle(f.t.client, spec.id, 'tj');
    await expect.poll(() => root.query(orgStatusQuery), { timeout: 20_000, message: 'study open' }).toSatisfy((s) => s.components.study === 'open');
    // Children may report meanwhile; the org's own state is what must not change.
    const ownState = async () => {
      const { own, components, status } = await root.query(orgStatusQuery);
      return { own, components, status };
    };
    const before = await ownState();
    const outside = await root
      .executeUpdate(recordStudySessionUpdate, { args: [{ sessionId: 's1', date: '2019-08-01', kind: 'concentrated', hours: 4, attendance: 30, by }] })
      .catch((e: unknown) => e);
    expect((outside as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Invalid', message: expect.stringMatching(/before the campaign starts/) });
    const malformed = await root
      .executeUpdate(recordStudySessionUpdate, { args: [{ sessionId: 's1', date: '2019-09-10', kind: 'nap', hours: 4, attendance: 30, by } as never] })
      .catch((e: unknown) => e);
    expect((malformed as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Invalid', message: expect.stringMatching(/^kind/) });
    expect(await ownState()).toEqual(before);
  });
});

describe('campaign lifecycle', () => {
  test('the same start twice starts once; a different spec under the same id is a conflict', async () => {
    const spec = testSpec();
    expect((await startCampaign(f.t.client, f.t.taskQueue, spec)).created).toBe(true);
    expect((await startCampaign(f.t.client, f.t.taskQueue, structuredClone(spec))).created).toBe(false);
    const conflicting = await startCampaign(f.t.client, f.t.taskQueue, { ...spec, name: '另一个' }).catch((e: unknown) => e);
    expect(conflicting).toBeInstanceOf(Rejection);
    expect((conflicting as Rejection).kind).toBe('Conflict');
  });

  test('closing finishes every org with an honest status, and the read models equal a rebuild', async () => {
    const { spec } = await startMobilisedCampaign(f, { rules: { minStudyDays: 1, topicsMustBeVetted: false } });
    // One branch does everything; the rest do nothing.
    const b = orgHandle(f.t.client, spec.id, 'tj-d1-u1-b1');
    await b.executeUpdate(recordStudySessionUpdate, { args: [{ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 4, attendance: 30, by }] });
    await b.executeUpdate(proposeTopicUpdate, { args: [{ topicId: 't1', leader: '张书记', title: '社区治理', by }] });
    const { submitReportUpdate, concludeReviewUpdate } = await import('../../workflows/messages.js');
    await b.executeUpdate(submitReportUpdate, { args: [{ reportId: 'r1', topicId: 't1', title: '社区治理调研报告', policyMeasures: 2, by }] });
    await b.executeUpdate(concludeReviewUpdate, { args: [{ by }] });
    await expect
      .poll(() => status(spec.id, 'tj'), { timeout: 30_000, message: 'branch complete seen at root' })
      .toSatisfy((s) => s.subtree.complete === 1 && s.subtree.measures === 2);

    await closeCampaign(f.t.client, spec.id, 'organiser', '集中教育结束');
    const summary = await f.t.client.workflow.getHandle(`campaign/${spec.id}`).result();
    expect(summary).toMatchObject({ status: 'closed_incomplete' });
    expect(summary!.subtree).toMatchObject({ orgs: 40, mobilised: 40, complete: 1, reports: 1, measures: 2 });
    expect(await orgHandle(f.t.client, spec.id, 'tj-d1-u1-b1').result()).toMatchObject({ status: 'completed' });
    expect(await orgHandle(f.t.client, spec.id, 'tj-d2-u3-b3').result()).toMatchObject({ status: 'closed_incomplete' });

    const rows = await vi.waitFor(
      async () => {
        const value = await f.db.kysely.selectFrom('rm_org_progress').select(['org_id', 'status']).where('campaign_id', '=', spec.id).execute();
        expect(value, 'final statuses projected').toSatisfy(
          (r: typeof value) => r.length === 40 && r.every((x) => x.status === 'completed' || x.status === 'closed_incomplete'),
        );
        return value;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(rows.filter((r) => r.status === 'completed').map((r) => r.org_id)).toEqual(['tj-d1-u1-b1']);
    const campaign = await f.db.kysely.selectFrom('rm_campaigns').selectAll().where('id', '=', spec.id).executeTakeFirstOrThrow();
    expect(campaign.status).toBe('closed');

    const live = await settledReadModels(f.db.kysely);
    await rebuildProjections(f.db.kysely);
    expect(await readModels(f.db.kysely)).toEqual(live);
  });
});

describe('after the scheduled end', () => {
  test('orgs with open work stay in continuing rectification and keep taking messages', async () => {
    const spec = testSpec({ startsOn: '2019-09-01', endsOn: '2019-11-30', rules: { autoMobiliseLevels: ['city'] } });
    await startCampaign(f.t.client, f.t.taskQueue, spec);
    const root = orgHandle(f.t.client, spec.id, 'tj');
    const s = await vi.waitFor(
      async () => {
        const value = await root.query(orgStatusQuery);
        expect(value, 'continuing').toSatisfy((x: typeof value) => x.status === 'continuing');
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(s.phase).toBe('continuing');
    const { recordProblemUpdate } = await import('../../workflows/messages.js');
    await root.executeUpdate(recordProblemUpdate, {
      args: [{ problemId: 'p1', source: 'escalation', category: '政策', description: '第二批单位反映的问题', by }],
    });
    expect((await root.query(orgStatusQuery)).own.problems).toBe(1);
  });

  test('a meeting sent in the same task that starts the org is recorded after the org started, and its date reaches the read model', async () => {
    const spec = testSpec();
    await startCampaign(f.t.client, f.t.taskQueue, spec);
    await expect.poll(() => exists(spec.id, 'tj'), { timeout: 20_000, message: 'root workflow' }).toBeTruthy();
    // The district's workflow and its mobilisation arrive together (Update-with-Start), before
    // the root has cascaded: the update is in the run's first task, as when an API call lands
    // while the cascade's start is still queued.
    const { WithStartWorkflowOperation } = await import('@temporalio/client');
    const { orgWorkflowId } = await import('../../domain/campaign.js');
    const d1 = generateTree('small').find((o) => o.id === 'tj-d1')!;
    const startOp = new WithStartWorkflowOperation('orgNodeWorkflow', {
      workflowId: orgWorkflowId(spec.id, 'tj-d1'),
      taskQueue: f.t.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [
        {
          campaign: {
            id: spec.id,
            batch: spec.batch,
            phaseMode: spec.phaseMode,
            rules: spec.rules,
            startsOn: spec.startsOn,
            endsOn: spec.endsOn,
            rootOrgId: spec.rootOrgId,
          },
          org: { id: d1.id, level: d1.level, name: d1.name, parentId: d1.parentId, path: '/tj/tj-d1/' },
          parentWorkflowId: orgWorkflowId(spec.id, 'tj'),
        },
      ],
    });
    await f.t.client.workflow.executeUpdateWithStart(mobiliseUpdate, { args: [{ date: '2019-09-06', attendance: 40, by }], startWorkflowOperation: startOp });
    const types = await vi.waitFor(
      async () => {
        const value = (
          await f.db.kysely
            .selectFrom('events')
            .select(['type', 'stream_seq'])
            .where('stream_id', '=', orgWorkflowId(spec.id, 'tj-d1'))
            .orderBy('stream_seq')
            .execute()
        ).map((e) => e.type);
        expect(value, "the district's events").toSatisfy((t: typeof value) => t.includes('OrgMobilised'));
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(types.indexOf('OrgStarted')).toBe(0);
    expect(types.indexOf('OrgMobilised')).toBeGreaterThan(0);
    const row = await vi.waitFor(
      async () => {
        const value = await f.db.kysely
          .selectFrom('rm_org_progress')
          .select(['mobilised_on'])
          .where('campaign_id', '=', spec.id)
          .where('org_id', '=', 'tj-d1')
          .executeTakeFirst();
        expect(value, "the district's mobilisation date in its progress row").toSatisfy((r: typeof value) => r?.mobilised_on != null);
        return value;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(row!.mobilised_on).toBe('2019-09-06');
  });
});
