/**
 * Screen 5, 下题上答 (escalations) at one org: its inbox (escalations at it now, those waiting
 * for a claim first, with their claim deadline and colour), its outbox (raised here or
 * passed on from here), the chain of the one chosen, and the forms: raise an item of this
 * org's own ledger, claim (as a new item, or merged into one of the ledger's), forward to the
 * parent with a reason. The buttons show where the overview's `can.act` says the API allows
 * them; the API's refusal is shown beside the field it names.
 */
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api, type Overview } from './api.ts';
import { escalationsApi, Refusal, type Chain, type Direction, type EscalationRow, type LedgerItem } from './escalations-api.ts';
import { canRaise, ESCALATION_COLOUR, escalationColour, levelsAbove, ORIGIN_STATUS, refusalZh, stepZh, TARGET_STATUS } from './escalation-rule.ts';
import { usePolled } from './hooks.ts';
import { Pager, useCursorPages } from './list-parts.tsx';
import { OrgHead, Outcome } from './parts.tsx';
import { screenHref } from './routes.ts';
import type { ScreenProps } from './screen-props.ts';
import { cst } from './time.ts';
import { LEVEL, LEVEL_SHORT, PROBLEM_STATUS, ROLE } from './zh.ts';

const PAGE = 10;

/** A refusal as the screen shows it: in words, and the field it names when it names one. */
interface Shown {
  text: string;
  field: string | undefined;
}
function shown(err: unknown): Shown {
  if (err instanceof Refusal) {
    const field = Object.keys(err.fields)[0];
    return { text: refusalZh({ status: err.status, message: err.message, fields: err.fields, currentStatus: err.currentStatus }), field };
  }
  return { text: err instanceof Error ? err.message : String(err), field: undefined };
}

/** Who acted (`role:tokenId`), as a role. */
const byZh = (by: string | undefined) => (by ? (by.startsWith('rules:') ? '系统（期限规则）' : (ROLE[by.split(':')[0]!] ?? by)) : '');

export function Escalations({ me, campaignId, orgId }: ScreenProps) {
  const { data: ov, error } = usePolled(() => api.overview(campaignId, orgId, { limit: 1 }), `${campaignId}/${orgId}/ov`);
  const ledger = usePolled(() => escalationsApi.ledger(campaignId, orgId), `${campaignId}/${orgId}/ledger`);
  const [chainOf, setChainOf] = useState<string>();
  const overview = ov?.org.orgId === orgId ? ov : undefined;
  if (!overview) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;
  const items = ledger.data?.items ?? [];
  // The campaign's top has nowhere to forward to (the API refuses): it claims.
  const atTop = me.campaigns.find((c) => c.id === campaignId)?.rootOrgId === orgId;
  const showChain = (id: string) => {
    setChainOf(id);
    // The chain's card is below the lists: bring it into view, for a phone's narrow screen too.
    requestAnimationFrame(() => document.getElementById('chain-title')?.scrollIntoView({ block: 'start' }));
  };
  return (
    <>
      <OrgHead campaignId={campaignId} orgId={orgId} org={overview.org} campaignName={overview.campaign.name}>
        {' · 下题上答：下级查摆出的、根子在上级的问题，由上级认领整改，或说明理由转报更上一级。'}
      </OrgHead>
      <div className="esc-grid">
        <Box
          key={`${orgId}/received`}
          direction="received"
          atTop={atTop}
          overview={overview}
          campaignId={campaignId}
          orgId={orgId}
          ledger={items}
          onChain={showChain}
          chainOf={chainOf}
        />
        <Box
          key={`${orgId}/outbox`}
          direction="outbox"
          atTop={atTop}
          overview={overview}
          campaignId={campaignId}
          orgId={orgId}
          ledger={items}
          onChain={showChain}
          chainOf={chainOf}
        />
      </div>
      {overview.can.act && <RaiseForm key={orgId} campaignId={campaignId} orgId={orgId} level={overview.org.level} ledger={items} onDone={ledger.refresh} />}
      {chainOf && <ChainCard me={me} campaignId={campaignId} escalationId={chainOf} onClose={() => setChainOf(undefined)} />}
    </>
  );
}

