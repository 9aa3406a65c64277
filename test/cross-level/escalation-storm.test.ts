/**
 * 下题上答 at scale: 10,000 escalations arriving at one district, on the default history
 * limit, must stay inside Temporal's limits: every run under 10,000 history events and
 * 10,000 signals, few outgoing signals of its own (acknowledgements go out through a
 * delivery activity; only progress reports to its parent are its own), and a
 * continue-as-new input far under the 2 MiB payload limit
 * (the inbox keeps ids, not text). Real escalations from the district's branches ride
 * the same storm: acknowledged, claimed and merged after several continues-as-new (the
 * claim reads the text back from the event store), and every origin is answered.
 *
 * The storm's other 9,910 messages are sent by the delivery activity itself (the code a
 * branch's worker runs), one message per call as 9,910 distinct branches would send them,
 * 64 at a time, from origins that do not run (so their acknowledgements are
 * undeliverable, which is noted, not retried).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { expect, test, vi } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { rebuildProjections } from '../../db/event-store.js';
import type { EscalationMessage, OutgoingSignal } from '../../domain/escalation.js';
import { generateTree } from '../../domain/generate-tree.js';
import { claimEscalationUpdate, escalateProblemUpdate, forwardEscalationUpdate, orgStatusQuery, recordProblemUpdate } from '../../workflows/messages.js';
import { rectify, startMobilisedCampaign } from '../support/campaign.js';
import { useWorkflowFixture } from '../support/fixture.js';
import { readModels, settledReadModels } from '../support/read-models.js';
import { HISTORY_BYTES_LIMIT } from '../../workflows/shared.js';

const f = useWorkflowFixture(() => generateTree('small'));
const by = 'secretary:test';
const TOTAL = 10_000;
const PER_BRANCH = 10;
/** Origins delivering at once. */
const SENDERS = 64;

