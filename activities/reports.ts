/**
 * 例会: compiling and storing the office's reports, and the Schedules that ask for them.
 * Every figure is read from the read models and the event store: the grassroots are never
 * asked for a number the system already holds (为基层减负). The queries live with their models
 * (db/models/: reports, org-progress, problems, escalations, inspections, campaigns) and the
 * counts of events in a period in db/stored-events.ts; the figures' rules in domain/report.ts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { readCampaign } from '../db/models/campaigns.js';
import { awaitingClaim } from '../db/models/escalations.js';
import { groupOfEachRound, groupsOfCampaign } from '../db/models/inspections.js';
import { reachedOrgs } from '../db/models/org-progress.js';
import { itemsWithLevels, overdueItemsOf } from '../db/models/problems.js';
import { lockReportKind, previousPeriodEnd, reportEndingAt, storeReport } from '../db/models/reports.js';
import { eventCountsIn, findingsIssuedIn, roundsStartedIn } from '../db/event-store.js';
import { laggingReasons, levelProgress, REPORT_CADENCE, REPORT_LIST_LIMIT, ReportKind, type ReportFigures } from '../domain/report.js';
import { reportScheduleId } from '../domain/workflow-ids.js';
import { CampaignId, CampaignPhase } from '../workflows/search-attributes.js';
import type { CompiledReport, CompileReportInput } from '../workflows/activity-contract.js';
import type { ActivityDeps } from './deps.js';

/** `weekly-20261207T010000000Z`: the kind and the period's end, safe in a URL. */
export function reportIdOf(kind: ReportKind, periodTo: string): string {
  return `${kind}-${new Date(periodTo).toISOString().replace(/[-:.]/g, '')}`;
}

/**
 * Compiles one report and stores it, once per campaign, kind and period end: a retried
 * activity (or a second workflow for the same moment) finds the stored one and answers it.
 * The period starts where the previous report of the kind ended (at the campaign's start for
 * the first), so what happened between two meetings is counted in exactly one report. Reports
 * of one kind compile one at a time per campaign (an advisory lock), so two never read the
 * same previous end concurrently.
 *
 * Figures "in the period" count events by `recorded_at`, the database's clock, over
 * (from, to]: an event decided before `to` but recorded after it falls into the next
 * report, never into none. Progress, lagging orgs and overdue items are the read models as
 * they stand when the report is compiled (within seconds of `to` on a Schedule).
 */
export function compileReport({ db }: Pick<ActivityDeps, 'db'>) {
  return async function compileReport(input: CompileReportInput): Promise<CompiledReport> {
    const kind = ReportKind.parse(input.kind);
    const to = new Date(input.periodTo);
    if (Number.isNaN(to.getTime())) throw ApplicationFailure.nonRetryable(`periodTo ${input.periodTo} is not a time`, 'Invalid');
    const reportId = reportIdOf(kind, input.periodTo);
    return db.transaction().execute(async (trx) => {
      await lockReportKind(trx, input.campaignId, kind);
      const held = await reportEndingAt(trx, input.campaignId, kind, to);
      if (held)
        return {
          reportId: held.report_id,
          created: false,
          periodFrom: new Date(held.period_from).toISOString(),
          periodTo: new Date(held.period_to).toISOString(),
        };
      const campaign = await readCampaign(trx, input.campaignId);
      if (!campaign) throw ApplicationFailure.nonRetryable(`campaign ${input.campaignId} is not recorded`, 'CampaignNotFound');
      const from = (await previousPeriodEnd(trx, input.campaignId, kind, to)) ?? new Date(campaign.started_at);
      const { mobiliseWithinDays } = campaign.rules as { mobiliseWithinDays?: number };
      const figures = await reportFigures(
        trx,
        { id: campaign.id, name: campaign.name, rootOrgId: campaign.root_org_id, status: campaign.status },
        kind,
        from,
        to,
        mobiliseWithinDays,
      );
      await storeReport(trx, { campaignId: input.campaignId, kind, from, to, reportId, workflowId: input.workflowId, figures });
      return { reportId, created: true, periodFrom: from.toISOString(), periodTo: to.toISOString() };
    });
  };
}

type Db = ActivityDeps['db'];

/** The events a report counts in its period. */
const COUNTED = [
  'ProblemRecorded',
  'RectificationVerified',
  'ProblemEscalated',
  'EscalationReceived',
  'EscalationClaimed',
  'EscalationForwarded',
  'EscalationOverdue',
  'InspectionRoundStarted',
  'InspectionNoticeCirculated',
] as const;

