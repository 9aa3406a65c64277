/**
 * The campaign's own workflow, `campaign/<campaignId>`: it records the campaign,
 * starts the root org's workflow, hears the root's aggregated progress (the whole
 * tree's figures, one snapshot at a time) and closes the campaign when an organiser
 * asks, after which every org finishes with an honest status. It owns the campaign's
 * two report Schedules (例会, `workflows/report.ts`): made once the root starts, deleted when
 * the campaign finishes, so a retried start or a crashed API can neither double nor lose them.
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from './activity-contract.js';
import type { CampaignSpec } from '../domain/campaign.js';
import { campaignWorkflowId, orgWorkflowId } from '../domain/workflow-ids.js';
import type { CloseCampaignCommand } from '../domain/commands.js';
import { EventStream } from '../domain/event-envelope.js';
import { campaignLinks, withLinks } from '../domain/temporal-ui-links.js';
import type { OrgSummary } from '../domain/events.js';
import { acceptSnapshot, type ChildSnapshot } from '../domain/figures.js';
import { campaignCommands, campaignSpecQuery, campaignStatusQuery, childProgressSignal, closeCampaignSignal } from './messages.js';
import { CampaignPhase } from './search-attributes.js';
import { DEFAULT_HISTORY_LIMIT, EventRecorder, fanout, historyIsLong, validateWith } from './shared.js';

export interface CampaignInput {
  spec: CampaignSpec;
  /** Carried through continue-as-new. */
  carried?: { seq: number; root: ChildSnapshot | null; close: CloseCampaignCommand | null; rootStarted: boolean };
  /** History length at which org workflows continue as new (tests lower it). */
  historyLimit?: number;
}

const ROOT_FINAL_REPORT_WAIT = '5 minutes';

/**
 * The report Schedules are a convenience of the campaign, not part of it: a Temporal that
 * refuses them (a server without Schedules, a bad spec) costs at most a minute of retries and
 * leaves the campaign running; reports can still be compiled by hand (`POST …/reports`).
 */
const schedules = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '15 seconds' },
});

export async function campaignWorkflow(input: CampaignInput): Promise<OrgSummary | null> {
  const { spec } = input;
  const streamId = campaignWorkflowId(spec.id);
  let root = input.carried?.root ?? null;
  let rootFinished = false;
  let close = input.carried?.close ?? null;
  let rootStarted = input.carried?.rootStarted ?? false;
  const events = new EventStream({ streamId, campaignId: spec.id, orgId: null }, input.carried?.seq ?? 0, () => Date.now());
  const recorder = new EventRecorder(events.outbox, events.seq);
  // Down to the root org's workflow in the Temporal UI (domain/temporal-ui-links.ts); in the current details, which a query answers.
  const links = campaignLinks({ namespace: workflowInfo().namespace, rootOrgWorkflowId: orgWorkflowId(spec.id, spec.rootOrgId) });

  setHandler(campaignSpecQuery, () => spec);
  setHandler(campaignStatusQuery, () => ({ status: close ? 'closing' : 'running', root }));
  setHandler(childProgressSignal, ({ snapshot, final }) => {
    root = acceptSnapshot(root ?? undefined, snapshot);
    rootFinished ||= final;
  });
  setHandler(
    campaignCommands.closeCampaign.update,
    async (cmd) => {
      if (!close) {
        close = cmd;
        events.emit({ type: 'CampaignCloseRequested', by: cmd.by, reason: cmd.reason });
      }
      await recorder.flush();
      return { status: 'closing' };
    },
    { validator: validateWith(campaignCommands.closeCampaign.schema) },
  );

  if (!input.carried) events.emit({ type: 'CampaignStarted', spec });
  upsertSearchAttributes([{ key: CampaignPhase, value: 'running' }]);

  while (!close && !(rootFinished && root?.complete)) {
    await recorder.flush();
    if (!rootStarted) {
      await fanout.startChildOrgs({ campaign: spec, parentOrgId: null, parentWorkflowId: streamId, cursor: null, limit: 1, historyLimit: input.historyLimit });
      rootStarted = true;
      // 例会: the weekly and fortnightly report Schedules, once the campaign is recorded. Behind
      // a patch: campaigns started before reports existed replay without it (and get none).
      // A shim (workflows/shared.ts) from 2026-12-01T16:50Z (92ddeb0), like the one at the end.
      if (patched('report-schedules')) await schedules.scheduleReports({ campaignId: spec.id, campaignName: spec.name }).catch(() => undefined);
    }
    setCurrentDetails(withLinks(describe(spec, root), links));
    if (historyIsLong(input.historyLimit ?? DEFAULT_HISTORY_LIMIT)) {
      await recorder.drain();
      await continueAsNew<typeof campaignWorkflow>({ ...input, carried: { seq: events.seq, root, close, rootStarted } });
    }
    const seen = root?.seq ?? 0;
    await condition(() => close !== null || recorder.pending || (root?.seq ?? 0) !== seen || rootFinished);
  }

  if (close) {
    upsertSearchAttributes([{ key: CampaignPhase, value: 'closing' }]);
    await recorder.flush();
    await getExternalWorkflowHandle(orgWorkflowId(spec.id, spec.rootOrgId))
      .signal(closeCampaignSignal, close)
      .catch(() => undefined);
    await condition(() => rootFinished, ROOT_FINAL_REPORT_WAIT);
  }
  const status = close ? 'closed' : 'completed';
  const summary: OrgSummary | null = root
    ? {
        campaignId: spec.id,
        orgId: spec.rootOrgId,
        status: root.complete ? 'completed' : 'closed_incomplete',
        own: root.figures,
        subtree: root.figures,
        details: describe(spec, root),
      }
    : null;
  events.emit({ type: 'CampaignFinished', status, summary });
  await recorder.drain();
  // A finished campaign has no more meetings; its stored reports stay, and one can still be asked for by hand.
  // A shim (workflows/shared.ts) from 2026-12-01T16:50Z (92ddeb0): once no campaign run started before then is open.
  if (patched('report-schedules-removed')) await schedules.unscheduleReports({ campaignId: spec.id }).catch(() => undefined);
  upsertSearchAttributes([{ key: CampaignPhase, value: status }]);
  setCurrentDetails(withLinks(describe(spec, root), links));
  return summary;
}

function describe(spec: CampaignSpec, root: ChildSnapshot | null): string {
  if (!root) return `${spec.name} · waiting for ${spec.rootOrgId}`;
  const f = root.figures;
  return `${spec.name} · ${f.mobilised}/${f.orgs} mobilised · ${f.complete}/${f.orgs} complete · 调研 ${f.topics} topics ${f.reports} reports ${f.measures} measures · 问题 ${f.problems} found, ${f.problemsClosed} closed`;
}
