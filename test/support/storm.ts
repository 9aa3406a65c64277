/**
 * An escalation storm through real worker processes, and the checks after it: many branches
 * record a problem and escalate it at once, and every escalation must arrive at its target
 * exactly once and be acknowledged back at its origin. Shared by the fault test that kills a
 * worker mid-storm (test/faults/worker-kill.test.ts) and the scale test with four worker
 * processes (test/scale/worker-processes.test.ts).
 *
 * @example
 * const ids = await raiseEscalations(org, branches.map((b) => ({ branch: b, problemId: 'p0', targetOrgId: 'tj' })));
 * await expectEscalationsDeliveredOnce(db.kysely, ids.map((id, i) => ({ escalationId: id, targetOrgId: 'tj' })));
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../db/schema.js';
import { escalateProblemUpdate, recordProblemUpdate } from '../../workflows/messages.js';
import { countEvents, sleep } from './faults.js';

/** One problem a branch records and escalates. */
export interface StormEscalation {
  branch: string;
  problemId: string;
  targetOrgId: string;
}

/**
 * Sends an update under a fixed id, again every 2 s while it fails (30 tries): an update cut
 * off by a killed worker or a busy server is sent again under its id, which Temporal answers
 * once, so a retry is a caller's retry and never a second command.
 */
export async function updateRetrying<R>(handle: WorkflowHandle, def: { name: string }, arg: unknown, updateId: string): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.executeUpdate<R, [unknown]>(def.name, { args: [arg], updateId });
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(2_000);
    }
  }
}

/**
 * Records and escalates every problem, `senders` at a time (each sender takes the next one
 * as soon as its last is answered), and answers the escalation ids in the order given.
 */
export async function raiseEscalations(org: (orgId: string) => WorkflowHandle, escalations: readonly StormEscalation[], senders = 50): Promise<string[]> {
  const ids: string[] = new Array<string>(escalations.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      for (let k = next++; k < escalations.length; k = next++) {
        const { branch, problemId, targetOrgId } = escalations[k]!;
        const handle = org(branch);
        await updateRetrying(
          handle,
          recordProblemUpdate,
          { problemId, source: 'self_inspection', category: '减负', description: `${branch} 报表多（${problemId}）`, by: 'secretary:test' },
          `record-${problemId}`,
        );
        const answer = await updateRetrying<{ escalationId: string }>(
          handle,
          escalateProblemUpdate,
          { problemId, targetOrgId, reason: `根子在${targetOrgId}`, by: 'secretary:test' },
          `escalate-${problemId}`,
        );
        ids[k] = answer.escalationId;
      }
    }),
  );
  return ids;
}

/**
 * Every escalation was received exactly once, at its target (one `EscalationReceived` event
 * each, none for anything else), and every origin heard back (its read-model row
 * acknowledged). Waits up to `timeoutMs` for both.
 */
export async function expectEscalationsDeliveredOnce(
  db: Kysely<Database>,
  sent: ReadonlyArray<{ escalationId: string; targetOrgId: string }>,
  timeoutMs = 300_000,
): Promise<void> {
  const total = sent.length;
  expect(new Set(sent.map((s) => s.escalationId)).size, 'every escalation has an id of its own').toBe(total);
  const received = () => countEvents(db, 'EscalationReceived');
  const acknowledged = async () =>
    Number(
      (
        await db
          .selectFrom('rm_escalations')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('origin_status', '=', 'acknowledged')
          .executeTakeFirstOrThrow()
      ).n,
    );
  await expect.poll(received, { timeout: timeoutMs, interval: 500, message: 'every escalation received' }).toBeGreaterThanOrEqual(total);
  await expect.poll(acknowledged, { timeout: timeoutMs, interval: 500, message: 'every origin acknowledged' }).toBe(total);
  const rows = await db.selectFrom('events').select(['org_id', 'payload']).where('type', '=', 'EscalationReceived').execute();
  const arrived = rows.map((r) => ({ escalationId: (r.payload as { escalationId: string }).escalationId, targetOrgId: r.org_id }));
  const byId = (a: { escalationId: string }, b: { escalationId: string }) => a.escalationId.localeCompare(b.escalationId);
  // Distinct and complete: the same list, one row each, each at the org it was sent to.
  expect(arrived.sort(byId)).toEqual([...sent].sort(byId));
}