/** What a report says, all of it read from the read models and the events. Exported for the tests' brute-force comparison. */
export async function reportFigures(
  db: Db,
  campaign: ReportFigures['campaign'],
  kind: ReportKind,
  from: Date,
  to: Date,
  mobiliseWithinDays?: number,
): Promise<ReportFigures> {
  const c = campaign.id;
  const [orgs, items, overdueItems, counts, findingsIssued, awaiting] = await Promise.all([
    reachedOrgs(db, c),
    itemsWithLevels(db, c),
    overdueItemsOf(db, c, REPORT_LIST_LIMIT),
    eventCountsIn(db, c, COUNTED, from, to),
    kind === 'fortnightly' ? findingsIssuedIn(db, c, from, to) : Promise.resolve([]),
    awaitingClaim(db, c),
  ]);
  // The lagging rule as the overview and /lagging apply it, judged at the period's end (a report is of its period, whenever compiled).
  const judgedAt = { now: to.getTime(), mobiliseWithinDays };
  const count = (type: string) => Number(counts.find((r) => r.type === type)?.n ?? 0);
  const { levels, total } = levelProgress(
    orgs.map((o) => ({ level: o.level, mobilised: o.mobilised_on !== null })),
    items.map((i) => ({ level: i.level, status: i.status, overdue: i.alert === 'red' })),
  );
  const lagging = orgs
    .map((o) => ({
      orgId: o.org_id,
      name: o.name,
      level: o.level,
      reasons: laggingReasons({ mobilised: o.mobilised_on !== null, own: o.own, reachedAt: o.reached_at }, judgedAt),
    }))
    .filter((o) => o.reasons.length > 0);
  const figures: ReportFigures = {
    campaign,
    period: { from: from.toISOString(), to: to.toISOString() },
    levels,
    total,
    activity: { problemsRecorded: count('ProblemRecorded'), itemsClosed: count('RectificationVerified') },
    lagging: { count: lagging.length, orgs: lagging.slice(0, REPORT_LIST_LIMIT) },
    overdue: {
      // Counted over the same rows as the levels' progress; the list names at most REPORT_LIST_LIMIT.
      count: total.overdue,
      items: overdueItems.map((i) => ({
        orgId: i.org_id,
        problemId: i.problem_id,
        category: i.category,
        owner: i.owner,
        deadline: i.deadline ? new Date(i.deadline).toISOString() : null,
      })),
    },
    escalations: {
      raised: count('ProblemEscalated'),
      received: count('EscalationReceived'),
      claimed: count('EscalationClaimed'),
      forwarded: count('EscalationForwarded'),
      // Not claimed in time: forwarded automatically below the top, or turned red at it (both count in the orgs' `lapses`).
      lapsed: Number(counts.find((r) => r.type === 'EscalationForwarded')?.lapsed ?? 0) + count('EscalationOverdue'),
      awaitingClaim: awaiting,
    },
  };
  if (kind === 'fortnightly') {
    const [groups, started, rounds] = await Promise.all([groupsOfCampaign(db, c), roundsStartedIn(db, c, from, to), groupOfEachRound(db, c)]);
    const groupOfRound = new Map(rounds.map((r) => [r.round_id, r.group_id]));
    figures.inspections = {
      roundsStarted: count('InspectionRoundStarted'),
      findingsIssued: findingsIssued.reduce((a, r) => a + Number(r.n), 0),
      noticesCirculated: count('InspectionNoticeCirculated'),
      groups: groups.map((g) => ({
        groupId: g.group_id,
        name: g.name,
        rounds: Number(started.find((s) => s.group_id === g.group_id)?.n ?? 0),
        findings: findingsIssued.filter((r) => groupOfRound.get(r.round_id) === g.group_id).reduce((a, r) => a + Number(r.n), 0),
      })),
    };
  }
  return figures;
}

/**
 * Creates the campaign's two report Schedules, or leaves them be when they exist: the
 * campaign workflow calls it once at its start, and a retry finds them there. Each starts
 * `reportWorkflow` on the campaign's task queue; the Schedule appends the nominal time to
 * the workflow id. Overlaps are skipped (a report still compiling is not raced by the next),
 * and a report missed while the server was down is caught up within a day.
 */
export function scheduleReports({ client, taskQueue }: Pick<ActivityDeps, 'client' | 'taskQueue'>) {
  return async function scheduleReports(input: { campaignId: string; campaignName: string }): Promise<{ created: string[] }> {
    const created: string[] = [];
    for (const kind of ReportKind.options) {
      const scheduleId = reportScheduleId(input.campaignId, kind);
      try {
        await client.schedule.create({
          scheduleId,
          spec: { intervals: [REPORT_CADENCE[kind]] },
          action: {
            type: 'startWorkflow',
            workflowType: 'reportWorkflow',
            workflowId: scheduleId,
            taskQueue,
            args: [{ campaignId: input.campaignId, kind }],
            typedSearchAttributes: [
              { key: CampaignId, value: input.campaignId },
              { key: CampaignPhase, value: 'report' },
            ],
            staticSummary: `例会 · ${kind} report · ${input.campaignName}`,
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
          state: { note: `${kind} report of campaign ${input.campaignId}: Mondays 09:00 UTC+8${kind === 'fortnightly' ? ', every other week' : ''}` },
        });
        created.push(scheduleId);
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      }
    }
    return { created };
  };
}

/** Deletes the campaign's report Schedules once it has finished; reports already stored stay. */
export function unscheduleReports({ client }: Pick<ActivityDeps, 'client'>) {
  return async function unscheduleReports(input: { campaignId: string }): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const kind of ReportKind.options) {
      const scheduleId = reportScheduleId(input.campaignId, kind);
      try {
        await client.schedule.getHandle(scheduleId).delete();
        deleted.push(scheduleId);
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    }
    return { deleted };
  };
}
