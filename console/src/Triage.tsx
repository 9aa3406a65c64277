/**
 * 民意分办: the campaign office's queue of citizens' messages (民意直通车) that no routing
 * rule routed, each routed by hand to the org responsible (found by name or id in the
 * office's subtree), and what became of those routed. At another org it lists the messages
 * routed into that org's subtree (read only): only the campaign office (its root) triages.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Me } from './api.ts';
import { citizensApi, Refusal, type Message, type MessageQuery } from './citizens-api.ts';
import { publicHref, triageRefusal, type Words } from './citizens-words.ts';
import { usePolled } from './hooks.ts';
import { Pager, useCursorPages } from './list-parts.tsx';
import { Figure } from './parts.tsx';
import { orgPageHref, screenHref } from './routes.ts';
import { cst } from './time.ts';
import { LEVEL_SHORT, MESSAGE_STATE } from './zh.ts';

const PAGE = 20;

/** Who gets the tab: whoever may act on some campaign's root (an admin, an organiser over it, the root's own secretary). */
export function mayTriage(me: Me): boolean {
  if (me.role === 'admin') return true;
  if (me.role === 'organiser') return me.campaigns.some((c) => c.startOrgId === c.rootOrgId);
  if (me.role === 'secretary') return me.campaigns.some((c) => c.rootOrgId === me.orgId);
  return false;
}

type Filter = 'awaiting_triage' | 'all' | NonNullable<MessageQuery['state']> | 'flagged';

