import { useState, type FormEvent } from 'react';
import { orgPageHref, overviewHref } from './routes.ts';
import { api, type Me, type OrgNode, type OverviewQuery } from './api.ts';
import { startEarly, usePolled } from './hooks.ts';
import { EmptyRow, Pager, TableHead, useCursorPages } from './list-parts.tsx';
import { ColourBadge, Figure, OrgHeading, WorkflowLink } from './parts.tsx';
import { cst } from './time.ts';
import { COLOUR, LEVEL, LEVEL_SHORT } from './zh.ts';

const PAGE = 50;

/** Screen 1: the tree from an org down, a level at a time, red first. */
/** The overview's first read, started at page load when the address is an overview (main.tsx): the same key its `usePolled` asks with. */
export function startOverviewEarly(campaignId: string, orgId: string): void {
  const query: OverviewQuery = { sort: 'colour', limit: PAGE };
  startEarly(JSON.stringify([campaignId, orgId, query]), () => api.overview(campaignId, orgId, query));
}

export function Overview({ me, campaignId, orgId }: { me: Me; campaignId: string; orgId: string }) {
  const [sort, setSort] = useState<NonNullable<OverviewQuery['sort']>>('colour');
  const [colour, setColour] = useState<OverviewQuery['colour'] | ''>('');
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const paging = useCursorPages();
  const { cursor } = paging;
  const query: OverviewQuery = { sort, limit: PAGE, ...(colour ? { colour } : {}), ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) };
  const { data, error, updatedAt } = usePolled(() => api.overview(campaignId, orgId, query), JSON.stringify([campaignId, orgId, query]));
  const reset = paging.reset;
  const search = (e: FormEvent) => {
    e.preventDefault();
    setQ(typed.trim());
    reset();
  };

  if (!data) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;
  const { org, campaign } = data;
  return (
    <>
      <nav aria-label="组织层级" className="crumbs">
        {data.ancestors.map((a) => (
          <span key={a.orgId}>
            <a href={overviewHref(campaignId, a.orgId)}>{a.name}</a> ›{' '}
          </span>
        ))}
        <span aria-current="page">{org.name}</span>
      </nav>
      <section className="card head" aria-labelledby="org-title">
        <OrgHeading org={org} campaignName={campaign.name}>
          {org.mobilisedOn && ` · 动员部署 ${org.mobilisedOn}`} · <a href={orgPageHref(campaignId, org.orgId)}>本级详情与台账 →</a>{' '}
          <WorkflowLink me={me} node={org} />
        </OrgHeading>
        <div className="two">
          <dl className="figures" aria-label="本级数据">
            <h2>本级</h2>
            <Figure label="集中学习天数" value={`${org.own?.studyDays ?? 0} / ${campaign.minStudyDays}`} testId="own-study-days" />
            <Figure label="调研课题" value={org.own?.topics ?? 0} />
            <Figure label="问题（已销号）" value={`${org.own?.problems ?? 0}（${org.own?.problemsClosed ?? 0}）`} />
            <Figure label="逾期 / 临近期限" value={`${org.own?.overdue ?? 0} / ${org.own?.dueSoon ?? 0}`} />
          </dl>
          <dl className="figures" aria-label="含下级合计">
            <h2>含下级合计</h2>
            <Figure label="已汇总组织" value={org.subtree?.orgs ?? 0} testId="subtree-orgs" />
            <Figure label="已动员" value={org.subtree?.mobilised ?? 0} testId="subtree-mobilised" />
            <Figure label="问题（已销号）" value={`${org.subtree?.problems ?? 0}（${org.subtree?.problemsClosed ?? 0}）`} />
            <Figure label="逾期事项" value={org.subtree?.overdue ?? 0} />
          </dl>
        </div>
      </section>

      <section className="card" aria-labelledby="levels-title">
        <h2 id="levels-title">各层级数量</h2>
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">层级</th>
                <th scope="col">组织数</th>
                <th scope="col">已覆盖</th>
                <th scope="col" className="red-h">
                  红
                </th>
                <th scope="col" className="yellow-h">
                  黄
                </th>
                <th scope="col" className="green-h">
                  绿
                </th>
              </tr>
            </thead>
            <tbody>
              {data.levels.map((l) => (
                <tr key={l.level}>
                  <th scope="row">{LEVEL[l.level]}</th>
                  <td>{l.orgs}</td>
                  <td>{l.reached}</td>
                  <td>{l.red}</td>
                  <td>{l.yellow}</td>
                  <td>{l.green}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="children-title">
        <h2 id="children-title">
          {q ? `在本级及以下查找“${q}”` : '下级组织'}（{data.children.total}）
        </h2>
        <div className="controls">
          <form onSubmit={search} role="search" className="inline">
            <label htmlFor="find">按名称或编号查找</label>
            <input id="find" type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="如：和平区 或 tj-d1" />
            <button type="submit">查找</button>
            {q && (
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setTyped('');
                  setQ('');
                  reset();
                }}
              >
                清除
              </button>
            )}
          </form>
          <label>
            颜色
            <select
              value={colour}
              onChange={(e) => {
                setColour(e.target.value as typeof colour);
                reset();
              }}
            >
              <option value="">全部</option>
              <option value="red">红</option>
              <option value="yellow">黄</option>
              <option value="green">绿</option>
              <option value="none">未覆盖</option>
            </select>
          </label>
          <label>
            排序
            <select
              value={sort}
              onChange={(e) => {
                setSort(e.target.value as typeof sort);
                reset();
              }}
            >
              <option value="colour">红色优先</option>
              <option value="position">原始顺序</option>
              <option value="name">名称</option>
            </select>
          </label>
        </div>
        <div className="scroll">
          <table className="children">
            <TableHead cols={['颜色', '组织', '层级', '本级', '含下级', '操作']} />
            <tbody>
              {data.children.items.map((c) => (
                <ChildRow key={c.orgId} me={me} campaignId={campaignId} node={c} minStudyDays={campaign.minStudyDays} />
              ))}
              {data.children.items.length === 0 && <EmptyRow cols={6}>没有符合条件的组织。</EmptyRow>}
            </tbody>
          </table>
        </div>
        <Pager paging={paging} nextCursor={data.children.nextCursor} per={`每页 ${PAGE} 个`} />
        <p className="hint">
          颜色规则（三色督办，与 /lagging、/overdue 和周报相同）：红 = 有逾期未整改事项
          {campaign.mobiliseWithinDays !== null && `，或部署到本级超过 ${campaign.mobiliseWithinDays} 天仍未召开动员会`}；黄 =
          未召开动员会、集中学习未达标或有事项临近期限；绿 = 正常推进。每 3 秒自动刷新
          {updatedAt && `，更新于 ${cst(updatedAt)}`}。
        </p>
      </section>
    </>
  );
}

