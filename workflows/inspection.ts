/**
 * 暗访抽查, `campaign/<campaignId>/inspection/<roundId>`: one round of a guidance group
 * (巡回指导组). It draws its sample from the round's seed, checks each sampled org against
 * the six preventions over what the read models hold of it, records interviews and the
 * findings inspectors add, then issues every finding to its org (an item in that org's
 * ledger, source `spot_check`) and ends with the circulated notice (通报). Nothing is sent
 * to a sampled org before the findings are issued.
 */
import { ApplicationFailure, condition, getExternalWorkflowHandle, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { inspectionWorkflowId, orgWorkflowId } from '../domain/workflow-ids.js';
import { EventStream } from '../domain/event-envelope.js';
import {
  checkSixPreventions,
  noticeText,
  ruleFindings,
  sampleOrgs,
  spotCheckItemId,
  type Finding,
  type InspectionRoundSpec,
  type RuleHit,
} from '../domain/inspection.js';
import { inspectionCommands, spotCheckFindingSignal } from './messages.js';
import { CampaignPhase } from './search-attributes.js';
import { EventRecorder, store, validateWith } from './shared.js';

export interface InspectionRoundInput {
  campaignId: string;
  round: InspectionRoundSpec;
}

type Stage = 'sampled' | 'findings_issued' | 'circulated';

export async function inspectionRoundWorkflow(input: InspectionRoundInput): Promise<{ roundId: string; sample: string[]; findings: number }> {
  const { campaignId, round } = input;
  const streamId = inspectionWorkflowId(campaignId, round.roundId);
  const events = new EventStream({ streamId, campaignId, orgId: round.scopeOrgId }, 0, () => Date.now());
  const recorder = new EventRecorder(events.outbox, events.seq);
  const refuse = (message: string, field: string | null, type = 'Conflict') =>
    ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ field, currentStatus: stage }] });

  let stage = 'sampled' as Stage;
  let sample: string[] = [];
  let ready = false;
  let interviews = 0;
  let manual = 0;
  const findings: Finding[] = [];
  /** One command at a time: an issue or a circulation waits for nothing else to be in flight. */
  let busy = false;

  const mustBeOpen = () => {
    if (!ready) throw refuse(`round ${round.roundId} is still drawing its sample`, null);
    if (stage !== 'sampled') throw refuse(`round ${round.roundId} has issued its findings: it takes no more`, null);
  };

  setHandler(
    inspectionCommands.recordInterviews.update,
    async ({ count, notes, by }) => {
      interviews += count;
      events.emit({ type: 'InterviewsRecorded', roundId: round.roundId, count, notes, by });
      await recorder.recorded(events.seq);
      return { interviews };
    },
    {
      validator: (cmd) => {
        validateWith(inspectionCommands.recordInterviews.schema)(cmd);
        if (!ready) throw refuse(`round ${round.roundId} is still drawing its sample`, null);
        if (stage === 'circulated') throw refuse(`round ${round.roundId} has circulated its notice`, null);
      },
    },
  );
  setHandler(
    inspectionCommands.addFinding.update,
    async ({ orgId, prevention, detail, by }) => {
      manual += 1;
      const finding: Finding = { findingId: `m${manual}`, orgId, prevention: prevention, detail, by };
      findings.push(finding);
      events.emit({ type: 'InspectionFindingAdded', roundId: round.roundId, finding });
      await recorder.recorded(events.seq);
      return finding;
    },
    {
      validator: (cmd) => {
        validateWith(inspectionCommands.addFinding.schema)(cmd);
        mustBeOpen();
        if (busy) throw refuse(`round ${round.roundId} is issuing its findings`, null);
        if (!sample.includes(cmd.orgId)) throw refuse(`org ${cmd.orgId} is not in round ${round.roundId}'s sample`, 'orgId', 'Invalid');
      },
    },
  );
  setHandler(
    inspectionCommands.issueFindings.update,
    async ({ by }) => {
      busy = true;
      try {
        const delivered = await Promise.all(
          findings.map((finding) =>
            getExternalWorkflowHandle(orgWorkflowId(campaignId, finding.orgId))
              .signal(spotCheckFindingSignal, { roundId: round.roundId, groupId: round.groupId, finding })
              .then(
                () => true,
                () => false,
              ),
          ),
        );
        const items = findings.map((f, i) => ({
          findingId: f.findingId,
          orgId: f.orgId,
          problemId: spotCheckItemId(round.roundId, f.findingId),
          delivered: delivered[i]!,
        }));
        stage = 'findings_issued';
        events.emit({ type: 'InspectionFindingsIssued', roundId: round.roundId, items, by });
        await recorder.recorded(events.seq);
        return { issued: items.filter((i) => i.delivered).length, undelivered: items.filter((i) => !i.delivered).map((i) => i.findingId) };
      } finally {
        busy = false;
      }
    },
    {
      validator: (cmd) => {
        validateWith(inspectionCommands.issueFindings.schema)(cmd);
        mustBeOpen();
        if (busy) throw refuse(`round ${round.roundId} is issuing its findings`, null);
      },
    },
  );
  setHandler(
    inspectionCommands.circulateNotice.update,
    async ({ title, by }) => {
      const text = noticeText(title, findings, sample, interviews);
      const orgIds = sample.filter((o) => findings.some((f) => f.orgId === o));
      stage = 'circulated';
      events.emit({ type: 'InspectionNoticeCirculated', roundId: round.roundId, title, text, orgIds, findings: findings.length, by });
      await recorder.recorded(events.seq);
      return { title, text };
    },
    {
      validator: (cmd) => {
        validateWith(inspectionCommands.circulateNotice.schema)(cmd);
        if (stage === 'sampled') throw refuse(`round ${round.roundId} must issue its findings before its notice`, null);
        if (stage === 'circulated') throw refuse(`round ${round.roundId} has circulated its notice`, null);
      },
    },
  );

  events.emit({ type: 'InspectionRoundStarted', round });
  const candidates = await store.loadInspectionCandidates({ campaignId, scopeOrgId: round.scopeOrgId });
  sample = sampleOrgs(candidates, round.sampleSize, round.seed, round.stratifyByLevel);
  events.emit({ type: 'InspectionSampleDrawn', roundId: round.roundId, candidates: candidates.length, sample });
  const { rules, states } = await store.loadInspectedOrgStates({ campaignId, orgIds: sample });
  const hits: Record<string, RuleHit[]> = Object.fromEntries(states.map((s) => [s.orgId, checkSixPreventions(s, rules)]));
  for (const finding of ruleFindings(hits)) {
    findings.push(finding);
    events.emit({ type: 'InspectionFindingAdded', roundId: round.roundId, finding });
  }
  ready = true;

  for (;;) {
    await recorder.flush();
    setCurrentDetails(`暗访抽查 ${round.roundId} · ${sample.length} orgs · ${findings.length} findings · ${stage}`);
    upsertSearchAttributes([{ key: CampaignPhase, value: stage === 'circulated' ? 'completed' : 'inspection' }]);
    if (stage === 'circulated') break;
    await condition(() => recorder.pending);
  }
  await recorder.drain();
  return { roundId: round.roundId, sample, findings: findings.length };
}
