/**
 * The links an operator follows in the Temporal UI to walk a campaign's tree: each org's
 * workflow details link up to its parent's workflow and to a list of its children's, and the
 * campaign's link down to its root org. Pure string building, used by the workflows when they
 * set their current details (`setCurrentDetails`), so deterministic and free of I/O.
 *
 * What the UI does with them (found with a real browser against the dev server of Temporal CLI
 * 1.5.1, whose UI is v2.42.1):
 * - a workflow's summary and details are markdown, rendered on the workflow's "User Metadata"
 *   tab in an iframe the UI serves itself (`/render?content=…`, same origin, not sandboxed),
 *   with `<base target="_blank">`: every link opens in a new tab;
 * - so **relative links** resolve against the UI's own address and work wherever the UI is
 *   served. The workflows need no base URL (none in the campaign's input, no `TEMPORAL_UI_URL`),
 *   and a link stays right when the UI moves (another port, a proxy);
 * - `/namespaces/<ns>/workflows/<workflowId>` (id URL-encoded, its slashes too, no run id)
 *   opens the workflow's latest run: the UI redirects to `…/<runId>/history`. A link to a parent
 *   therefore survives the parent continuing as new;
 * - `/namespaces/<ns>/workflows?query=<visibility query>` (URL-encoded) opens the workflows list
 *   filtered by that query.
 */
import { LEVELS } from './levels.js';
import { parseWorkflowId } from './workflow-ids.js';

/**
 * URL-encodes a path segment or query value, `!'()*` too (RFC 3986): a `)` left as it is
 * would end a markdown link early.
 */
function uriComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The UI's page of a workflow's latest run (the UI redirects to it). */
export function workflowPagePath(namespace: string, workflowId: string): string {
  return `/namespaces/${uriComponent(namespace)}/workflows/${uriComponent(workflowId)}`;
}

/** The UI's workflows list, filtered by a visibility query. */
export function workflowListPath(namespace: string, query: string): string {
  return `/namespaces/${uriComponent(namespace)}/workflows?query=${uriComponent(query)}`;
}

/** A string value in a visibility query: double-quoted, its quotes and backslashes escaped. */
export function queryValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The visibility query that lists an org's children in a campaign, one row each: the runs an
 * org closed by continuing as new are left out (a months-long campaign has many per org).
 * `ParentOrgId` is set when the fan-out starts a child (`activities/org-fanout.ts`).
 *
 * @example
 * childOrgsQuery('demo-2019', 'tj'); // 'CampaignId="demo-2019" AND ParentOrgId="tj" AND ExecutionStatus!="ContinuedAsNew"'
 */
export function childOrgsQuery(campaignId: string, parentOrgId: string): string {
  return `CampaignId=${queryValue(campaignId)} AND ParentOrgId=${queryValue(parentOrgId)} AND ExecutionStatus!="ContinuedAsNew"`;
}

/** Text shown verbatim in markdown: the characters markdown would read as markup are escaped. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_[\]()<>#!|~]/g, (c) => `\\${c}`);
}

/** `[text](href)`, the text escaped; hrefs built here are URL-encoded and need no escaping. */
function markdownLink(text: string, href: string): string {
  return `[${markdownText(text)}](${href})`;
}

/** `[org tj](/namespaces/…/workflows/…)`: a markdown link to a workflow's page, named by {@link workflowLabel}. */
export function workflowLink(namespace: string, workflowId: string): string {
  return markdownLink(workflowLabel(workflowId), workflowPagePath(namespace, workflowId));
}

/** What a workflow id names, for a link's text: `org tj-d1`, `campaign demo-2019`, else the id. */
export function workflowLabel(workflowId: string): string {
  const ref = parseWorkflowId(workflowId);
  if (ref?.kind === 'org') return `org ${ref.orgId}`;
  if (ref?.kind === 'campaign') return `campaign ${ref.campaignId}`;
  return workflowId;
}

