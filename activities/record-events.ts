/**
 * Recording a workflow's events: appended to the event store and projected into the read
 * models in one transaction (`db/event-store.ts`), idempotent, so retries are safe.
 *
 * With `then`, the activity also sends a signal once the events are stored: an org's progress
 * report to its parent goes out with the recording of the events behind it. Sent by the
 * workflow itself, the report cost the org a workflow task of its own (the server schedules one
 * when the signal is delivered, `ExternalWorkflowExecutionSignaled`) on every report it sends:
 * BENCHMARKS.md, "Cost per command". A retried attempt sends it again; the receiver keeps the
 * newest snapshot (`acceptSnapshot`), so a second copy changes nothing. A receiver that has
 * finished (a closed campaign) has nobody left to tell.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { log } from '@temporalio/activity';
import type { DomainEvent } from '../domain/events.js';
import { appendEvents } from '../db/event-store.js';
import type { SignalAfterRecording } from '../workflows/activity-contract.js';
import type { ActivityDeps } from './deps.js';

export function recordEvents({ db, client }: Pick<ActivityDeps, 'db' | 'client'>) {
  return async function recordEvents(events: DomainEvent[], then?: SignalAfterRecording): Promise<{ stored: number }> {
    const result = await appendEvents(db, events);
    if (then) {
      try {
        await client.workflow.getHandle(then.workflowId).signal(then.signal, then.payload);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        log.warn('the receiver has finished: nobody is left to tell', { workflowId: then.workflowId, signal: then.signal });
      }
    }
    return result;
  };
}
