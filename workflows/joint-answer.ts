/**
 * 同题共答, `campaign/<campaignId>/joint/<jointId>`: hands each participant its part (an
 * item in the participant's own ledger), keeps every part's status where everyone can
 * see it, and closes only when every part has been verified.
 */
import { condition, continueAsNew, getExternalWorkflowHandle, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { jointWorkflowId, orgWorkflowId } from '../domain/workflow-ids.js';
import { EventStream } from '../domain/event-envelope.js';
import { allPartsClosed, type JointPartState, type JointSpec } from '../domain/joint.js';
import { jointPartAssignedSignal, jointPartStatusSignal, jointStatusQuery } from './messages.js';
import { CampaignPhase } from './search-attributes.js';
import { DEFAULT_HISTORY_LIMIT, EventRecorder, historyIsLong } from './shared.js';

export interface JointAnswerInput {
  campaignId: string;
  spec: JointSpec;
  /** Carried through continue-as-new. */
  carried?: { seq: number; parts: Record<string, JointPartState> };
  historyLimit?: number;
}

export async function jointAnswerWorkflow(input: JointAnswerInput): Promise<{ jointId: string; parts: Record<string, JointPartState> }> {
  const { spec, campaignId } = input;
  const streamId = jointWorkflowId(campaignId, spec.jointId);
  const parts: Record<string, JointPartState> = input.carried?.parts ?? Object.fromEntries(spec.participantOrgIds.map((o) => [o, 'assigned']));
  const events = new EventStream({ streamId, campaignId, orgId: spec.openerOrgId }, input.carried?.seq ?? 0, () => Date.now());
  const recorder = new EventRecorder(events.outbox, events.seq);
  const change = (orgId: string, status: JointPartState) => {
    if (!(orgId in parts) || parts[orgId] === status || parts[orgId] === 'closed') return;
    parts[orgId] = status;
    events.emit({ type: 'JointPartChanged', jointId: spec.jointId, participantOrgId: orgId, status });
  };

  setHandler(jointStatusQuery, () => ({ spec, parts: { ...parts }, closed: allPartsClosed(parts) }));
  setHandler(jointPartStatusSignal, ({ orgId, status }) => change(orgId, status as JointPartState));

  if (!input.carried) {
    events.emit({ type: 'JointProblemOpened', joint: spec });
    const delivered = await Promise.all(
      spec.participantOrgIds.map((orgId) =>
        getExternalWorkflowHandle(orgWorkflowId(campaignId, orgId))
          .signal(jointPartAssignedSignal, {
            jointId: spec.jointId,
            jointWorkflowId: streamId,
            title: spec.title,
            description: spec.description,
            openerOrgId: spec.openerOrgId,
          })
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    // A participant the campaign has not reached yet is shown, never silently skipped.
    spec.participantOrgIds.forEach((orgId, i) => delivered[i] || change(orgId, 'undeliverable'));
  }

  for (;;) {
    await recorder.flush();
    const done = Object.values(parts).filter((p) => p === 'closed').length;
    setCurrentDetails(`同题共答 ${spec.title} · ${done}/${spec.participantOrgIds.length} parts verified`);
    upsertSearchAttributes([{ key: CampaignPhase, value: allPartsClosed(parts) ? 'completed' : 'joint_open' }]);
    if (allPartsClosed(parts)) break;
    if (historyIsLong(input.historyLimit ?? DEFAULT_HISTORY_LIMIT)) {
      await recorder.drain();
      await continueAsNew<typeof jointAnswerWorkflow>({ ...input, carried: { seq: events.seq, parts } });
    }
    await condition(() => recorder.pending);
  }
  events.emit({ type: 'JointProblemClosed', jointId: spec.jointId });
  await recorder.drain();
  return { jointId: spec.jointId, parts };
}
