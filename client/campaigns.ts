/**
 * How the outside world (the API, the demo, benchmarks, tests) starts a campaign and
 * talks to its org workflows. Every domain change goes through a workflow: this code
 * sends commands, it never writes domain state itself.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { sameSpec, type CampaignSpec } from '../domain/campaign.js';
import { campaignWorkflowId, jointWorkflowId, orgWorkflowId } from '../domain/workflow-ids.js';
import { Rejection } from '../domain/rejection.js';
import { CAMPAIGN_PRIORITY } from '../domain/task-priority.js';
import type { CampaignInput, campaignWorkflow } from '../workflows/campaign.js';
import type { jointAnswerWorkflow } from '../workflows/joint-answer.js';
import type { JointSpec } from '../domain/joint.js';
import { campaignSpecQuery, closeCampaignUpdate } from '../workflows/messages.js';
import { CampaignId, CampaignPhase } from '../workflows/search-attributes.js';

export interface StartCampaignOptions {
  /** History length at which org workflows continue as new (tests lower it). */
  historyLimit?: number;
}

/**
 * Starts a campaign once: the same spec again answers `created: false`; a different
 * spec under the same id is a Conflict.
 *
 * @example
 * const { created } = await startCampaign(client, 'campaign', spec);
 */
export async function startCampaign(
  client: Client,
  taskQueue: string,
  spec: CampaignSpec,
  options: StartCampaignOptions = {},
): Promise<{ created: boolean; workflowId: string }> {
  const workflowId = campaignWorkflowId(spec.id);
  const input: CampaignInput = { spec, ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}) };
  try {
    await client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      priority: CAMPAIGN_PRIORITY,
      typedSearchAttributes: [
        { key: CampaignId, value: spec.id },
        { key: CampaignPhase, value: 'running' },
      ],
      staticSummary: `${spec.name} · batch ${spec.batch} · ${spec.startsOn} → ${spec.endsOn}`,
      staticDetails: `Campaign \`${spec.id}\` over the tree under \`${spec.rootOrgId}\`, ${spec.phaseMode} mode.\n\nRules: \`${JSON.stringify(spec.rules)}\``,
    });
    return { created: true, workflowId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const existing = await client.workflow.getHandle(workflowId).query(campaignSpecQuery);
    if (sameSpec(existing, spec)) return { created: false, workflowId };
    throw new Rejection('Conflict', `campaign ${spec.id} already exists with a different specification`, 'id');
  }
}

/** Asks the campaign to close; every org then finishes, "closed_incomplete" where it was. */
export async function closeCampaign(client: Client, campaignId: string, by: string, reason: string): Promise<{ status: string }> {
  return client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(closeCampaignUpdate, { args: [{ by, reason }] });
}

/** The handle of one org's workflow in one campaign. */
export function orgHandle(client: Client, campaignId: string, orgId: string) {
  return client.workflow.getHandle(orgWorkflowId(campaignId, orgId));
}

/** What every supporting workflow of a campaign (a joint answer, a public message, an inspection round) starts with. */
export interface SupportingWorkflowStart<W extends Workflow> {
  workflowId: string;
  campaignId: string;
  /** The `CampaignPhase` search attribute it shows in the Temporal UI. */
  phase: string;
  /** The one line an operator sees in the workflow list. */
  summary: string;
  args: Parameters<W>;
}

/**
 * Starts a supporting workflow of a campaign once: the same id again starts nothing and
 * answers `created: false`, for the caller to treat as a retry or a clash.
 */
export async function startSupportingWorkflow<W extends Workflow>(
  client: Client,
  taskQueue: string,
  workflowType: string,
  start: SupportingWorkflowStart<W>,
): Promise<{ created: boolean; workflowId: string }> {
  const { workflowId } = start;
  try {
    await client.workflow.start(workflowType, {
      workflowId,
      taskQueue,
      args: start.args as unknown[], // typed by the callers, through SupportingWorkflowStart<W>
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CampaignId, value: start.campaignId },
        { key: CampaignPhase, value: start.phase },
      ],
      staticSummary: start.summary,
    });
    return { created: true, workflowId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { created: false, workflowId };
    throw err;
  }
}

/**
 * Opens a joint problem (同题共答) with its participants; the same id twice opens it once.
 *
 * @example
 * await openJointProblem(client, 'campaign', 'tj-2019', { jointId: 'elevators', title: '…', description: '…', openerOrgId: 'tj', participantOrgIds: ['tj-d1', 'tj-d1-u2'] });
 */
export async function openJointProblem(
  client: Client,
  taskQueue: string,
  campaignId: string,
  spec: JointSpec,
): Promise<{ created: boolean; workflowId: string }> {
  return startSupportingWorkflow<typeof jointAnswerWorkflow>(client, taskQueue, 'jointAnswerWorkflow', {
    workflowId: jointWorkflowId(campaignId, spec.jointId),
    campaignId,
    phase: 'joint_open',
    summary: `同题共答 · ${spec.title} · ${spec.participantOrgIds.length} participants`,
    args: [{ campaignId, spec }],
  });
}