/** The inbox or the outbox, a page at a time. */
function Box({
  direction,
  atTop,
  overview,
  campaignId,
  orgId,
  ledger,
  onChain,
  chainOf,
}: {
  direction: Direction;
  atTop: boolean;
  overview: Overview;
  campaignId: string;
  orgId: string;
  ledger: LedgerItem[];
  onChain: (id: string) => void;
  chainOf: string | undefined;
}) {
  const paging = useCursorPages();
  const { cursor } = paging;
  const { data, error, refresh } = usePolled(
    () => escalationsApi.list(campaignId, orgId, direction, cursor, PAGE),
    `${campaignId}/${orgId}/${direction}/${cursor ?? ''}`,
  );
  const inbox = direction === 'received';
  const titleId = `${direction}-title`;
  const rows = data?.items ?? [];
  return (
    <section className="card" aria-labelledby={titleId} data-testid={inbox ? 'inbox' : 'outbox'}>
      <h2 id={titleId}>{inbox ? '收到的上报（待认领在前）' : '本级上报与转报'}</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!data ? (
        <p>加载中…</p>
      ) : rows.length === 0 ? (
        <p className="hint">{paging.page > 1 ? '没有更多了。' : inbox ? '暂无下级上报到本级的问题。' : '本级尚未上报或转报问题。'}</p>
      ) : (
        <ul className="esc-list">
          {rows.map((e) => (
            <EscalationCard
              key={e.escalation_id}
              e={e}
              inbox={inbox}
              atTop={atTop}
              overview={overview}
              campaignId={campaignId}
              orgId={orgId}
              ledger={ledger}
              onChain={onChain}
              chosen={chainOf === e.escalation_id}
              onDone={refresh}
            />
          ))}
        </ul>
      )}
      <Pager paging={paging} nextCursor={data?.nextCursor} hideAlone />
    </section>
  );
}

type Action = 'claim' | 'merge' | 'forward';

