/**
 * A command through the API is answered in the workflow task that decided it, and the API
 * stores its events before answering (api/org-command.ts; `AnswerOptions` in
 * workflows/org-node-messages.ts): the caller reads its answer back at once, as before,
 * without the recording activity's round trip and the task after it. On a real Temporal
 * server and a real PostgreSQL: the history shows the update accepted and completed in one
 * task; the events are stored once, in each stream's order, even with many commands and the
 * children's reports arriving together, and every history replays; a store that fails in the API loses nothing (the
 * workflow records the same events); a caller that does not offer to record is answered
 * after the recording, as before.
 */
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { buildApp, type ApiInstance } from '../../api/app.js';
import { sendOrgCommand } from '../../api/org-command.js';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { orgCommands } from '../../workflows/org-node-messages.js';
import { generateTree } from '../../domain/generate-tree.js';
import { ADMIN, bearer, issueToken } from '../support/api.js';
import { startMobilisedCampaign } from '../support/campaign.js';
import { freshDatabase } from '../support/db.js';
import { countEvents, expectReadModelsEqualRebuild, expectStreamsIntact, storedOutOfOrder } from '../support/faults.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { workflowBundle } from '../support/temporal.js';

const f = useWorkflowFixture(() => generateTree('small'));
const session = { date: '2019-09-10', kind: 'concentrated', hours: 2, attendance: 30 } as const;

async function appAndCampaign(): Promise<{ app: ApiInstance; campaignId: string }> {
  const { spec } = await startMobilisedCampaign(f);
  const app = await buildApp({ db: f.db.kysely, temporal: { client: f.t.client, taskQueue: f.t.taskQueue }, adminToken: ADMIN });
  return { app, campaignId: spec.id };
}

/** The study sessions of this id stored in the event log (any number: the test says how many it wants). */
const storedSessions = (sessionId: string) =>
  f.db.kysely
    .selectFrom('events')
    .select(['stream_id', 'stream_seq'])
    .where('type', '=', 'StudySessionRecorded')
    .where(sql<boolean>`payload->>'sessionId' = ${sessionId}`)
    .execute();

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The events of the task that accepted this update, up to its completion: what the update cost the workflow. */
function updateSpan(events: HistoryEvent[], updateId: string): HistoryEvent[] {
  const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId);
  const completed = events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId);
  expect(accepted, `update ${updateId} accepted`).toBeGreaterThan(-1);
  expect(completed, `update ${updateId} completed`).toBeGreaterThan(accepted);
  return events.slice(accepted, completed + 1);
}

