/**
 * 例会, `campaign/<campaignId>/report/<kind>/…`: compiles one report for the office's weekly
 * meeting or its fortnightly one with the guidance-group leaders. A Schedule per campaign and
 * kind starts it (the workflow id is the Schedule's id plus the nominal time); the API starts
 * it by hand with the period's end as input. All it does is fix the period's end and call the
 * one activity that reads the figures and stores the report, once per period.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { ReportKind } from '../domain/report.js';
import type { CompiledReport } from './activity-contract.js';
import { store } from './shared.js';

export interface ReportInput {
  campaignId: string;
  kind: ReportKind;
  /** The period's end (ISO); absent in a Schedule's runs, which end their period at the Schedule's nominal time. */
  periodTo?: string;
}

/** Set by the server on every workflow a Schedule starts: the time the action was due. */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function reportWorkflow(input: ReportInput): Promise<CompiledReport> {
  const info = workflowInfo();
  // The nominal time, not the moment a worker picked the run up: a late run reports the same period.
  // Both come from the history, so a replay decides the same end.
  const periodTo = input.periodTo ?? (info.typedSearchAttributes.get(TemporalScheduledStartTime) ?? info.startTime).toISOString();
  const what = `例会 · ${input.kind} report of campaign ${input.campaignId}`;
  setCurrentDetails(`${what} · period ending ${periodTo} · compiling from the read models and events`);
  const report = await store.compileReport({ campaignId: input.campaignId, kind: input.kind, periodTo, workflowId: info.workflowId });
  setCurrentDetails(
    `${what} · ${report.periodFrom} → ${report.periodTo} · ${report.created ? 'stored' : 'already stored'} as ${report.reportId} (GET /campaigns/${input.campaignId}/reports/${report.reportId}/page)`,
  );
  return report;
}
