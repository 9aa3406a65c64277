import type { Me, OrgNode } from './api.ts';
import { COLOUR, COLOUR_LONG, reasonZh } from './zh.ts';

/** The org's colour as a labelled badge (never colour alone: the word is there too). */
export function ColourBadge({ node }: { node: Pick<OrgNode, 'colour' | 'reasons'> }) {
  const why = node.reasons.map(reasonZh).join('，');
  return (
    <span className={`badge ${node.colour}`} title={COLOUR_LONG[node.colour]} data-colour={node.colour}>
      <span aria-hidden="true" className="dot" />
      {COLOUR[node.colour]}
      {why && <span className="why">（{why}）</span>}
    </span>
  );
}

/** A link to the org's workflow in the Temporal UI, for operators (and admins). */
export function WorkflowLink({ me, node }: { me: Me; node: Pick<OrgNode, 'workflowId' | 'reached' | 'name'> }) {
  if (!me.temporalWorkflowUrl || !node.reached || (me.role !== 'admin' && me.role !== 'operator')) return null;
  return (
    <a className="wf" href={`${me.temporalWorkflowUrl}${encodeURIComponent(node.workflowId)}`} target="_blank" rel="noreferrer" aria-label={`在 Temporal 界面查看 ${node.name} 的工作流`}>
      工作流 ↗
    </a>
  );
}

/** `n / m` with a label, for figure rows. */
export function Figure({ label, value, testId }: { label: string; value: string | number; testId?: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
