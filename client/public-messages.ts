/**
 * Starting a public message's workflow (民意直通车). The workflow id, summary and search
 * attributes name the campaign, the message id, its category and area: never the
 * sender's tracking code, which only the API sees (and stores as a hash).
 */
import type { Client } from '@temporalio/client';
import type { PublicMessageSpec } from '../domain/public-message.js';
import { publicMessageWorkflowId } from '../domain/workflow-ids.js';
import type { publicMessageWorkflow } from '../workflows/public-message.js';
import { startSupportingWorkflow } from './campaigns.js';

/** Starts the message's workflow; `created` false when its (random) message id is taken already. */
export async function startPublicMessage(
  client: Client,
  taskQueue: string,
  campaignId: string,
  spec: PublicMessageSpec,
): Promise<{ created: boolean; workflowId: string }> {
  return startSupportingWorkflow<typeof publicMessageWorkflow>(client, taskQueue, 'publicMessageWorkflow', {
    workflowId: publicMessageWorkflowId(campaignId, spec.messageId),
    campaignId,
    phase: 'public_triage',
    summary: `民意直通车 · ${spec.category} · ${spec.area}`,
    args: [{ campaignId, spec }],
  });
}
