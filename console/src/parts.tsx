import type { Me, OrgNode } from './api.ts';
import type { ReactNode } from 'react';
import { overviewHref } from './routes.ts';
import { COLOUR, COLOUR_LONG, LEVEL, ORG_STATUS, reasonZh } from './zh.ts';

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
    <a
      className="wf"
      href={`${me.temporalWorkflowUrl}${encodeURIComponent(node.workflowId)}`}
      target="_blank"
      rel="noreferrer"
      aria-label={`在 Temporal 界面查看 ${node.name} 的工作流`}
    >
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

/**
 * An org's heading, as the overview and the org's page both open with it: its name (the
 * page's h1, `org-title`), level and colour, then the campaign and the org's status, and
 * what each page adds after them (`children`).
 */
export function OrgHeading({
  org,
  campaignName,
  children,
}: {
  org: Pick<OrgNode, 'name' | 'level' | 'status' | 'colour' | 'reasons'>;
  campaignName: string;
  children: ReactNode;
}) {
  return (
    <>
      <div className="title-row">
        <h1 id="org-title">{org.name}</h1>
        <span className="level">{LEVEL[org.level]}</span>
        <ColourBadge node={org} />
      </div>
      <p className="sub">
        {campaignName} · 状态：{org.status ? (ORG_STATUS[org.status] ?? org.status) : '尚未覆盖'}
        {children}
      </p>
    </>
  );
}

/** What became of a form: the refusal (an alert) or what was done (a status), each only when there is one. */
export function Outcome({ error, done }: { error?: ReactNode; done?: ReactNode }) {
  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
    </>
  );
}

/**
 * The head of an org's working screen: the way back to the overview, then the org's heading in
 * its card (`OrgHeading`, with what the screen adds after it).
 */
export function OrgHead({ campaignId, orgId, ...heading }: { campaignId: string; orgId: string } & Parameters<typeof OrgHeading>[0]) {
  return (
    <>
      <nav aria-label="组织层级" className="crumbs">
        <a href={overviewHref(campaignId, orgId)}>← 返回总览</a>
      </nav>
      <section className="card head" aria-labelledby="org-title">
        <OrgHeading {...heading} />
      </section>
    </>
  );
}

/** A field's refusal, beside it (`id` for the field's `aria-describedby`); nothing when there is none. */
export function FieldError({ id, text, className = 'field-error' }: { id: string; text: string | undefined; className?: string }) {
  return text ? (
    <span id={id} className={className} role="alert">
      {text}
    </span>
  ) : null;
}