test('10,000 escalations into one district stay inside every Temporal limit, and the real ones are answered', { timeout: 1_800_000 }, async () => {
  const { org } = await startMobilisedCampaign(f);
  const district = org('tj-d1');
  const branches = generateTree('small')
    .filter((o) => o.level === 'branch' && o.id.startsWith('tj-d1-'))
    .map((o) => o.id);
  expect(branches).toHaveLength(9);

  // The real escalations: each branch records and escalates its problems, one after another.
  const real = Promise.all(
    branches.map(async (b) => {
      const ids: string[] = [];
      for (let i = 0; i < PER_BRANCH; i++) {
        await org(b).executeUpdate(recordProblemUpdate, {
          args: [{ problemId: `p${i}`, source: 'self_inspection', category: '减负', description: `${b} 同一张表反复填报（${i}）`, by }],
        });
        ids.push(
          (await org(b).executeUpdate(escalateProblemUpdate, { args: [{ problemId: `p${i}`, targetOrgId: 'tj-d1', reason: '区里多头要表', by }] }))
            .escalationId,
        );
      }
      return ids;
    }),
  );
  // The storm: the rest, as fast as the client can send them.
  const synthetic = TOTAL - branches.length * PER_BRANCH;
  const message = (i: number): EscalationMessage => ({
    escalationId: `campaign/storm/org/b${i % 3000}#s${i}`,
    origin: { campaignId: 'storm', orgId: `b${i % 3000}`, problemId: `s${i}`, workflowId: `campaign/storm/org/b${i % 3000}` },
    category: '民生',
    description: `第${i}号：老旧小区加装电梯资金缺口，居民多次反映，需区级统筹解决。`.repeat(3),
    reason: '根子在区里',
    hop: 1,
  });
  // Each synthetic origin delivers its own escalation, as 9,910 branches' workers would: one message per update.
  const { deliverSignals } = createActivities({ db: f.db.kysely, client: f.t.client, taskQueue: f.t.taskQueue });
  const env = new MockActivityEnvironment();
  let next = 0;
  let refused = 0;
  const started = Date.now();
  // Progress for whoever reads the log of a slow run: received so far, the current run, refusals.
  const progress = setInterval(() => {
    void district
      .describe()
      .then(async (d) => ({ run: d.runId, received: (await district.query(orgStatusQuery)).own.escalationsReceived }))
      .then(({ run, received }) =>
        console.log(`storm: ${((Date.now() - started) / 1000).toFixed(0)} s, ${next} sent, ${received} received, ${refused} refused, run ${run}`),
      )
      .catch((err: unknown) => console.log(`storm: progress unavailable: ${String(err)}`));
  }, 30_000);
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      for (let i = next++; i < synthetic; i = next++) {
        const outgoing: OutgoingSignal = { workflowId: district.workflowId, signal: 'escalationReceived', payload: message(i), originProblemId: `s${i}` };
        expect(
          await deliverAsTheSenderWould(
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- MockActivityEnvironment.run takes three type arguments; the assertion names the one that matters
            () => env.run(deliverSignals, [outgoing]) as ReturnType<ReturnType<typeof createActivities>['deliverSignals']>,
            () => refused++,
          ),
        ).toEqual({ undelivered: [], busy: [] });
      }
    }),
  ).finally(() => clearInterval(progress));
  const realIds = (await real).flat();
  const arrived = await vi.waitFor(
    async () => {
      const value = await district.query(orgStatusQuery);
      expect(value, 'all received').toSatisfy((s: typeof value) => s.own.escalationsReceived === TOTAL);
      return value;
    },
    { timeout: 600_000, interval: 200 },
  );
  console.log(`storm: ${TOTAL} escalations received by tj-d1 in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  expect(arrived.own.escalationsPending).toBe(TOTAL);

  /** How many real origins' escalations stand at this status, as the origins' read model has it. */
  const realOriginsAt = (status: string) =>
    f.db.kysely
      .selectFrom('rm_escalations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('escalation_id', 'in', realIds)
      .where('origin_status', '=', status)
      .executeTakeFirstOrThrow();

  // Every real origin heard its acknowledgement.
  await expect
    .poll(() => realOriginsAt('acknowledged'), { timeout: 120_000, message: 'real origins acknowledged' })
    .toSatisfy((r) => Number(r.n) === realIds.length);

  // The edges, run by run.
  const runs: Array<{ events: number; bytes: number; signals: number; externalSignals: number; inputBytes: number }> = [];
  for await (const run of f.t.client.workflow.list({ query: `WorkflowId = "${district.workflowId}"` })) {
    const history = await f.t.client.workflow.getHandle(district.workflowId, run.runId).fetchHistory();
    const events = history.events ?? [];
    const count = (type: keyof typeof EVENT_TYPES) => events.filter((e) => Number(e.eventType) === EVENT_TYPES[type]).length;
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
    // The size the server reported at the run's last workflow task (its history read whole above is the other check).
    const bytes = Math.max(0, ...events.map((e) => Number(e.workflowTaskStartedEventAttributes?.historySizeBytes ?? 0)));
    runs.push({
      events: events.length,
      bytes,
      signals: count('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED'),
      externalSignals: count('EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED'),
      inputBytes: input,
    });
  }
  console.log(
    `storm: tj-d1 ran ${runs.length} runs; max events ${Math.max(...runs.map((r) => r.events))}, max history ${Math.max(...runs.map((r) => r.bytes))} bytes, max signals ${Math.max(...runs.map((r) => r.signals))}, max carried input ${Math.max(...runs.map((r) => r.inputBytes))} bytes`,
  );
  expect(runs.length).toBeGreaterThan(3);
  for (const r of runs) {
    expect(r.events).toBeLessThan(6_000);
    // Continued as new at 2 MiB; the step that crosses it (a flush of up to 1,000 events with their text) adds up to ~1 MB.
    // Under 4 MiB, every page of the run fits in one message to a client or the Temporal UI. Measured: 3.09 MB.
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThan(2 * HISTORY_BYTES_LIMIT);
    expect(r.signals).toBeLessThan(6_000);
    expect(r.externalSignals).toBeLessThan(100); // only its progress reports to its parent
    expect(r.inputBytes).toBeLessThan(2 * 1024 * 1024);
  }

  // One root cause: the first real escalation becomes an item (its text read back from the store), the rest merge into it.
  const [first, ...rest] = realIds;
  await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: first!, problemId: 'forms', by: 'organiser:d1' }] });
  for (const id of rest) await district.executeUpdate(claimEscalationUpdate, { args: [{ escalationId: id, intoProblemId: 'forms', by: 'organiser:d1' }] });
  const item = await f.db.kysely
    .selectFrom('rm_problems')
    .selectAll()
    .where('org_id', '=', 'tj-d1')
    .where('problem_id', '=', 'forms')
    .executeTakeFirstOrThrow();
  expect(item.description).toMatch(/^tj-d1-u\d-b\d 同一张表反复填报（0）（tj-d1-u\d-b\d 上报：区里多头要表）$/);
  await rectify(district, 'forms');
  await expect
    .poll(() => realOriginsAt('answered'), { timeout: 120_000, message: 'every real origin answered' })
    .toSatisfy((r) => Number(r.n) === realIds.length);
  for (const b of branches) expect((await org(b).query(orgStatusQuery)).own).toMatchObject({ problems: PER_BRANCH, problemsClosed: PER_BRANCH });

  // A storm message forwarded by hand reaches the city whole: the forward rebuilds it from the event store.
  const forwarded = message(4242);
  await district.executeUpdate(forwardEscalationUpdate, { args: [{ escalationId: forwarded.escalationId, reason: '市级统筹', by: 'organiser:d1' }] });
  const atCity = await vi.waitFor(
    async () => {
      const value = await f.db.kysely.selectFrom('rm_escalations').selectAll().where('escalation_id', '=', forwarded.escalationId).executeTakeFirstOrThrow();
      expect(value, 'forward at the city').toSatisfy((r: typeof value) => r.current_org_id === 'tj' && r.target_status === 'pending');
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );
  expect(atCity).toMatchObject({ hop: 2, description: forwarded.description, category: forwarded.category, origin_org_id: forwarded.origin.orgId });

  const final = await district.query(orgStatusQuery);
  expect(final.own).toMatchObject({ escalationsReceived: TOTAL, escalationsPending: TOTAL - realIds.length - 1 });
  const live = await settledReadModels(f.db.kysely);
  await rebuildProjections(f.db.kysely);
  expect(await readModels(f.db.kysely)).toEqual(live);
});

/**
 * Delivery again after a pause while the target refuses for now (it is continuing as new,
 * or its task is failing on a saturated machine), as the sending org's workflow does.
 */
async function deliverAsTheSenderWould<R extends { busy?: number[] }>(run: () => Promise<R>, onRefused: () => void, attempts = 100): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    if (!result.busy?.length) return result;
    onRefused();
    if (attempt >= attempts) throw new Error(`the target still refused after ${attempts} deliveries`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** temporal.api.enums.v1.EventType values (the proto package is not a direct dependency). */
const EVENT_TYPES = {
  EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: 26,
  EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: 37,
} as const;
