/**
 * A command at an org whose recorder is behind (its `recordEvents` activity waiting in a queue
 * full of a relay storm's tasks, as at the root of a district campaign during a directive's
 * relay, which records a progress report each second) is answered at decision all the same. Past what an answer carries
 * (50 events or 32K characters), the answer gives `unrecordedThrough` and the API reads the
 * events with `unrecordedEventsQuery` (api/org-command.ts), which adds nothing to the history.
 *
 * On the real Temporal server and PostgreSQL, with the org's recorder held: this file's worker
 * runs the engine's activities, but `recordEvents` waits behind a gate the test opens at the end
 * (as an activity slot would wait behind a storm). Every command is answered with the gate shut;
 * every event is stored by the API, each stream in order; then, the gate open, the workflow
 * records the same events (kept once), the read models equal a rebuild and the history replays.
 */
import { randomBytes } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { sendOrgCommand } from '../../api/org-command.js';
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { generateTree } from '../../domain/generate-tree.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { orgCommands } from '../../workflows/org-node-messages.js';
import { testSpec } from '../support/campaign.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { expectReadModelsEqualRebuild, expectStreamsIntact, storedOutOfOrder } from '../support/faults.js';
import { seedOrgs } from '../support/orgs.js';
import { startTestWorker, workflowBundle, type TestTemporal } from '../support/temporal.js';

const ORGS = generateTree('small');
const COMMANDS = 40;
let db: TestDatabase;
let t: TestTemporal;

beforeAll(async () => {
  db = await freshDatabase();
  await seedOrgs(db.kysely, ORGS);
  t = await startTestWorker(db.kysely);
});
afterAll(async () => {
  await t?.stop();
  await db?.close();
});

test('a command at an org whose recorder is behind is answered at decision, its backlog stored through the query', { timeout: 240_000 }, async () => {
  // The campaign mobilised on the ordinary worker, every org's events recorded.
  const spec = testSpec({ rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'] } });
  await startCampaign(t.client, t.taskQueue, spec);
  const branch = ORGS.find((o) => o.level === 'branch')!;
  const org = orgHandle(t.client, spec.id, branch.id);
  await expect
    .poll(async () => (await orgHandle(t.client, spec.id, spec.rootOrgId).query(orgStatusQuery)).subtree.mobilised, { timeout: 60_000 })
    .toBe(ORGS.length);

  // The same task queue, served now by a worker whose recordEvents waits behind a gate.
  await t.stopWorker();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const held = { calls: 0 };
  const activities = createActivities({ db: db.kysely, client: t.client, taskQueue: t.taskQueue });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: t.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...activities,
      recordEvents: async (...args: Parameters<typeof activities.recordEvents>) => {
        held.calls += 1;
        await gate;
        return activities.recordEvents(...args);
      },
    },
  });
  const running = worker.run();
  try {
    // Problems with long descriptions: the unrecorded events pass 32K characters within a few commands.
    const description = `表格多、会议多、检查多，基层疲于应付。${'同一数据在不同系统反复填报。'.repeat(100)}`;
    const warnings: object[] = [];
    const log = { warn: (details: object) => void warnings.push(details) };
    const problemIds = Array.from({ length: COMMANDS }, (_, i) => `backlog-${i}-${randomBytes(2).toString('hex')}`);
    for (const problemId of problemIds) {
      const answer = await sendOrgCommand(
        { db: db.kysely, temporal: { client: t.client } },
        log,
        { campaignId: spec.id, orgId: branch.id },
        orgCommands.recordProblem.update,
        {
          problemId,
          source: 'self_inspection',
          category: '形式主义',
          description,
          by: 'test',
        },
      );
      expect(answer).toMatchObject({ problemId });
      expect(answer).not.toHaveProperty('unrecordedThrough');
    }
    expect(warnings).toEqual([]);
    // The recorder was asked and is still held: every answer above came without it.
    expect(held.calls).toBeGreaterThan(0);

    // Stored by the API alone, once each, each stream in its order.
    const stored = await db.kysely
      .selectFrom('events')
      .select(sql<string>`payload->>'problemId'`.as('problemId'))
      .where('type', '=', 'ProblemRecorded')
      .where('org_id', '=', branch.id)
      .execute();
    expect(stored.map((r) => r.problemId).sort()).toEqual([...problemIds].sort());
    expect(await storedOutOfOrder(db.kysely)).toBe(0);
    await expectStreamsIntact(db.kysely);

    // The backlog passed what an answer carries: later answers said where it ended instead of carrying it.
    const outcomes = ((await org.fetchHistory()).events ?? [])
      .flatMap((e) => e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads ?? [])
      .map((p) => JSON.parse(Buffer.from(p.data ?? []).toString()) as Record<string, unknown>);
    expect(outcomes).toHaveLength(COMMANDS);
    expect(outcomes.filter((o) => 'unrecordedThrough' in o).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => 'unrecorded' in o).length).toBeGreaterThan(0);

    // The gate open, the workflow records the same events: kept once, read models as rebuilt, and the history replays.
    open();
    await expect.poll(async () => (await org.describe()).raw.pendingActivities?.length ?? 0, { timeout: 60_000 }).toBe(0);
    const { n } = await db.kysely
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('type', '=', 'ProblemRecorded')
      .where('org_id', '=', branch.id)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(COMMANDS);
    await expectStreamsIntact(db.kysely);
    await expectReadModelsEqualRebuild(db.kysely);
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await org.fetchHistory(), branch.id)).resolves.toBeUndefined();
  } finally {
    open();
    worker.shutdown();
    await running;
    await connection.close();
  }
});