describe('a command through the API', () => {
  test('is answered in the task that decided it, reads back at once, and is stored once in order', { timeout: 180_000 }, async () => {
    const { app, campaignId } = await appAndCampaign();
    const branch = f.orgs.find((o) => o.level === 'branch')!;
    const token = bearer(await issueToken(app, { role: 'secretary', orgId: branch.id }));
    const res = await app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/orgs/${branch.id}/study-sessions`,
      headers: { ...token, 'idempotency-key': 'one-task' },
      payload: { ...session, sessionId: 's-one-task' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ sessionId: 's-one-task', counted: true });
    expect(res.json()).not.toHaveProperty('unrecorded');
    // Read back at once, no waiting: the API stored it before answering.
    expect(await storedSessions('s-one-task')).toHaveLength(1);
    const listed = await app.inject({ method: 'GET', url: `/campaigns/${campaignId}/orgs/${branch.id}/study-sessions`, headers: token });
    expect(JSON.stringify(listed.json())).toContain('s-one-task');

    // In the history: accepted and completed with no workflow task, and no activity, between them.
    const { events } = await f.t.client.workflow.getHandle(orgWorkflowId(campaignId, branch.id)).fetchHistory();
    const span = updateSpan(events ?? [], 'study-sessions:one-task');
    expect(span.filter((e) => e.workflowTaskCompletedEventAttributes || e.activityTaskCompletedEventAttributes)).toEqual([]);
    // The workflow recorded the same events too, after answering (the append kept the API's).
    await expect
      .poll(async () => {
        const { events: later } = await f.t.client.workflow.getHandle(orgWorkflowId(campaignId, branch.id)).fetchHistory();
        const done = later!.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === 'study-sessions:one-task');
        return later!.slice(done).some((e) => e.activityTaskCompletedEventAttributes);
      })
      .toBe(true);
    expect(await storedSessions('s-one-task')).toHaveLength(1);

    // The same key again: the first answer, nothing stored twice.
    const again = await app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/orgs/${branch.id}/study-sessions`,
      headers: { ...token, 'idempotency-key': 'one-task' },
      payload: { ...session, sessionId: 's-one-task' },
    });
    expect(again.json()).toEqual(res.json());
    expect(await storedSessions('s-one-task')).toHaveLength(1);
    await app.close();
  });

  test('many at once, with the children reporting: every event once, each stream in its order, read models as rebuilt', { timeout: 240_000 }, async () => {
    const { app, campaignId } = await appAndCampaign();
    const targets = f.orgs.filter((o) => o.level !== 'branch');
    const tokens = new Map(await Promise.all(targets.map(async (o) => [o.id, bearer(await issueToken(app, { role: 'secretary', orgId: o.id }))] as const)));
    // The children report while the commands arrive (each report decides events at its parent).
    const branches = f.orgs.filter((o) => o.level === 'branch');
    const branchToken = new Map(
      await Promise.all(branches.map(async (o) => [o.id, bearer(await issueToken(app, { role: 'secretary', orgId: o.id }))] as const)),
    );
    const sends = [
      ...targets.flatMap((o) =>
        Array.from({ length: 4 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: `/campaigns/${campaignId}/orgs/${o.id}/problems`,
            headers: tokens.get(o.id)!,
            payload: { problemId: `p-${o.id}-${i}`, description: `群众反映的问题 ${i}`, category: '作风', source: 'self_inspection' },
          }),
        ),
      ),
      ...branches.map((o) =>
        app.inject({
          method: 'POST',
          url: `/campaigns/${campaignId}/orgs/${o.id}/study-sessions`,
          headers: branchToken.get(o.id)!,
          payload: { ...session, sessionId: `s-${o.id}` },
        }),
      ),
    ];
    const answers = await Promise.all(sends);
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    // Each answer reads back at once.
    const problems = await f.db.kysely.selectFrom('rm_problems').select('problem_id').where('campaign_id', '=', campaignId).execute();
    expect(problems.map((p) => p.problem_id).sort()).toEqual(targets.flatMap((o) => [0, 1, 2, 3].map((i) => `p-${o.id}-${i}`)).sort());
    expect(await countEvents(f.db.kysely, 'StudySessionRecorded')).toBeGreaterThanOrEqual(branches.length);

    // Once every workflow has recorded what it decided (the read models settle, then are rebuilt
    // and compared): nothing doubled or missing, nothing stored ahead of its own stream.
    await expectReadModelsEqualRebuild(f.db.kysely);
    await expectStreamsIntact(f.db.kysely);
    expect(await storedOutOfOrder(f.db.kysely)).toBe(0);
    // Every org's history, answers handed over mid-task included, replays with today's code.
    const bundle = await workflowBundle();
    for (const o of f.orgs) {
      const handle = f.t.client.workflow.getHandle(orgWorkflowId(campaignId, o.id));
      await expect(Worker.runReplayHistory({ workflowBundle: bundle }, await handle.fetchHistory(), o.id)).resolves.toBeUndefined();
    }
    await app.close();
  });

  test('a store that fails in the API loses nothing: the caller is answered and the workflow records the events', { timeout: 120_000 }, async () => {
    const { app, campaignId } = await appAndCampaign();
    await app.close();
    const gone = await freshDatabase();
    await gone.close();
    const warnings: string[] = [];
    const logged = await buildApp({ db: gone.kysely, adminToken: ADMIN, logger: { level: 'warn', stream: { write: (line: string) => warnings.push(line) } } });
    const log = logged.log;
    const answer = await sendOrgCommand(
      { db: gone.kysely, temporal: { client: f.t.client } },
      log,
      { campaignId, orgId: 'tj' },
      orgCommands.recordStudySession.update,
      { ...session, sessionId: 's-store-failed', by: 'test' },
    );
    expect(answer).toMatchObject({ sessionId: 's-store-failed', counted: true });
    expect(answer).not.toHaveProperty('unrecorded');
    expect(warnings.join('\n')).toMatch(/the workflow records them/);
    await expect.poll(() => storedSessions('s-store-failed').then((rows) => rows.length), { timeout: 30_000 }).toBe(1);
    await logged.close();
  });

  test('a caller that does not offer to record is answered once the workflow has recorded, as before', { timeout: 120_000 }, async () => {
    const { app, campaignId } = await appAndCampaign();
    await app.close();
    const handle = f.t.client.workflow.getHandle(orgWorkflowId(campaignId, 'tj'));
    const answer = await handle.executeUpdate(orgCommands.recordStudySession.update, { args: [{ ...session, sessionId: 's-waited', by: 'test' }] });
    expect(answer).toMatchObject({ sessionId: 's-waited' });
    expect(answer).not.toHaveProperty('unrecorded');
    expect(await storedSessions('s-waited')).toHaveLength(1);
  });
});