function ChildRow({ me, campaignId, node, minStudyDays }: { me: Me; campaignId: string; node: OrgNode; minStudyDays: number }) {
  return (
    <tr data-org={node.orgId}>
      <td>
        {node.reached ? (
          <ColourBadge node={node} />
        ) : (
          <span className="badge none" data-colour="none">
            {COLOUR.none}
          </span>
        )}
      </td>
      <td>
        {node.childCount > 0 ? <a href={overviewHref(campaignId, node.orgId)}>{node.name}</a> : node.name}
        <div className="id">
          {node.orgId}
          {node.childCount > 0 && ` · 下级 ${node.childCount}`}
        </div>
      </td>
      <td>{LEVEL_SHORT[node.level]}</td>
      <td>{node.reached ? `学习 ${node.own?.studyDays ?? 0}/${minStudyDays} 天 · 问题 ${node.own?.problems ?? 0} · 逾期 ${node.own?.overdue ?? 0}` : '—'}</td>
      <td>{node.reached ? `动员 ${node.subtree?.mobilised ?? 0}/${node.subtree?.orgs ?? 0} · 逾期 ${node.subtree?.overdue ?? 0}` : '—'}</td>
      <td className="actions">
        <a href={orgPageHref(campaignId, node.orgId)} aria-label={`${node.name} 详情`}>
          详情
        </a>{' '}
        <WorkflowLink me={me} node={node} />
      </td>
    </tr>
  );
}
