/**
 * 民意直通车, `campaign/<campaignId>/public/<messageId>`: one citizen's message. It is routed
 * at once by the campaign's routing rules, or waits for the campaign office (the root org)
 * to triage it by hand; one still unrouted at the end of its day (UTC+8) is flagged. Once
 * routed it is an item in that org's ledger, and it is resolved only when the org reports
 * the item verified (不整改不销号). The sender's tracking code never reaches this workflow.
 */
import { ApplicationFailure, condition, getExternalWorkflowHandle, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { orgWorkflowId, publicMessageWorkflowId } from '../domain/workflow-ids.js';
import { EventStream } from '../domain/event-envelope.js';
import type { ItemStatus } from '../domain/ledger.js';
import { publicItemId, routeMessage, stateOfItem, triageDeadlineMs, type MessageState, type PublicMessageSpec } from '../domain/public-message.js';
import { publicMessageAssignedSignal, publicMessageCommands, publicMessageStateQuery, publicMessageStatusSignal } from './messages.js';
import { CampaignPhase } from './search-attributes.js';
import { EventRecorder, store, validateWith } from './shared.js';

export interface PublicMessageInput {
  campaignId: string;
  spec: PublicMessageSpec;
}

export async function publicMessageWorkflow(input: PublicMessageInput): Promise<{ messageId: string; orgId: string | null; state: MessageState }> {
  const { campaignId, spec } = input;
  const streamId = publicMessageWorkflowId(campaignId, spec.messageId);
  const problemId = publicItemId(spec.messageId);
  const events = new EventStream({ streamId, campaignId, orgId: null }, 0, () => Date.now());
  const recorder = new EventRecorder(events.outbox, events.seq);

  let state: MessageState = 'received';
  // Set by the triage handler; declared so, TypeScript does not narrow it to `null` in the loop below.
  let orgId = null as string | null;
  let itemStatus: ItemStatus | null = null;
  let flagged = false;
  /** Set while a delivery is in flight, so two triages cannot route one message twice. */
  let routing = false;
  /** The org a delivery is in flight to, and the status it reported before the delivery resolved here. */
  let delivering: string | null = null;
  let earlyStatus: ItemStatus | null = null;
  let routedSameDay = false;
  const deadlineMs = triageDeadlineMs(Date.now(), spec.triageSeconds);
  /** Read through a function: handlers change it while the main loop waits. */
  const resolved = () => state === 'resolved';

  /** Hands the message to an org's workflow; false when the campaign has not reached that org (or it has finished). */
  const deliver = async (toOrgId: string, by: string): Promise<boolean> => {
    routing = true;
    delivering = toOrgId;
    try {
      const delivered = await getExternalWorkflowHandle(orgWorkflowId(campaignId, toOrgId))
        .signal(publicMessageAssignedSignal, {
          messageId: spec.messageId,
          messageWorkflowId: streamId,
          category: spec.category,
          area: spec.area,
          text: spec.text,
        })
        .then(
          () => true,
          () => false,
        );
      if (delivered) {
        orgId = toOrgId;
        state = 'routed';
        routedSameDay = Date.now() <= deadlineMs;
        events.emit({ type: 'PublicMessageRouted', messageId: spec.messageId, toOrgId, problemId, by, sameDay: routedSameDay });
        if (earlyStatus) itemMoved(earlyStatus);
      }
      return delivered;
    } finally {
      routing = false;
      delivering = null;
      earlyStatus = null;
    }
  };

  const itemMoved = (status: ItemStatus) => {
    if (state === 'resolved' || status === itemStatus) return;
    itemStatus = status;
    state = stateOfItem(status);
    events.emit({ type: 'PublicMessageProgress', messageId: spec.messageId, itemStatus: status, state });
  };

  setHandler(publicMessageStateQuery, () => ({ state, orgId, flagged }));
  setHandler(publicMessageStatusSignal, ({ orgId: from, status }) => {
    // The org may answer in the same task that tells this workflow its delivery went through.
    if (orgId === null && from === delivering) earlyStatus = status;
    else if (from === orgId) itemMoved(status);
  });
  setHandler(
    publicMessageCommands.triagePublicMessage.update,
    async ({ toOrgId, by }) => {
      if (orgId === toOrgId) return { messageId: spec.messageId, toOrgId, sameDay: routedSameDay };
      if (!(await deliver(toOrgId, by))) {
        throw ApplicationFailure.create({
          type: 'Conflict',
          message: `org ${toOrgId} is not reached by the campaign (its parent has not mobilised, or the campaign has closed)`,
          nonRetryable: true,
          details: [{ field: 'toOrgId' }],
        });
      }
      const routedAt = events.seq;
      await recorder.recorded(routedAt);
      return { messageId: spec.messageId, toOrgId, sameDay: routedSameDay };
    },
    {
      validator: (cmd) => {
        validateWith(publicMessageCommands.triagePublicMessage.schema)(cmd);
        if (orgId === cmd.toOrgId) return;
        if (orgId !== null || routing || state === 'received') {
          throw ApplicationFailure.create({
            type: 'Conflict',
            message: orgId ? `message ${spec.messageId} is already routed to ${orgId}` : `message ${spec.messageId} is being routed`,
            nonRetryable: true,
            details: [{ field: 'toOrgId', currentStatus: state }],
          });
        }
      },
    },
  );

  events.emit({
    type: 'PublicMessageReceived',
    messageId: spec.messageId,
    category: spec.category,
    area: spec.area,
    text: spec.text,
    contact: spec.contact,
    officeOrgId: spec.officeOrgId,
    deadline: new Date(deadlineMs).toISOString(),
  });
  const ruled = routeMessage(await store.loadPublicMessageRoutes({ campaignId }), spec);
  if (!(ruled !== null && (await deliver(ruled, 'rule')))) {
    state = 'awaiting_triage';
    const reason = ruled === null ? 'no routing rule matches its category and area' : `the rule's org ${ruled} is not reached by the campaign`;
    events.emit({ type: 'PublicMessageAwaitingTriage', messageId: spec.messageId, officeOrgId: spec.officeOrgId, reason });
  }

  for (;;) {
    await recorder.flush();
    setCurrentDetails(`民意直通车 · ${spec.category} · ${spec.area} · ${state}${flagged ? ' · flagged' : ''}${orgId ? ` → ${orgId}` : ''}`);
    upsertSearchAttributes([{ key: CampaignPhase, value: resolved() ? 'completed' : orgId ? 'public_routed' : 'public_triage' }]);
    if (resolved()) break;
    if (orgId === null && !flagged && Date.now() >= deadlineMs) {
      flagged = true;
      events.emit({ type: 'PublicMessageFlagged', messageId: spec.messageId, deadline: new Date(deadlineMs).toISOString() });
      continue;
    }
    const waitsForDeadline = orgId === null && !flagged;
    if (waitsForDeadline) await condition(() => recorder.pending || orgId !== null, Math.max(1, deadlineMs - Date.now()));
    else await condition(() => recorder.pending);
  }
  await recorder.drain();
  return { messageId: spec.messageId, orgId, state };
}
