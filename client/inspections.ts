/**
 * Starting an inspection round (暗访抽查). The workflow id, summary and search attributes
 * name the campaign, the group and the round: never the sampled orgs, which nobody outside
 * the group may learn before the findings are issued.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { inspectionWorkflowId, type InspectionRoundSpec } from '../domain/inspection.js';
import type { inspectionRoundWorkflow } from '../workflows/inspection.js';
import { CampaignId, CampaignPhase } from '../workflows/search-attributes.js';

/** Starts the round's workflow; `created` false when a round with this id already exists. */
export async function startInspectionRound(client: Client, taskQueue: string, campaignId: string, round: InspectionRoundSpec): Promise<{ created: boolean; workflowId: string }> {
  const workflowId = inspectionWorkflowId(campaignId, round.roundId);
  try {
    await client.workflow.start<typeof inspectionRoundWorkflow>('inspectionRoundWorkflow', {
      workflowId,
      taskQueue,
      args: [{ campaignId, round }],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CampaignId, value: campaignId },
        { key: CampaignPhase, value: 'inspection' },
      ],
      staticSummary: `暗访抽查 · ${round.groupId} · ${round.roundId} · ${round.sampleSize} orgs`,
    });
    return { created: true, workflowId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { created: false, workflowId };
    throw err;
  }
}