export interface OrgLinksInput {
  namespace: string;
  campaignId: string;
  orgId: string;
  /** The workflow the org reports to: its parent org's, or the campaign's for the root org. */
  parentWorkflowId: string;
  /** Children in the directory when the org was started; a leaf (0) gets no children link; unknown (runs started before the count was passed), a link without a count. */
  childCount: number | undefined;
}

/**
 * The markdown line under an org's details: up to its parent, down to its children.
 *
 * @example
 * orgLinks({ namespace: 'default', campaignId: 'c', orgId: 'tj-d1', parentWorkflowId: 'campaign/c/org/tj', childCount: 2 });
 * // 'Up: [org tj](/namespaces/default/workflows/campaign%2Fc%2Forg%2Ftj) · Down: [2 children of tj-d1](/namespaces/default/workflows?query=…)'
 */
export function orgLinks(input: OrgLinksInput): string {
  const up = `Up: ${workflowLink(input.namespace, input.parentWorkflowId)}`;
  if (input.childCount === 0) return `${up} · Down: none (no children)`;
  const count = input.childCount === undefined ? '' : `${input.childCount} `;
  const children = `${count}${input.childCount === 1 ? 'child' : 'children'} of ${input.orgId}`;
  return `${up} · Down: ${markdownLink(children, workflowListPath(input.namespace, childOrgsQuery(input.campaignId, input.orgId)))}`;
}

/** The markdown line under the campaign's details: down to its root org's workflow. */
export function campaignLinks(input: { namespace: string; rootOrgWorkflowId: string }): string {
  return `Down: ${markdownLink(`root ${workflowLabel(input.rootOrgWorkflowId)}`, workflowPagePath(input.namespace, input.rootOrgWorkflowId))}`;
}

/** Details as the UI shows them: the workflow's own line (shown as it is, not read as markup), then its links, as two paragraphs. */
export function withLinks(details: string, links: string): string {
  return `${markdownText(details)}\n\n${links}`;
}

/** A list an operator opens in the UI: what it shows, and its visibility query. */
export interface OperatorQuery {
  name: string;
  query: string;
}

/**
 * The lists an operator watches a campaign by (README: "Watching a campaign in the Temporal UI").
 * Each keeps to running workflows (`ExecutionStatus="Running"`): a run closed by continuing as
 * new keeps its last search attributes, and would show the org twice.
 * - lagging orgs: not mobilised, or mobilised with the concentrated study (the first of the five
 *   components) not done: `CampaignPhase` is `mobilisation` or `study`;
 * - orgs with overdue items, one list per level (`OverdueItems` counts the org's subtree);
 * - public messages (民意直通车) no org has been routed yet: they wait for the office's triage;
 * - runs that ended failed, timed out or terminated;
 * - runs whose workflow task failed or timed out twice in a row and has not succeeded since
 *   (nondeterminism after a deploy, a bug): the server's own `TemporalReportedProblems`. The dev
 *   server of CLI 1.5.1 does not know that attribute (it answers `invalid query: … not a valid
 *   search attribute`); there, `temporal_workflow_task_execution_failed` (README: "What to
 *   watch") is the signal.
 */
export function operatorQueries(campaignId: string): OperatorQuery[] {
  const campaign = `CampaignId=${queryValue(campaignId)}`;
  const running = 'ExecutionStatus="Running"';
  return [
    { name: 'lagging orgs (not mobilised, or study not done)', query: `${campaign} AND ${running} AND CampaignPhase IN ("mobilisation", "study")` },
    ...LEVELS.map((level) => ({
      name: `${level} level: orgs with overdue items in their subtree`,
      query: `${campaign} AND ${running} AND OrgLevel=${queryValue(level)} AND OverdueItems > 0`,
    })),
    { name: 'public messages waiting for triage', query: `${campaign} AND ${running} AND CampaignPhase="public_triage"` },
    { name: 'runs that failed, timed out or were terminated', query: `${campaign} AND ExecutionStatus IN ("Failed", "TimedOut", "Terminated")` },
    {
      name: 'runs that failed a workflow task (twice in a row, not yet recovered)',
      query: `${campaign} AND TemporalReportedProblems IN ("category=WorkflowTaskFailed", "category=WorkflowTaskTimedOut")`,
    },
  ];
}