function EscalationCard({
  e,
  inbox,
  atTop,
  overview,
  campaignId,
  orgId,
  ledger,
  onChain,
  chosen,
  onDone,
}: {
  e: EscalationRow;
  inbox: boolean;
  atTop: boolean;
  overview: Overview;
  campaignId: string;
  orgId: string;
  ledger: LedgerItem[];
  onChain: (id: string) => void;
  chosen: boolean;
  onDone: () => void;
}) {
  const [action, setAction] = useState<Action>();
  const colour = inbox ? escalationColour(e, Date.now(), overview.campaign.warningDays) : null;
  const raisedHere = e.origin_org_id === orgId && e.origin_campaign_id === campaignId;
  const waiting = inbox && e.target_status === 'pending';
  const mayAct = waiting && overview.can.act;
  const what = e.category ? `${e.category}：${e.description ?? ''}` : (e.origin_problem_id ?? e.escalation_id);
  return (
    <li className={`esc ${colour ?? ''}`} data-escalation={e.escalation_id} aria-label={what}>
      <div className="esc-top">
        {colour ? (
          <span className={`badge ${colour}`} data-colour={colour}>
            <span aria-hidden="true" className="dot" />
            {ESCALATION_COLOUR[colour]}
          </span>
        ) : (
          <span className="badge none" data-testid="esc-status">
            {inbox
              ? (TARGET_STATUS[e.target_status ?? ''] ?? e.target_status)
              : raisedHere
                ? (ORIGIN_STATUS[e.origin_status ?? ''] ?? e.origin_status)
                : '本级已转报'}
          </span>
        )}
        <strong className="esc-what">{what}</strong>
      </div>
      <dl className="esc-meta">
        {(inbox || !raisedHere) && (
          <div>
            <dt>上报方</dt>
            <dd>{e.origin_org_name ?? e.origin_org_id}</dd>
          </div>
        )}
        {e.reason && (
          <div>
            <dt>上报理由</dt>
            <dd>{e.reason}</dd>
          </div>
        )}
        {!inbox && (
          <div>
            <dt>现在</dt>
            <dd data-testid="esc-now">
              {e.current_org_name ?? e.current_org_id ?? '送达中'}
              {e.target_status ? `（${TARGET_STATUS[e.target_status] ?? e.target_status}${e.claimed_problem_id ? `为 ${e.claimed_problem_id}` : ''}）` : ''}
            </dd>
          </div>
        )}
        {waiting && e.claim_deadline && (
          <div>
            <dt>认领期限</dt>
            <dd>
              <time dateTime={new Date(e.claim_deadline).toISOString()}>{cst(e.claim_deadline)}</time>
            </dd>
          </div>
        )}
        {inbox && e.target_status === 'claimed' && e.claimed_problem_id && (
          <div>
            <dt>认领为</dt>
            <dd>本级问题 {e.claimed_problem_id}</dd>
          </div>
        )}
        {e.lapses > 0 && (
          <div>
            <dt>逾期未认领</dt>
            <dd>{e.lapses} 次</dd>
          </div>
        )}
      </dl>
      <div className="inline esc-actions">
        <button type="button" className="secondary" aria-pressed={chosen} onClick={() => onChain(e.escalation_id)} aria-label={`查看流转：${what}`}>
          查看流转
        </button>
        {mayAct && (
          <>
            <button type="button" aria-expanded={action === 'claim'} onClick={() => setAction(action === 'claim' ? undefined : 'claim')}>
              认领
            </button>
            <button type="button" className="secondary" aria-expanded={action === 'merge'} onClick={() => setAction(action === 'merge' ? undefined : 'merge')}>
              合并到已有问题
            </button>
            {!atTop && (
              <button
                type="button"
                className="secondary"
                aria-expanded={action === 'forward'}
                onClick={() => setAction(action === 'forward' ? undefined : 'forward')}
              >
                转报上级
              </button>
            )}
          </>
        )}
      </div>
      {mayAct && action && (
        <ActionForm
          action={action}
          e={e}
          campaignId={campaignId}
          orgId={orgId}
          ledger={ledger}
          onDone={() => {
            setAction(undefined);
            onDone();
            onChain(e.escalation_id);
          }}
        />
      )}
    </li>
  );
}

