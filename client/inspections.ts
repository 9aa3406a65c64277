/**
 * Starting an inspection round (暗访抽查). The workflow id, summary and search attributes
 * name the campaign, the group and the round: never the sampled orgs, which nobody outside
 * the group may learn before the findings are issued.
 */
import type { Client } from '@temporalio/client';
import type { InspectionRoundSpec } from '../domain/inspection.js';
import { inspectionWorkflowId } from '../domain/workflow-ids.js';
import type { inspectionRoundWorkflow } from '../workflows/inspection.js';
import { startSupportingWorkflow } from './campaigns.js';

/** Starts the round's workflow; `created` false when a round with this id already exists. */
export async function startInspectionRound(
  client: Client,
  taskQueue: string,
  campaignId: string,
  round: InspectionRoundSpec,
): Promise<{ created: boolean; workflowId: string }> {
  return startSupportingWorkflow<typeof inspectionRoundWorkflow>(client, taskQueue, 'inspectionRoundWorkflow', {
    workflowId: inspectionWorkflowId(campaignId, round.roundId),
    campaignId,
    phase: 'inspection',
    summary: `暗访抽查 · ${round.groupId} · ${round.roundId} · ${round.sampleSize} orgs`,
    args: [{ campaignId, round }],
  });
}
