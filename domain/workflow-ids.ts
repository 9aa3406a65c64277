/**
 * Every workflow id (and the report Schedule's id), its builder beside its parser. An id is
 * a path read in the Temporal UI, `campaign/<campaignId>/…`, and doubles as the stream id of
 * the workflow's events. Importable from anywhere: the API, the client, activities and
 * workflows build ids here and nowhere else. Each workflow's own file says what its run does.
 */

/** `campaign/<campaignId>`: the campaign's own workflow (`workflows/campaign.ts`). */
export function campaignWorkflowId(campaignId: string): string {
  return `campaign/${campaignId}`;
}

/** `campaign/<campaignId>/org/<orgId>`: one org's workflow in one campaign (`workflows/org-node.ts`). */
export function orgWorkflowId(campaignId: string, orgId: string): string {
  return `${campaignWorkflowId(campaignId)}/org/${orgId}`;
}

/** `campaign/<campaignId>/joint/<jointId>`: 同题共答 (`workflows/joint-answer.ts`). */
export function jointWorkflowId(campaignId: string, jointId: string): string {
  return `${campaignWorkflowId(campaignId)}/joint/${jointId}`;
}

/** `campaign/<campaignId>/public/<messageId>`: 民意直通车, one citizen's message (`workflows/public-message.ts`). */
export function publicMessageWorkflowId(campaignId: string, messageId: string): string {
  return `${campaignWorkflowId(campaignId)}/public/${messageId}`;
}

/** `campaign/<campaignId>/inspection/<roundId>`: 暗访抽查, one round (`workflows/inspection.ts`). */
export function inspectionWorkflowId(campaignId: string, roundId: string): string {
  return `${campaignWorkflowId(campaignId)}/inspection/${roundId}`;
}

/** `campaign/<campaignId>/report/<kind>`: the Schedule that compiles one kind of report (例会) for one campaign. */
export function reportScheduleId(campaignId: string, kind: string): string {
  return `${campaignWorkflowId(campaignId)}/report/${kind}`;
}

/** A report started by hand (the API): the Schedule's own runs get its id plus the scheduled time (`workflows/report.ts`). */
export function reportWorkflowId(campaignId: string, kind: string, periodTo: string): string {
  return `${reportScheduleId(campaignId, kind)}/${periodTo}`;
}

/** What a workflow id names: the inverse of the builders above. */
export type WorkflowRef =
  | { kind: 'campaign'; campaignId: string }
  | { kind: 'org'; campaignId: string; orgId: string }
  | { kind: 'joint'; campaignId: string; jointId: string }
  | { kind: 'public'; campaignId: string; messageId: string }
  | { kind: 'inspection'; campaignId: string; roundId: string }
  /** `name`: all after `report/`: a Schedule's `<kind>`, one of its runs (`<kind>-<time>`, named by Temporal) or a run by hand (`<kind>/<periodTo>`). */
  | { kind: 'report'; campaignId: string; name: string };

/** The parts of a workflow id built above; undefined for any other id. */
export function parseWorkflowId(workflowId: string): WorkflowRef | undefined {
  const [root, campaignId, kind, id, ...rest] = workflowId.split('/');
  if (root !== 'campaign' || !campaignId) return undefined;
  if (kind === undefined) return { kind: 'campaign', campaignId };
  if (!id) return undefined;
  if (kind === 'report') return { kind, campaignId, name: [id, ...rest].join('/') };
  if (rest.length > 0) return undefined;
  switch (kind) {
    case 'org':
      return { kind, campaignId, orgId: id };
    case 'joint':
      return { kind, campaignId, jointId: id };
    case 'public':
      return { kind, campaignId, messageId: id };
    case 'inspection':
      return { kind, campaignId, roundId: id };
    default:
      return undefined;
  }
}

/** The inverse of {@link orgWorkflowId}; undefined for any other id. */
export function parseOrgWorkflowId(workflowId: string): { campaignId: string; orgId: string } | undefined {
  const ref = parseWorkflowId(workflowId);
  return ref?.kind === 'org' ? { campaignId: ref.campaignId, orgId: ref.orgId } : undefined;
}