/** A field with the API's refusal beside it when the refusal names it. */
function Field({
  label,
  refusal,
  name,
  children,
}: {
  label: string;
  refusal: Shown | undefined;
  name: string;
  children: (describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const mine = refusal && refusal.field === name;
  return (
    <label>
      {label}
      {children(mine ? id : undefined)}
      {mine && (
        <span role="alert" className="error field-error" id={id}>
          {refusal.text}
        </span>
      )}
    </label>
  );
}

/** Claim, merge or forward one escalation. */
function ActionForm({
  action,
  e,
  campaignId,
  orgId,
  ledger,
  onDone,
}: {
  action: Action;
  e: EscalationRow;
  campaignId: string;
  orgId: string;
  ledger: LedgerItem[];
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const [into, setInto] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Shown>();
  const [done, setDone] = useState<string>();
  // The new item's id is chosen once, so sending the claim again is the same claim.
  const newId = useMemo(() => `esc-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, []);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setRefusal(undefined);
    try {
      if (action === 'forward') {
        const r = await escalationsApi.forward(campaignId, orgId, e.escalation_id, reason);
        setDone(`已转报上级 ${r.toOrgId}。`);
      } else {
        const r = await escalationsApi.claim(campaignId, orgId, e.escalation_id, action === 'merge' ? { intoProblemId: into } : { problemId: newId });
        setDone(action === 'merge' ? `已并入本级问题 ${r.problemId}。` : `已认领为本级问题 ${r.problemId}，进入整改台账。`);
      }
      onDone();
    } catch (err) {
      setRefusal(shown(err));
    } finally {
      setBusy(false);
    }
  };
  const title = action === 'claim' ? '认领为本级新问题' : action === 'merge' ? '合并到本级已有问题' : '转报上一级';
  // The fields this form shows: a refusal naming one of them is shown beside it, any other above the button.
  const named = refusal && (action === 'merge' ? ['intoProblemId', 'problemId'] : action === 'forward' ? ['reason'] : []).includes(refusal.field ?? '');
  return (
    <form className="form esc-form" onSubmit={(e) => void submit(e)} aria-label={title}>
      <h3>{title}</h3>
      {action === 'claim' && <p className="hint">认领后，该问题作为本级问题进入整改台账（编号 {newId}），按整改落实全流程办理，整改销号后回告上报方。</p>}
      {action === 'merge' && (
        <Field label="并入的本级问题" name={refusal?.field === 'problemId' ? 'problemId' : 'intoProblemId'} refusal={refusal}>
          {(describedBy) => (
            <select required value={into} onChange={(ev) => setInto(ev.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(describedBy)}>
              <option value="">请选择本级台账中的问题</option>
              {ledger.map((p) => (
                <option key={p.problem_id} value={p.problem_id}>
                  {p.problem_id} · {p.category}：{p.description.slice(0, 30)}（{PROBLEM_STATUS[p.status] ?? p.status}）
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {action === 'forward' && (
        <Field label="转报理由（必填）" name="reason" refusal={refusal}>
          {(describedBy) => (
            <textarea
              required
              maxLength={1000}
              rows={3}
              value={reason}
              onChange={(ev) => setReason(ev.target.value)}
              aria-describedby={describedBy}
              aria-invalid={Boolean(describedBy)}
            />
          )}
        </Field>
      )}
      <Outcome error={!named && refusal?.text} done={done} />
      <button type="submit" disabled={busy}>
        {busy ? '正在提交…' : action === 'forward' ? '确认转报' : '确认认领'}
      </button>
    </form>
  );
}

/** Raise one of this org's own open items to a level above. */
function RaiseForm({
  campaignId,
  orgId,
  level,
  ledger,
  onDone,
}: {
  campaignId: string;
  orgId: string;
  level: string;
  ledger: LedgerItem[];
  onDone: () => void;
}) {
  const levels = levelsAbove(level);
  const sent = usePolled(() => escalationsApi.list(campaignId, orgId, 'outbox', undefined, 200), `${campaignId}/${orgId}/raised`);
  const raised = new Set((sent.data?.items ?? []).filter((e) => e.origin_org_id === orgId).map((e) => e.origin_problem_id ?? ''));
  const open = ledger.filter((p) => canRaise(p, raised));
  const [problemId, setProblemId] = useState('');
  const [target, setTarget] = useState<string>('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Shown>();
  const [done, setDone] = useState<string>();
  const targetLevel = (target || levels[0]) as 'city' | 'district' | 'unit' | undefined;
  if (!levels.length) return null;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setRefusal(undefined);
    setDone(undefined);
    try {
      await escalationsApi.raise(campaignId, orgId, problemId, { targetLevel: targetLevel!, reason });
      setDone(`问题 ${problemId} 已上报${LEVEL_SHORT[targetLevel!] ?? targetLevel}，等待上级认领。`);
      setProblemId('');
      setReason('');
      onDone();
      sent.refresh();
    } catch (err) {
      setRefusal(shown(err));
    } finally {
      setBusy(false);
    }
  };
  const fieldOf = (f: string | undefined) => (f === 'targetOrgId' ? 'targetLevel' : f);
  const r = refusal && { ...refusal, field: fieldOf(refusal.field) };
  const named = r && ['problemId', 'targetLevel', 'reason'].includes(r.field ?? '');
  return (
    <form className="card form" aria-labelledby="raise-title" onSubmit={(e) => void submit(e)}>
      <h2 id="raise-title">上报问题（下题上答）</h2>
      <p className="hint">本级查摆出的问题，根子在上级的，可上报上级认领；上报后本级问题保持未销号，上级整改销号后随之销号。</p>
      {open.length === 0 ? (
        <p className="hint">本级台账暂无可上报的问题（只有已查摆、已制定整改措施或整改中、且未上报过的问题可以上报）。</p>
      ) : (
        <div className="esc-raise">
          <Field label="上报的问题" name="problemId" refusal={r}>
            {(describedBy) => (
              <select
                required
                value={problemId}
                onChange={(ev) => setProblemId(ev.target.value)}
                aria-describedby={describedBy}
                aria-invalid={Boolean(describedBy)}
              >
                <option value="">请选择本级台账中的问题</option>
                {open.map((p) => (
                  <option key={p.problem_id} value={p.problem_id}>
                    {p.problem_id} · {p.category}：{p.description.slice(0, 30)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="上报至" name="targetLevel" refusal={r}>
            {(describedBy) => (
              <select value={targetLevel} onChange={(ev) => setTarget(ev.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(describedBy)}>
                {levels.map((l, i) => (
                  <option key={l} value={l}>
                    {i === 0 ? '直接上级：' : ''}
                    {LEVEL[l]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="上报理由（必填）" name="reason" refusal={r}>
            {(describedBy) => (
              <textarea
                required
                maxLength={2000}
                rows={3}
                value={reason}
                onChange={(ev) => setReason(ev.target.value)}
                aria-describedby={describedBy}
                aria-invalid={Boolean(describedBy)}
              />
            )}
          </Field>
        </div>
      )}
      <Outcome error={!named && r?.text} done={done} />
      {open.length > 0 && (
        <button type="submit" disabled={busy}>
          {busy ? '正在提交…' : '上报'}
        </button>
      )}
    </form>
  );
}

/** The chain across levels: who raised it, each forward with its reason and time, who claimed it, and what the origin heard back. */
function ChainCard({ me, campaignId, escalationId, onClose }: { me: ScreenProps['me']; campaignId: string; escalationId: string; onClose: () => void }) {
  const { data, error } = usePolled(() => escalationsApi.chain(campaignId, escalationId), `${campaignId}/${escalationId}/chain`);
  const chain: Chain | undefined = data?.escalation_id === escalationId ? data : undefined;
  const org = (id: string | undefined) => {
    const o = chain?.orgs.find((x) => x.orgId === id);
    return o ? `${o.name}（${LEVEL_SHORT[o.level] ?? o.level}）` : (id ?? '');
  };
  // An org on the chain links to its escalations where the reader may read it (its own subtree).
  const readable = (id: string) => me.role === 'admin' || Boolean(chain?.orgs.find((x) => x.orgId === id)?.path.startsWith(me.orgPath));
  return (
    <section className="card" aria-labelledby="chain-title" data-testid="chain">
      <div className="title-row esc-chain-head">
        <h2 id="chain-title">流转记录{chain?.category ? `：${chain.category}` : ''}</h2>
        <button type="button" className="secondary" onClick={onClose}>
          关闭
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!chain ? (
        <p>加载中…</p>
      ) : (
        <>
          {chain.description && <p className="sub">{chain.description}</p>}
          <ol className="chain">
            {chain.hops.map((h, i) => (
              <li key={i} className={`hop ${h.step.replace(/[^a-z]/g, '-')}`} data-step={h.step}>
                <time dateTime={h.at}>{cst(h.at)}</time>
                <div>
                  <strong>
                    {readable(h.orgId) ? <a href={screenHref(campaignId, h.orgId, 'escalations')}>{org(h.orgId)}</a> : org(h.orgId)} · {stepZh(h.step)}
                  </strong>
                  <p className="hop-detail">
                    {[
                      h.to ? `至 ${org(h.to)}` : '',
                      h.reason ? `理由：${h.reason}` : '',
                      h.step === 'received' && h.claimDeadline ? `认领期限 ${cst(h.claimDeadline)}` : '',
                      h.problemId ? `本级问题 ${h.problemId}` : '',
                      h.step.startsWith('origin heard') && (h as { from?: string }).from ? `来自 ${org((h as { from?: string }).from)}` : '',
                      h.by ? `办理人：${byZh(h.by)}` : '',
                    ]
                      .filter(Boolean)
                      .join('；')}
                  </p>
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
