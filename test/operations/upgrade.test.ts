/**
 * The upgrade drill (README, "Shipping a workflow change mid-campaign"): a workflow change is
 * shipped under open workflows with `patched()` and a rolling replacement of the workers on the
 * same task queue. A campaign runs on build v1 (today's workflows) with work in flight
 * (escalations raised and not claimed, a directive done in one place of three, a ledger item
 * open); build v2 (`fixtures/`: the org workflow with a new step, a memo, behind
 * `patched('drill-memo-build')`) starts on the same task queue and v1 is shut down gracefully;
 * the work is finished and the campaign closed. Every workflow completes, none fails a workflow
 * task (but for the server's UnhandledCommand bounce, `isBounce`), the read models equal a rebuild
 * from the event store, and the new step ran in the org runs after the switch and nowhere before
 * it. The negative control: the same change without `patched()` cannot replay a history recorded
 * by v1. The ways back, by replay: v1, or a v3 that keeps `patched()` and drops the step, cannot
 * replay a run that took it; a v3 that turns it off behind a patch of its own can.
 */
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { ApiInstance } from '../../api/deps.js';
import { directiveItemId } from '../../domain/directive.js';
import { campaignWorkflowId, orgWorkflowId } from '../../domain/workflow-ids.js';
import { generateTree } from '../../domain/generate-tree.js';
import { planRectificationUpdate, recordProblemUpdate } from '../../workflows/messages.js';
import { ADMIN, bearer, buildTestApp } from '../support/api.js';
import { rectify, startMobilisedCampaign } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { expectReadModelsEqualRebuild } from '../support/faults.js';
import { startTestWorker, workflowBundle, type TestTemporal } from '../support/temporal.js';
import { bundleWithSharedFrom } from './fixtures/bundle.js';
import { DRILL_PATCH, V2_MEMO } from './fixtures/new-step.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** The rows a read of the read models answers (`expect.poll(…).toSatisfy` passes them untyped). */
type Rows<F extends () => Promise<unknown>> = Awaited<ReturnType<F>>;

const f = useWorkflowFixture(() => generateTree('small'));
const by = 'secretary:test';
const DIRECTIVE = 'drill-directive';

let app: ApiInstance;
let v2Bundle: { code: string };
let unpatchedBundle: { code: string };
let v2: TestTemporal | undefined;
/** A history build v1 recorded (tj-d1's, taken just before the switch), for the negative control. */
let v1History: temporal.api.history.v1.IHistory | undefined;
/** tj-d1's whole history once closed: v1's tasks, then v2's with the step, for the ways back. */
let v2History: temporal.api.history.v1.IHistory | undefined;

beforeAll(async () => {
  app = await buildTestApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue } });
  [v2Bundle, unpatchedBundle] = await Promise.all([bundleWithSharedFrom('shared-v2.ts'), bundleWithSharedFrom('shared-v2-unpatched.ts')]);
});
afterAll(async () => {
  await v2?.stop();
  await app?.close();
});

/** A POST through the API as admin; throws unless it answers `status`. */
async function post(url: string, payload: object, status = 200): Promise<Record<string, unknown>> {
  const res = await app.inject({ method: 'POST', url, headers: bearer(ADMIN), payload });
  if (res.statusCode !== status) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** The patch ids of a history's `patched()` markers (sdk-core's `core_patch` marker, its `patch-data` `{ id, deprecated }`), with when each was recorded. */
function patchMarkers(events: HistoryEvent[]): Array<{ patchId: string; atMs: number; index: number }> {
  return events.flatMap((e, index) => {
    const payload = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
    return payload ? [{ patchId: defaultPayloadConverter.fromPayload<{ id: string }>(payload).id, atMs: eventTimeMs(e), index }] : [];
  });
}
/**
 * A completion the server refused because a signal arrived while the task ran (a child's last report to a parent that is
 * closing): cause UnhandledCommand, and the worker runs the task again with the signal in it. The server decides it from
 * the events that arrived, not from the code; a nondeterminism, a failing handler or a bad command shows as another cause.
 */
