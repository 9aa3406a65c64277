/**
 * One workflow per organisation per campaign: `campaign/<campaignId>/org/<orgId>`.
 *
 * It waits for the org's mobilisation meeting, then cascades the campaign to its
 * children (started by an activity, in pages, so a unit with 3,000 branches never
 * holds thousands of pending children), runs the four components, and reports its
 * subtree's figures to its parent as snapshots, debounced, so its parent's history
 * grows with time, not with the activity below it. Decisions live in `OrgNode`; the
 * commands people send it, each with the decision it runs, in `workflows/org-node-messages.ts`;
 * its signals and queries in `workflows/messages.ts`.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClaimEscalationCommand, CloseCampaignCommand } from '../domain/commands.js';
import type { DirectiveSpec } from '../domain/directive.js';
import type { DomainEvent, OrgSummary } from '../domain/events.js';
import { chinaDate, OrgNode, type CampaignRef, type CarriedOrgNodeState, type OrgNodeState, type OrgRef } from '../domain/org-node.js';
import {
  childProgressSignal,
  closeCampaignSignal,
  directiveReceivedSignal,
  escalationNoticeSignal,
  escalationReceivedSignal,
  jointPartAssignedSignal,
  orgStatusQuery,
  publicMessageAssignedSignal,
  receiveEscalationsUpdate,
  spotCheckFindingSignal,
} from './messages.js';
import {
  orgCommands,
  UNRECORDED_PAGE,
  unrecordedEventsQuery,
  type AnswerOptions,
  type Answered,
  type AnyOrgCommand,
  type Loaded,
} from './org-node-messages.js';
import { CampaignPhase, OpenProblems, OverdueItems } from './search-attributes.js';
import { nextBatch } from '../domain/escalation.js';
import { orgLinks, withLinks } from '../domain/temporal-ui-links.js';
import { decide, DEFAULT_HISTORY_LIMIT, EventRecorder, fanout, historyIsLong, store, validateWith } from './shared.js';

export interface OrgNodeInput {
  campaign: CampaignRef;
  org: OrgRef;
  /** Where progress goes: the parent org's workflow, or the campaign's for the root. */
  parentWorkflowId: string;
  /**
   * Present when continuing as new: packed by `OrgNode.carry()`. Plain `OrgNodeState` is a
   * shim (workflows/shared.ts) for runs started before 2026-11-25T09:41Z (2e9b0ca); it can go
   * once none of those is open.
   */
  state?: CarriedOrgNodeState | OrgNodeState;
  /** History length at which to continue as new (tests lower it). */
  historyLimit?: number;
  /** Directives live above when this org was started (上题下答). */
  directives?: DirectiveSpec[];
  /** Events the previous run decided but had not yet recorded when it continued as new; recorded first. */
  unrecorded?: DomainEvent[];
}

const NOTHING_LOADED: Loaded = { escalationText: null };
const CASCADE_PAGE = 500;
/** Messages to other orgs per delivery activity: by count, and by size (an activity's input is one payload). */
const OUTGOING_BATCH = 500;
const OUTGOING_BYTES = 512 * 1024;
/** The pause before messages to a target that kept refusing are sent again. */
const BUSY_RETRY_MS = 2_000;
/**
 * Events not yet recorded plus messages not yet sent (each escalation received decides one
 * of each: its event and the acknowledgement to its origin) at which escalations are turned
 * back to their senders, who send them again ~2 s later. Deliveries coalesce per target
 * (activities/update-coalescer.ts), so a district can be offered escalations faster than it
 * records and acknowledges them; without this, the storm test's district carried 1.17 MB
 * through continue-as-new (the limit is 2 MiB) and a run reached 5.2 MB of history.
 */
const INTAKE_BACKLOG = 1_000;
/** Unrecorded events a continue-as-new may carry rather than wait for (messages keep deciding new ones). */
const CARRY_EVENTS = 200;
/**
 * At most this many events, and characters of their JSON (UTF-8: at most three bytes each), go
 * back in an answer for the caller to record (they are kept in the history with the answer);
 * past it the answer says `unrecordedThrough` and the caller reads them with
 * `unrecordedEventsQuery` (no history), so a command at an org whose recorder is behind (a
 * root taking a relay's reports each second) is not kept waiting for it (BENCHMARKS.md, *What
 * bounds each target*, B7). A study session decides 1–2 events of ~0.5 KB.
 */
const ANSWER_EVENTS = 50;
const ANSWER_CHARS = 32 * 1024;

const isObject = (x: unknown): x is object => typeof x === 'object' && x !== null;

