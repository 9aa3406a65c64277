/**
 * The baseline of a command: the least an update costs on Temporal. One workflow per
 * secretary; its update handler counts the call and answers at once, in the same workflow
 * task that accepted it: no validation, no activity, no event store, no report to a parent,
 * no search attributes. What the engine's commands (B7) pay beyond this is the engine's.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const baselineRecordUpdate = defineUpdate<number, [Record<string, unknown>]>('baselineRecord');

export async function baselineUpdateWorkflow(): Promise<void> {
  let recorded = 0;
  setHandler(baselineRecordUpdate, () => ++recorded);
  await condition(() => false);
}