const isBounce = (e: HistoryEvent) =>
  String(e.workflowTaskFailedEventAttributes?.cause) === 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND' ||
  e.workflowTaskFailedEventAttributes?.cause === temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
const eventTimeMs = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

test(
  'a campaign in flight moves from build v1 to v2 (a new step behind patched()) and finishes: nothing fails, lost or doubled',
  { timeout: 300_000 },
  async () => {
    const { spec, org } = await startMobilisedCampaign(f);
    const c = `/campaigns/${spec.id}/orgs`;

    // In flight on v1: two escalations raised and not claimed, …
    const escalations: Array<{ from: string; to: string; problemId: string; escalationId: string }> = [];
    for (const [from, to] of [
      ['tj-d1-u1-b1', 'tj-d1'],
      ['tj-d2-u2-b2', 'tj-d2'],
    ] as const) {
      const problemId = `up-${from}`;
      await org(from).executeUpdate(recordProblemUpdate, { args: [{ problemId, source: 'self_inspection', category: '政策', description: '根子在上级', by }] });
      const { escalationId } = await post(`${c}/${from}/problems/${problemId}/escalation`, { targetOrgId: to, reason: '需要上级解决' });
      escalations.push({ from, to, problemId, escalationId: String(escalationId) });
    }
    // … a directive to the three districts, done at one of them, …
    await post(`${c}/tj/directives`, {
      directiveId: DIRECTIVE,
      title: '清理规范督查检查考核',
      instructions: '停用重复报表',
      deadline: '2099-12-31',
      targetLevels: ['district'],
    });
    const directiveItems = () =>
      f.db.kysely.selectFrom('rm_problems').select(['org_id', 'status']).where('campaign_id', '=', spec.id).where('directive_id', '=', DIRECTIVE).execute();
    await expect.poll(directiveItems, { timeout: 30_000, message: 'directive items at the three districts' }).toSatisfy((rows) => rows.length === 3);
    await rectify(org('tj-d1'), directiveItemId(DIRECTIVE), { planned: true });
    // … and a ledger item planned and not started.
    const ledgerOrg = org('tj-d3-u1-b1');
    await ledgerOrg.executeUpdate(recordProblemUpdate, {
      args: [{ problemId: 'up-ledger', source: 'public_message', category: '服务', description: '窗口排队', by }],
    });
    await ledgerOrg.executeUpdate(planRectificationUpdate, {
      args: [{ problemId: 'up-ledger', owner: '科长', measures: '增设窗口', deadline: '2099-12-31', by }],
    });
    const escalationRows = () =>
      f.db.kysely
        .selectFrom('rm_escalations')
        .select(['escalation_id', 'origin_status', 'current_org_id'])
        .where(
          'escalation_id',
          'in',
          escalations.map((e) => e.escalationId),
        )
        .execute();
    await expect
      .poll(escalationRows, { timeout: 30_000, message: 'escalations acknowledged, not claimed' })
      .toSatisfy((rows: Rows<typeof escalationRows>) => rows.length === 2 && rows.every((r) => r.origin_status === 'acknowledged'));
    await expect
      .poll(directiveItems, { timeout: 30_000, message: 'directive done at tj-d1 only' })
      .toSatisfy((rows: Rows<typeof directiveItems>) => rows.filter((r) => r.status === 'closed').length === 1);
    v1History = await org('tj-d1').fetchHistory();
    expect(
      patchMarkers(v1History.events ?? []).map((m) => m.patchId),
      'no run has the step before the switch',
    ).not.toContain(DRILL_PATCH);

    // The switch: v2 joins the task queue, then v1 leaves gracefully (its tasks in hand finish).
    const switchedAtMs = Date.now();
    v2 = await startTestWorker(f.db.kysely, { taskQueue: f.t.taskQueue, workflowBundle: v2Bundle });
    await f.t.stopWorker();

    // The work in flight is finished on v2: the escalations claimed, rectified above and answered below, …
    for (const e of escalations) {
      await post(`${c}/${e.to}/escalations/${encodeURIComponent(e.escalationId)}/claim`, { problemId: `claimed-${e.to}` });
      await rectify(org(e.to), `claimed-${e.to}`);
    }
    // … the directive done at the other two districts, and the ledger item moved on to verified.
    for (const d of ['tj-d2', 'tj-d3']) await rectify(org(d), directiveItemId(DIRECTIVE), { planned: true });
    await rectify(ledgerOrg, 'up-ledger', { planned: true });
    const origins = () =>
      f.db.kysely
        .selectFrom('rm_problems')
        .select(['org_id', 'problem_id', 'status'])
        .where('campaign_id', '=', spec.id)
        .where(
          'problem_id',
          'in',
          escalations.map((e) => e.problemId),
        )
        .execute();
    await expect
      .poll(origins, { timeout: 60_000, message: 'origins closed by the answers' })
      .toSatisfy((rows: Rows<typeof origins>) => rows.length === 2 && rows.every((r) => r.status === 'closed'));
    await expect
      .poll(directiveItems, { timeout: 60_000, message: 'directive done everywhere' })
      .toSatisfy((rows: Rows<typeof directiveItems>) => rows.every((r) => r.status === 'closed'));

    await post(`/campaigns/${spec.id}/close`, { reason: '演练结束' }, 202);
    const campaignHandle = f.t.client.workflow.getHandle(campaignWorkflowId(spec.id));
    expect(await campaignHandle.result()).toMatchObject({ status: 'closed_incomplete', subtree: { orgs: 40 } });

    // Every workflow of the campaign completed (visibility catches up a moment after the last close).
    const expected = [campaignHandle.workflowId, ...f.orgs.map((o) => orgWorkflowId(spec.id, o.id))].sort();
    const runs = await vi.waitFor(
      async () => {
        const listed: Array<{ workflowId: string; runId: string; status: string }> = [];
        for await (const wf of f.t.client.workflow.list({ query: `CampaignId = "${spec.id}"` }))
          listed.push({ workflowId: wf.workflowId, runId: wf.runId, status: wf.status.name });
        expect(listed.map((r) => r.workflowId).sort(), 'every workflow of the campaign, one run each').toEqual(expected);
        expect(
          listed.filter((r) => r.status !== 'COMPLETED'),
          'runs not completed',
        ).toEqual([]);
        return listed;
      },
      { timeout: 30_000, interval: 500 },
    );

    // No history holds a failed workflow task (a nondeterminism would; see isBounce for the one the server makes).
    // Every org run took a task on v2 (the close, at least): the new step ran in each, once, after its marker, which
    // was recorded after the switch; not in the campaign's workflow, whose code did not change.
    let bounced = 0;
    for (const run of runs) {
      const events = (await f.t.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
      const failed = events.filter((e) => e.workflowTaskFailedEventAttributes);
      bounced += failed.filter(isBounce).length;
      expect(
        failed.filter((e) => !isBounce(e)),
        `${run.workflowId}: failed workflow tasks`,
      ).toEqual([]);
      const markers = patchMarkers(events).filter((m) => m.patchId === DRILL_PATCH);
      const memoChanges = events.flatMap((e, index) => (e.workflowPropertiesModifiedEventAttributes ? [index] : []));
      const { memo } = await f.t.client.workflow.getHandle(run.workflowId, run.runId).describe();
      if (run.workflowId === campaignHandle.workflowId) {
        expect({ markers, memoChanges, memo: memo ?? {} }, 'the campaign workflow is untouched').toEqual({ markers: [], memoChanges: [], memo: {} });
        continue;
      }
      expect(markers, `${run.workflowId}: one marker of the patch`).toHaveLength(1);
      expect(markers[0]!.atMs, `${run.workflowId}: marked after the switch`).toBeGreaterThanOrEqual(switchedAtMs - 1000);
      expect(memoChanges, `${run.workflowId}: the step ran once, after its marker`).toEqual([expect.any(Number)]);
      expect(memoChanges[0]!).toBeGreaterThan(markers[0]!.index);
      expect(memo, `${run.workflowId}: the step's effect`).toEqual(V2_MEMO);
    }

    // What an operator lists to see where the step has run: sdk-core files each patch a run takes under TemporalChangeVersion.
    const patchedIds: string[] = [];
    for await (const wf of f.t.client.workflow.list({ query: `CampaignId = "${spec.id}" AND TemporalChangeVersion = "${DRILL_PATCH}"` }))
      patchedIds.push(wf.workflowId);
    expect(patchedIds.sort(), 'runs listed under TemporalChangeVersion').toEqual(expected.filter((id) => id !== campaignHandle.workflowId));

    console.log(`upgrade drill: ${runs.length} workflows completed; ${bounced} completion(s) bounced by the server (UnhandledCommand) and retried`);

    // Nothing lost or doubled: the work's rows as finished, and the read models equal a rebuild from the event store.
    expect(await escalationRows()).toEqual(
      expect.arrayContaining(escalations.map((e) => expect.objectContaining({ escalation_id: e.escalationId, origin_status: 'answered' }))),
    );
    expect((await directiveItems()).map((r) => r.org_id).sort()).toEqual(['tj-d1', 'tj-d2', 'tj-d3']);
    const ledgerRows = await f.db.kysely
      .selectFrom('rm_problems')
      .select(['org_id', 'status'])
      .where('campaign_id', '=', spec.id)
      .where('problem_id', '=', 'up-ledger')
      .execute();
    expect(ledgerRows).toEqual([{ org_id: 'tj-d3-u1-b1', status: 'closed' }]);
    v2History = await org('tj-d1').fetchHistory();
    await expectReadModelsEqualRebuild(f.db.kysely);
  },
);

test('negative control: the same change without patched() cannot replay a history build v1 recorded', { timeout: 60_000 }, async () => {
  expect(v1History?.events?.length, 'the drill took a v1 history').toBeGreaterThan(10);
  const history = v1History!;
  await expect(Worker.runReplayHistory({ workflowBundle: unpatchedBundle }, history, 'v1-tj-d1')).rejects.toThrow(DeterminismViolationError);
  // With the guard, v2 replays it as v1 ran it.
  await expect(Worker.runReplayHistory({ workflowBundle: v2Bundle }, history, 'v1-tj-d1')).resolves.toBeUndefined();
});

test(
  'the ways back: v1 cannot replay a run that took the step, nor can a v3 that keeps patched() and drops the step; a v3 that turns it off behind a patch of its own replays v1 and v2 runs',
  { timeout: 60_000 },
  async () => {
    expect(
      patchMarkers(v2History?.events ?? []).map((m) => m.patchId),
      'the drill took a history with the step',
    ).toContain(DRILL_PATCH);
    const [dropped, off] = await Promise.all([bundleWithSharedFrom('shared-v3-step-dropped.ts'), bundleWithSharedFrom('shared-v3-step-off.ts')]);
    const replay = (bundle: { code: string }, history: temporal.api.history.v1.IHistory) =>
      Worker.runReplayHistory({ workflowBundle: bundle }, history, 'tj-d1');
    await expect(replay(await workflowBundle(), v2History!), 'v1 (a rollback)').rejects.toThrow(DeterminismViolationError);
    await expect(replay(dropped, v2History!), 'v3 dropping the step').rejects.toThrow(DeterminismViolationError);
    await expect(replay(off, v2History!), 'v3 turning the step off, a v2 run').resolves.toBeUndefined();
    await expect(replay(off, v1History!), 'v3 turning the step off, a v1 run').resolves.toBeUndefined();
  },
);
