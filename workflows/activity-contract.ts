/**
 * What the workflows ask of their activities: each activity's input and answer. The
 * workflows proxy this interface (`workflows/shared.ts`, `workflows/campaign.ts`) and import
 * nothing from `activities/`; `activities/index.ts` builds an object of this type, so the
 * compiler holds every implementation to it. The implementations, with their I/O, are the
 * modules of `activities/`.
 */
import type { CloseCampaignCommand } from '../domain/commands.js';
import type { DirectiveSpec } from '../domain/directive.js';
import type { EscalationMessage, OutgoingSignal } from '../domain/escalation.js';
import type { DomainEvent } from '../domain/events.js';
import type { Candidate, InspectedOrgState, RuleSettings } from '../domain/inspection.js';
import type { CampaignRef } from '../domain/org-node.js';
import type { PublicMessageRoute } from '../domain/public-message.js';
import type { ReportKind } from '../domain/report.js';

export interface StartChildOrgsInput {
  campaign: CampaignRef;
  /** null starts the campaign's root org. */
  parentOrgId: string | null;
  parentWorkflowId: string;
  cursor: string | null;
  limit: number;
  historyLimit?: number | undefined;
  /** Directives live at the parent, handed to each child it starts. */
  directives?: DirectiveSpec[] | undefined;
}

export type SignalChildOrgsInput = { campaignId: string; parentOrgId: string } & (
  { signal: 'closeCampaign'; payload: CloseCampaignCommand } | { signal: 'directiveReceived'; payload: DirectiveSpec }
);

export interface CompileReportInput {
  campaignId: string;
  kind: ReportKind;
  /** The period's end (ISO): the Schedule's nominal time, or when it was asked for by hand. */
  periodTo: string;
  /** The workflow that compiled it, kept with the report so an operator can find its run. */
  workflowId: string;
}

export interface CompiledReport {
  reportId: string;
  created: boolean;
  periodFrom: string;
  periodTo: string;
}

export interface Activities {
  /** activities/record-events.ts */
  recordEvents(events: DomainEvent[]): Promise<{ stored: number }>;
  /** activities/org-fanout.ts */
  startChildOrgs(input: StartChildOrgsInput): Promise<{ started: number; nextCursor: string | null }>;
  signalChildOrgs(input: SignalChildOrgsInput): Promise<{ signalled: number }>;
  /** activities/deliver-signals.ts */
  deliverSignals(signals: OutgoingSignal[]): Promise<{ undelivered: number[]; busy?: number[] }>;
  loadEscalation(input: { streamId: string; escalationId: string }): Promise<EscalationMessage>;
  /** activities/public-messages.ts */
  loadPublicMessageRoutes(input: { campaignId: string }): Promise<PublicMessageRoute[]>;
  /** activities/inspections.ts */
  loadInspectionCandidates(input: { campaignId: string; scopeOrgId: string }): Promise<Candidate[]>;
  loadInspectedOrgStates(input: { campaignId: string; orgIds: string[] }): Promise<{ rules: RuleSettings; states: InspectedOrgState[] }>;
  /** activities/reports.ts */
  compileReport(input: CompileReportInput): Promise<CompiledReport>;
  scheduleReports(input: { campaignId: string; campaignName: string }): Promise<{ created: string[] }>;
  unscheduleReports(input: { campaignId: string }): Promise<{ deleted: string[] }>;
}