/**
 * A Temporal patch asked only when the behaviour it guards is about to matter, so its
 * marker lands in the runs it concerns and not in every org's history. A run recorded
 * before the change replays with it off; live, it is on from the first time it is asked.
 * Both below are shims (workflows/shared.ts) from 2026-12-06T10:50Z (9baeab1): once no run
 * started before then is open, and the histories are recorded again, each can be
 * `() => (deprecatePatch(id), true)`, and its option in `OrgNode` can go; the call itself goes a
 * release later (runs holding the marker need it: see the shim note in workflows/shared.ts).
 */
function lazyPatch(patchId: string): () => boolean {
  let on = false;
  return () => (on ||= patched(patchId));
}

export async function orgNodeWorkflow(input: OrgNodeInput): Promise<OrgSummary> {
  const node = new OrgNode(input.campaign, input.org, input.state, {
    topOfCampaign: lazyPatch('escalation-lapse-at-top'),
    coverageRectified: lazyPatch('directive-coverage-rectified'),
  });
  // Asked only when a caller offers to record (the API does); runs recorded before it, whose
  // updates never carried the offer, never ask. Not a shim: it stays while callers may record.
  const answersAtDecision = lazyPatch('answer-at-decision');
  // Asked only when the unrecorded events are too many for the answer: before it, such an
  // answer waited for the recorder (behind every other org's activities, in a relay storm).
  const answersBacklogByQuery = lazyPatch('answer-backlog-by-query');
  const carriedEvents = input.unrecorded ?? [];
  node.outbox.push(...carriedEvents);
  const recorder = new EventRecorder(node.outbox, carriedEvents.length > 0 ? carriedEvents[0]!.seq - 1 : node.state.seq);
  /** Set while preparing to continue as new: deliveries of escalations are turned back to their senders, who retry. */
  let continuing = false;
  const endOfCampaignMs = Date.parse(`${input.campaign.endsOn}T23:59:59.999+08:00`);

  /**
   * Applies a command and answers: once its events are recorded, or, for a caller that records
   * them itself (`AnswerOptions` in workflows/org-node-messages.ts), at once, with the events to
   * record in the answer, or, past what an answer carries, with the seq to read them up to.
   */
  const command = async <T>(decision: () => T, how: AnswerOptions | undefined): Promise<Answered<T>> => {
    const result = decide(decision);
    if (how?.callerRecords === true && isObject(result) && answersAtDecision()) {
      // One more than an answer carries is enough to know it is too many: a storm's backlog is not copied per command.
      const unrecorded = recorder.unrecordedThrough(node.state.seq, ANSWER_EVENTS + 1);
      if (unrecorded.length === 0) return result;
      if (unrecorded.length <= ANSWER_EVENTS && JSON.stringify(unrecorded).length <= ANSWER_CHARS) return { ...result, unrecorded };
      if (answersBacklogByQuery()) return { ...result, unrecordedThrough: node.state.seq };
    }
    await recorder.recorded(node.state.seq);
    return result as Answered<T>;
  };

  /** A new org's first decisions: it starts, takes the directives it was started with, and mobilises by rule. */
  const begin = () => {
    node.start(Date.now());
    for (const spec of input.directives ?? []) node.directiveReceived(spec, Date.now());
    if (input.campaign.rules.autoMobiliseLevels.includes(input.org.level)) {
      // The meeting's date is today, kept inside the campaign window (a campaign past its end still cascades).
      const { startsOn, endsOn } = input.campaign;
      const today = chinaDate(Date.now());
      const date = today < startsOn ? startsOn : today > endsOn ? endsOn : today;
      decide(() => node.mobilise({ date, attendance: 1, by: 'rules:auto-mobilise' }, Date.now(), true));
    }
  };
  // A command or signal sent while the run's first task was still queued is delivered in that
  // task and runs as soon as its handler is set; the org must have started before it, or its
  // OrgMobilised (say) is recorded ahead of OrgStarted and the read model's start row, written
  // after, loses the date. Runs recorded before this began in the old order and replay so.
  // A shim (workflows/shared.ts) from 2026-12-06T14:13Z (1d3e0fa): once no run started
  // before then is open and the histories are recorded again, begin() always comes first here
  // (with `deprecatePatch` for a release, as the shim note there says).
  const beganFirst = !input.state && patched('org-starts-before-handlers');
  if (beganFirst) begin();

  // The org's commands, from their table, in its order (`workflows/org-node-messages.ts`).
  for (const entry of Object.values(orgCommands) as AnyOrgCommand[]) {
    const handler = entry.readsEscalationText
      ? async (cmd: unknown, how?: AnswerOptions) => {
          // A new item is made from the escalation's text, which state does not keep: read it back from the event store.
          const claim = cmd as ClaimEscalationCommand;
          const escalationText = decide(() => node.claimNeedsMessage(claim))
            ? await recorder.flush().then(() => store.loadEscalation({ streamId: node.streamId, escalationId: claim.escalationId }))
            : null;
          return command(() => entry.decide(node, cmd, Date.now(), { escalationText }), how);
        }
      : (cmd: unknown, how?: AnswerOptions) => command(() => entry.decide(node, cmd, Date.now(), NOTHING_LOADED), how);
    setHandler(entry.update, handler, { validator: validateWith(entry.schema) });
  }
  setHandler(directiveReceivedSignal, (spec) => node.directiveReceived(spec, Date.now()));
  setHandler(jointPartAssignedSignal, (part) => node.jointPartAssigned(part, Date.now()));
  setHandler(publicMessageAssignedSignal, (message) => node.publicMessageAssigned(message, Date.now()));
  setHandler(spotCheckFindingSignal, (finding) => node.spotCheckFinding(finding, Date.now()));
  setHandler(escalationReceivedSignal, (message) => node.escalationReceived(message, Date.now()));
  setHandler(
    receiveEscalationsUpdate,
    (messages) => {
      for (const message of messages) node.escalationReceived(message, Date.now());
      return { received: messages.length };
    },
    {
      validator: (_messages: unknown) => {
        if (continuing) throw ApplicationFailure.retryable('continuing as new: deliver again in a moment', 'Busy');
        const behind = node.outbox.length + node.state.outgoing.length;
        if (behind >= INTAKE_BACKLOG) throw ApplicationFailure.retryable(`${behind} events and messages not yet out: deliver again in a moment`, 'Busy');
      },
    },
  );
  setHandler(escalationNoticeSignal, (notice) => node.escalationNotice(notice, Date.now()));
  setHandler(childProgressSignal, ({ childId, snapshot }) => node.childReported(childId, snapshot, Date.now()));
  let closeRequest: CloseCampaignCommand | null = null;
  setHandler(closeCampaignSignal, (cmd) => {
    closeRequest ??= cmd;
  });
  setHandler(unrecordedEventsQuery, ({ after, through }) => recorder.unrecordedBetween(after, through, UNRECORDED_PAGE));
  setHandler(orgStatusQuery, () => ({
    ...node.summary(),
    phase: node.phase,
    components: { ...node.state.components },
    childrenTotal: node.childrenTotal,
    childrenReporting: Object.keys(node.state.children).length,
  }));

  if (!input.state && !beganFirst) begin();

  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const reportToParent = async (final: boolean) => {
    const snapshot = node.makeReport(Date.now());
    // The report and the recording of the events behind it go out in the same workflow task
    // (the parent keeps its own read model, so neither waits for the other).
    const told = parent.signal(childProgressSignal, { childId: input.org.id, snapshot, final }).catch((err: unknown) => {
      // The parent has finished (a closed campaign): nobody is left to tell.
      log.warn('parent did not take the progress report', { parent: input.parentWorkflowId, error: String(err) });
    });
    await Promise.all([recorder.flush(), told]);
  };

  let shownDetails = '';
  // Up to the parent's workflow, down to the list of the children's, in the Temporal UI. In the
  // current details (a query answers them; not in the history) because continue-as-new drops the
  // static details the fan-out sets at the start.
  const links = orgLinks({
    namespace: workflowInfo().namespace,
    campaignId: input.campaign.id,
    orgId: input.org.id,
    parentWorkflowId: input.parentWorkflowId,
    childCount: input.org.childCount,
  });
  // Before it, every pass of the loop upserted all three attributes, changed or not: 2.3
  // upserts per org in a cascade, each an event and a write to the server's visibility store.
  const upsertsOnlyChanges = lazyPatch('search-attributes-when-changed');
  const showOperator = () => {
    const figures = node.ownFigures();
    const shown = workflowInfo().typedSearchAttributes;
    const phase = { key: CampaignPhase, value: node.phase };
    const open = { key: OpenProblems, value: figures.problems - figures.problemsClosed };
    const overdue = { key: OverdueItems, value: node.subtreeFigures().overdue };
    const changed = [phase, open, overdue].filter((a) => shown.get(a.key) !== a.value);
    if (changed.length === 3 || !upsertsOnlyChanges()) upsertSearchAttributes([phase, open, overdue]);
    else if (changed.length > 0) upsertSearchAttributes(changed);
    const details = withLinks(node.details(), links);
    if (details !== shownDetails) setCurrentDetails((shownDetails = details));
  };

  for (;;) {
    if (closeRequest && !node.state.closing) {
      node.close(closeRequest, Date.now());
      await fanout.signalChildOrgs({ campaignId: input.campaign.id, parentOrgId: input.org.id, signal: 'closeCampaign', payload: closeRequest });
    }
    if (Date.now() >= endOfCampaignMs) node.campaignEnded(Date.now());
    node.checkDeadlines(Date.now());
    if (node.finished) break;

    // Checked before every step, so a storm of messages, which keeps the loop busy
    // delivering, still continues as new in time. State carries all pending work.
    if (historyIsLong(input.historyLimit ?? DEFAULT_HISTORY_LIMIT)) {
      continuing = true;
      await recorder.drain(CARRY_EVENTS);
      // A close that arrived while draining is applied first: it lives outside the state.
      if (!closeRequest || node.state.closing) {
        await continueAsNew<typeof orgNodeWorkflow>({ ...input, state: node.carry(), unrecorded: node.outbox.splice(0) });
      }
      continuing = false;
      continue;
    }

    if (node.needsCascade) {
      // A leaf (most orgs: the branches) has nobody to start; the directory said so when it was started.
      if (input.org.childCount === 0) {
        node.cascadePageDone(0, null, Date.now());
        continue;
      }
      const page = await fanout.startChildOrgs({
        campaign: input.campaign,
        parentOrgId: input.org.id,
        parentWorkflowId: node.streamId,
        cursor: node.state.cascade.cursor,
        limit: CASCADE_PAGE,
        historyLimit: input.historyLimit,
        directives: node.liveDirectives,
      });
      node.cascadePageDone(page.started, page.nextCursor, Date.now());
      continue;
    }

    // Directives (上题下答) go on to the children that exist; children started later inherit them.
    if (node.state.pendingRelay.length > 0) {
      const specs = node.directivesToRelay;
      if (node.state.cascade.state !== 'pending') {
        for (const spec of specs) {
          await fanout.signalChildOrgs({ campaignId: input.campaign.id, parentOrgId: input.org.id, signal: 'directiveReceived', payload: spec });
        }
      }
      node.relayed(specs.length);
      continue;
    }

    // Messages to other orgs (下题上答, 同题共答) go out in batches, after the events that
    // caused them are recorded (a forward's text is read from them); one that cannot be
    // delivered is recorded against its item.
    if (node.state.outgoing.length > 0) {
      await recorder.flush();
      const batch = nextBatch(node.state.outgoing, OUTGOING_BATCH, OUTGOING_BYTES);
      // `busy` is absent in answers recorded before 2026-12-01T14:25Z (ff0c056): the default is a shim (workflows/shared.ts).
      const { undelivered, busy = [] } = await fanout.deliverSignals(batch);
      node.state.outgoing.splice(0, batch.length);
      for (const i of undelivered) node.deliveryFailed(batch[i]!, Date.now());
      // A target that kept refusing (busy continuing as new, or its task failing) gets its
      // messages again later, after the rest; when nothing got through, wait a moment first.
      if (busy.length > 0) {
        node.state.outgoing.push(...busy.map((i) => batch[i]!));
        if (busy.length === batch.length) await sleep(BUSY_RETRY_MS);
      }
      continue;
    }

    // Children's reports reach the read model and the parent together, debounced;
    // the org's own changes are published with the events that caused them.
    if (node.reportDueInMs(Date.now()) === 0) await reportToParent(false);
    if (recorder.pending) {
      node.publish(Date.now());
      await recorder.flush();
    }
    showOperator();

    // Sleep until something changes or the next report or the campaign's end is due.
    const seen = node.revision;
    const dueIn = node.reportDueInMs(Date.now());
    const nextAlert = node.nextAlertAtMs();
    const untilEnd = Math.max(1, Math.min(endOfCampaignMs, nextAlert ?? Infinity) - Date.now());
    await condition(
      () =>
        node.revision !== seen ||
        recorder.pending ||
        node.needsCascade ||
        node.state.outgoing.length > 0 ||
        node.state.pendingRelay.length > 0 ||
        (closeRequest !== null && !node.state.closing),
      Math.max(1, Math.min(dueIn ?? untilEnd, untilEnd)),
    );
  }

  await recorder.drain();
  await reportToParent(true);
  const summary = node.finish(Date.now());
  await recorder.flush();
  showOperator();
  return summary;
}
