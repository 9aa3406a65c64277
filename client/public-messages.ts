/**
 * Starting a public message's workflow (民意直通车). The workflow id, summary and search
 * attributes name the campaign, the message id, its category and area: never the
 * sender's tracking code, which only the API sees (and stores as a hash).
 */
import type { Client } from '@temporalio/client';
import { publicMessageWorkflowId, type PublicMessageSpec } from '../domain/public-message.js';
import type { publicMessageWorkflow } from '../workflows/public-message.js';
import { CampaignId, CampaignPhase } from '../workflows/search-attributes.js';

export async function startPublicMessage(client: Client, taskQueue: string, campaignId: string, spec: PublicMessageSpec): Promise<{ workflowId: string }> {
  const workflowId = publicMessageWorkflowId(campaignId, spec.messageId);
  await client.workflow.start<typeof publicMessageWorkflow>('publicMessageWorkflow', {
    workflowId,
    taskQueue,
    args: [{ campaignId, spec }],
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: CampaignId, value: campaignId },
      { key: CampaignPhase, value: 'public_triage' },
    ],
    staticSummary: `民意直通车 · ${spec.category} · ${spec.area}`,
  });
  return { workflowId };
}
