/**
 * Sending a command to an org's workflow from the API: the workflow answers in the task that
 * decided it, handing back the events that decision (and any earlier one still unrecorded)
 * made, and the API stores them before it answers, so the caller can read its answer back at
 * once, as before, without waiting for the workflow's own recording activity and the task
 * after it (`AnswerOptions` in workflows/org-node-messages.ts says why this is safe: the
 * answer exists only once the task that decided it is in the history, and the workflow
 * records the same events too, with the same ids, where the append keeps the first). When the
 * org's recorder is behind (a root taking a relay storm's reports), the events are more than an
 * answer carries: the answer gives the seq they run to, and the API reads them with a query,
 * which adds nothing to the history, instead of the answer waiting for the recorder.
 *
 * If the store fails here (the database away for a moment), the command is still done and its
 * events still reach the read models through the workflow's own recording: the caller gets its
 * answer, the read models follow a little later, and the failure is logged. Refusing would be
 * wrong (a retry without an Idempotency-Key would do it twice).
 */
import type { UpdateDefinition } from '@temporalio/common';
import { orgHandle } from '../client/campaigns.js';
import { appendEvents } from '../db/event-store.js';
import { UNRECORDED_PAGE, unrecordedEventsQuery, type AnswerOptions, type Answered } from '../workflows/org-node-messages.js';
import type { ApiDeps, TemporalDeps } from './deps.js';

/** Where a failed store is told: the request's logger in the API (a benchmark passes its own). */
export interface WarningLog {
  warn(details: object, message: string): void;
}

/** Where a command goes, and as what: `updateId` makes a retry under it get the first answer. */
export interface OrgCommandTarget {
  campaignId: string;
  orgId: string;
  updateId?: string;
}

/**
 * Runs an org command (an update of `orgCommands`) and answers once its events are stored.
 *
 * @example
 * const answer = await sendOrgCommand(deps, request.log, { campaignId, orgId }, orgCommands.recordStudySession.update, cmd);
 */
export async function sendOrgCommand<Result, Cmd>(
  { db, temporal }: Pick<ApiDeps, 'db'> & { temporal: Pick<TemporalDeps, 'client'> },
  log: WarningLog,
  target: OrgCommandTarget,
  update: UpdateDefinition<Answered<Result>, [Cmd, AnswerOptions?], string>,
  cmd: Cmd,
): Promise<Result> {
  const options: AnswerOptions = { callerRecords: true };
  const handle = orgHandle(temporal.client, target.campaignId, target.orgId);
  const answered = await handle.executeUpdate(update, { args: [cmd, options], ...(target.updateId ? { updateId: target.updateId } : {}) });
  const { unrecorded, unrecordedThrough, ...answer } = answered;
  let stored = 0;
  try {
    if (unrecorded?.length) {
      await appendEvents(db, unrecorded);
      stored += unrecorded.length;
    }
    // More than an answer carries (the org's recorder is behind): read them page by page, oldest first, and store each in turn.
    if (unrecordedThrough !== undefined) {
      for (let after = 0; ;) {
        const page = await handle.query(unrecordedEventsQuery, { after, through: unrecordedThrough });
        if (page.length) await appendEvents(db, page);
        stored += page.length;
        if (page.length < UNRECORDED_PAGE) break;
        after = page[page.length - 1]!.seq;
      }
    }
  } catch (error) {
    log.warn(
      { err: error, workflowId: handle.workflowId, stored, unrecordedThrough },
      'events of an answered command not stored here; the workflow records them',
    );
  }
  return answer as Result;
}