export function Triage({ me, campaignId, orgId }: { me: Me; campaignId: string; orgId: string }) {
  const campaign = me.campaigns.find((c) => c.id === campaignId);
  const office = campaign?.rootOrgId ?? orgId;
  const atOffice = office === orgId;
  const [filter, setFilter] = useState<Filter>(atOffice ? 'awaiting_triage' : 'all');
  const paging = useCursorPages();
  const [done, setDone] = useState<string>();
  // The routed message's card is gone: the focus goes to what became of it.
  const doneRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => doneRef.current?.focus(), [done]);
  const { cursor } = paging;
  const query: MessageQuery = {
    limit: PAGE,
    ...(filter === 'flagged' ? { flagged: 'true' } : filter !== 'all' ? { state: filter } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const { data, error, refresh, updatedAt } = usePolled(
    async () => {
      const [list, here] = await Promise.all([citizensApi.messages(campaignId, orgId, query), citizensApi.office(campaignId, orgId)]);
      return { list, here };
    },
    JSON.stringify([campaignId, orgId, query]),
  );
  const names = useOrgNames(data?.list.items.map((m) => m.org_id).filter((x): x is string => x !== null) ?? []);

  if (!data) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;
  const { list, here } = data;
  const canRoute = atOffice && here.can.act;
  const f = list.figures;
  return (
    <>
      <section className="card head" aria-labelledby="triage-title">
        <h1 id="triage-title">民意分办 · {here.org.name}</h1>
        <p className="sub">
          {here.campaign.name} · 群众通过
          <a href={publicHref(campaignId)} target="_blank" rel="noreferrer">
            民意直通车
          </a>
          留言（无需登录），按分办规则自动转交；规则没有覆盖的，由活动办公室（{atOffice ? '本级' : office}）当天分办。
        </p>
        {!atOffice && (
          <p className="notice">
            这里列出转交到本级及下级的留言（只读）。分办在活动办公室进行：<a href={screenHref(campaignId, office, 'triage')}>前往活动办公室的民意分办</a>。
          </p>
        )}
        {atOffice && !here.can.act && <p className="notice">您可以查看留言，但分办由活动牵头组织的组织者或管理员进行。</p>}
        <dl className="figures triage-figures" aria-label="留言数据">
          <Figure label="收到" value={f.received} testId="fig-received" />
          <Figure label="待分办" value={f.awaitingTriage} testId="fig-awaiting" />
          <Figure label="已分办（当天）" value={`${f.routed}（${f.routedSameDay}）`} testId="fig-routed" />
          <Figure label="超时未分办" value={f.flagged} testId="fig-flagged" />
          <Figure label="整改中" value={f.inRectification} />
          <Figure label="已销号" value={f.resolved} />
        </dl>
      </section>

      {done && (
        <p role="status" className="ok card" data-testid="triage-done" tabIndex={-1} ref={doneRef}>
          {done}
        </p>
      )}

      <section className="card" aria-labelledby="queue-title">
        <h2 id="queue-title">{filter === 'awaiting_triage' ? '待分办的留言' : '留言'}</h2>
        <div className="controls">
          <label>
            显示
            <select
              value={filter}
              onChange={(e) => {
                setFilter(e.target.value as Filter);
                paging.reset();
              }}
            >
              <option value="awaiting_triage">待分办</option>
              <option value="all">全部</option>
              <option value="received">刚收到（自动分办中）</option>
              <option value="routed">已分办，待整改</option>
              <option value="in_rectification">整改中</option>
              <option value="resolved">已销号</option>
              <option value="flagged">超时未分办（含后来分办的）</option>
            </select>
          </label>
        </div>
        {list.items.length === 0 ? (
          <p data-testid="queue-empty">{filter === 'awaiting_triage' ? '没有待分办的留言。' : '没有符合条件的留言。'}</p>
        ) : (
          <ol className="messages">
            {list.items.map((m) => (
              <MessageCard
                key={m.message_id}
                m={m}
                campaignId={campaignId}
                office={office}
                orgName={m.org_id ? names[m.org_id] : undefined}
                canRoute={canRoute}
                onRouted={(to) => {
                  setDone(`已把留言（${m.category} · ${m.area}）分办给 ${to}，列入其整改台账。`);
                  refresh();
                }}
              />
            ))}
          </ol>
        )}
        <Pager paging={paging} nextCursor={list.nextCursor} per={`每页 ${PAGE} 条`} />
        <p className="hint">
          当天（北京时间）未分办的留言记为超时。留言转交后成为责任单位整改台账中的一项（来源：群众留言），经核验销号后群众可凭查询码看到“已整改销号”。每 3
          秒自动刷新
          {updatedAt && `，更新于 ${cst(updatedAt)}`}。
        </p>
      </section>
    </>
  );
}

/** A deadline at midnight in China is the end of the day before: `2026/12/06 24:00`, not `2026/12/07 00:00:00`. */
function endOfDay(instant: string): string {
  const at = cst(instant);
  return at.endsWith(' 00:00:00') ? `${cst(new Date(instant).getTime() - 1000).slice(0, 10)} 24:00` : at;
}

/** The names of the orgs messages were routed to, each asked once. */
function useOrgNames(ids: string[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const missing = [...new Set(ids)]
    .filter((id) => !(id in names))
    .sort()
    .join(',');
  useEffect(() => {
    if (!missing) return;
    let live = true;
    void Promise.all(missing.split(',').map(async (id) => [id, await citizensApi.orgName(id).catch(() => id)] as const)).then((pairs) => {
      if (live) setNames((n) => ({ ...n, ...Object.fromEntries(pairs) }));
    });
    return () => {
      live = false;
    };
  }, [missing]);
  return names;
}

function MessageCard({
  m,
  campaignId,
  office,
  orgName,
  canRoute,
  onRouted,
}: {
  m: Message;
  campaignId: string;
  office: string;
  orgName: string | undefined;
  canRoute: boolean;
  onRouted: (to: string) => void;
}) {
  const waiting = m.state === 'awaiting_triage';
  return (
    <li className={`message card ${m.flagged_at ? 'flagged' : ''}`} data-message={m.message_id} aria-labelledby={`msg-${m.message_id}`}>
      <div className="message-head">
        <strong id={`msg-${m.message_id}`}>
          {m.category} · {m.area}
        </strong>
        <span className={`badge state-${m.state}`} data-testid="message-state">
          {MESSAGE_STATE[m.state] ?? m.state}
        </span>
        {m.flagged_at && <span className="badge red">超时未分办</span>}
      </div>
      <p className="message-text">{m.text}</p>
      <dl className="message-facts">
        <div>
          <dt>收到</dt>
          <dd>{cst(m.received_at)}</dd>
        </div>
        <div>
          <dt>分办期限</dt>
          <dd>{endOfDay(m.deadline)}</dd>
        </div>
        {m.contact && (
          <div>
            <dt>联系方式</dt>
            <dd>{m.contact}</dd>
          </div>
        )}
        {m.org_id && (
          <div>
            <dt>责任单位</dt>
            <dd data-testid="routed-to">
              <a href={orgPageHref(campaignId, m.org_id)}>{orgName ?? m.org_id}</a>
              {m.routed_at && `（${cst(m.routed_at)} 转交）`}
            </dd>
          </div>
        )}
        {m.problem_id && (
          <div>
            <dt>台账事项</dt>
            <dd className="id">{m.problem_id}</dd>
          </div>
        )}
        {m.resolved_at && (
          <div>
            <dt>销号</dt>
            <dd>{cst(m.resolved_at)}</dd>
          </div>
        )}
      </dl>
      {waiting && canRoute && <RouteForm m={m} campaignId={campaignId} office={office} onRouted={onRouted} />}
    </li>
  );
}

type Found = Awaited<ReturnType<typeof citizensApi.findOrgs>>['children']['items'][number];

/** Find the org by name or id in the office's subtree, choose it, route the message to it. */
function RouteForm({ m, campaignId, office, onRouted }: { m: Message; campaignId: string; office: string; onRouted: (to: string) => void }) {
  const id = m.message_id;
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Found[]>();
  const [chosen, setChosen] = useState<Found>();
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<Words>();
  const search = async (e: FormEvent) => {
    e.preventDefault();
    if (!q.trim()) return;
    setRefused(undefined);
    setChosen(undefined);
    try {
      setFound((await citizensApi.findOrgs(campaignId, office, q.trim())).children.items);
    } catch (err) {
      setRefused({ text: `查找失败：${err instanceof Error ? err.message : String(err)}` });
    }
  };
  const route = async () => {
    if (!chosen) return;
    setBusy(true);
    setRefused(undefined);
    try {
      await citizensApi.route(campaignId, office, id, chosen.orgId);
      onRouted(`${chosen.name}（${chosen.orgId}）`);
    } catch (err) {
      const words = err instanceof Refusal ? triageRefusal(err) : { text: String(err) };
      // A refusal about the chosen org names it.
      setRefused(words.field ? { ...words, text: `${chosen.name}（${chosen.orgId}）：${words.text}` } : words);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="route-form">
      <form role="search" className="inline" onSubmit={(e) => void search(e)} aria-label={`为留言 ${m.category} · ${m.area} 查找责任组织`}>
        <label htmlFor={`find-${id}`}>责任组织（名称或编号）</label>
        <input id={`find-${id}`} type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="如：和平区 或 tj-d1-u1" />
        <button type="submit" className="secondary">
          查找
        </button>
      </form>
      {found && (
        <fieldset className="found">
          <legend>选择责任组织{found.length === 0 && '：没有找到，请换个名称或编号'}</legend>
          {found.map((o) => (
            <label key={o.orgId} className="found-org">
              <input
                type="radio"
                name={`to-${id}`}
                value={o.orgId}
                checked={chosen?.orgId === o.orgId}
                onChange={() => setChosen(o)}
                aria-describedby={refused?.field ? `route-err-${id}` : undefined}
              />
              <span>
                {o.name}{' '}
                <span className="id">
                  {o.orgId} · {LEVEL_SHORT[o.level]}
                </span>
                {!o.reached && <span className="badge none">未覆盖</span>}
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {refused && (
        <p id={`route-err-${id}`} role="alert" className="error field-error" data-testid="route-refusal">
          {refused.text}
        </p>
      )}
      {found && found.length > 0 && (
        <button type="button" onClick={() => void route()} disabled={!chosen || busy}>
          {busy ? '正在分办…' : chosen ? `分办给 ${chosen.name}` : '分办（请先选择组织）'}
        </button>
      )}
    </div>
  );
}
