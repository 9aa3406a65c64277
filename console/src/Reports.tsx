/**
 * 情况通报/报告 (例会): the campaign's reports, newest first, paged; one report read in the
 * console a page of rows at a time (levels, overdue items, lagging orgs with their reasons in
 * Chinese), or opened as its own page; and a report compiled now, for an organiser over the
 * campaign's root (or an admin). Who reads: the campaign office (a token of the root org or
 * above it, an admin), and a guidance group's inspector the fortnightly reports only.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, type Me } from './api.ts';
import { usePolled } from './hooks.ts';
import { EmptyRow, Pager, TableHead, useCursorPages } from './list-parts.tsx';
import { reportPageHref, reportsApi, type Report, type ReportKind } from './reports-api.ts';
import { cst, day } from './time.ts';
import { LEVEL_SHORT, reasonZh, REPORT_KIND, REPORT_KIND_LONG } from './zh.ts';
import type { ScreenProps } from './screen-props.ts';

const PAGE = 10;
/** Rows of a report's table shown at once. */
const ROWS = 10;

/** The campaign office: a token of the campaign's root org or above it (its overview starts at the root), or an admin. */
export const isOffice = (me: Me, campaignId: string) => {
  const c = me.campaigns.find((x) => x.id === campaignId);
  return me.role === 'admin' || (!!c && c.startOrgId === c.rootOrgId);
};
/** Who gets the tab: the office of some campaign, and inspectors (a guidance group's read the fortnightly reports). */
export const showsReports = (me: Me) => me.role === 'admin' || me.role === 'inspector' || me.campaigns.some((c) => c.startOrgId === c.rootOrgId);

export function Reports({ me, campaignId }: ScreenProps) {
  const office = isOffice(me, campaignId);
  const canCompile = me.role === 'admin' || (me.role === 'organiser' && office);
  // A guidance group's inspector (not of the office) reads only the fortnightly ones.
  const [kind, setKind] = useState<ReportKind | ''>(office ? '' : 'fortnightly');
  const paging = useCursorPages();
  const [selected, setSelected] = useState<string>();
  const { cursor } = paging;
  const { data, error, refresh, updatedAt } = usePolled(
    () => reportsApi.list(campaignId, { limit: PAGE, ...(cursor ? { cursor } : {}), ...(kind ? { kind } : {}) }),
    `${campaignId}/${kind}/${cursor ?? ''}`,
  );

  return (
    <>
      <section className="card" aria-labelledby="reports-title">
        <h1 id="reports-title">情况通报 · 例会报告</h1>
        <p className="sub">
          周报供活动办公室每周例会研究整改进度；双周报供与巡回指导组组长例会使用，另含暗访抽查情况。数字均取自已记录的事件，不要求基层另行填报（为基层减负）。
        </p>
        {canCompile && (
          <CompileForm
            campaignId={campaignId}
            onDone={(id) => {
              paging.reset();
              refresh();
              if (id) setSelected(id);
            }}
          />
        )}
        <div className="controls">
          <label>
            报告类型
            <select
              value={kind}
              onChange={(e) => {
                setKind(e.target.value as ReportKind | '');
                paging.reset();
              }}
            >
              {office && <option value="">全部</option>}
              {office && <option value="weekly">{REPORT_KIND.weekly}</option>}
              <option value="fortnightly">{REPORT_KIND.fortnightly}</option>
            </select>
          </label>
        </div>
        {error && !data ? (
          <p role="alert" className="error">
            {refusalWords(error)}
          </p>
        ) : !data ? (
          <p>加载中…</p>
        ) : (
          <>
            <div className="scroll">
              <table className="reports-list">
                <TableHead cols={['类型', '统计期间（北京时间）', '生成时间', '操作']} />
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.reportId} data-report={r.reportId} aria-current={selected === r.reportId ? 'true' : undefined}>
                      <td>{REPORT_KIND[r.kind] ?? r.kind}</td>
                      <td>
                        {cst(r.periodFrom)} 至 {cst(r.periodTo)}
                      </td>
                      <td>{cst(r.createdAt)}</td>
                      <td className="actions">
                        <button type="button" className="secondary" onClick={() => setSelected(r.reportId)} aria-label={`查看 ${r.reportId}`}>
                          查看
                        </button>{' '}
                        <a href={reportPageHref(campaignId, r.reportId)} target="_blank" rel="noreferrer" aria-label={`打开报告页面 ${r.reportId}（新窗口）`}>
                          报告页面 ↗
                        </a>
                      </td>
                    </tr>
                  ))}
                  {data.items.length === 0 && (
                    <EmptyRow cols={4}>暂无报告：报告按计划每周一上午 9 时（北京时间）生成{canCompile ? '，也可在上方立即生成' : ''}。</EmptyRow>
                  )}
                </tbody>
              </table>
            </div>
            <Pager paging={paging} nextCursor={data.nextCursor} per={`每页 ${PAGE} 份`} />
            <p className="hint">每 3 秒自动刷新{updatedAt && `，更新于 ${cst(updatedAt)}`}。</p>
          </>
        )}
      </section>
      {selected && <ReportView key={selected} campaignId={campaignId} reportId={selected} />}
    </>
  );
}

/** The API's refusal of the list in plain words. */
function refusalWords(error: string): string {
  if (/may not read the reports|reads only the fortnightly/.test(error))
    return '无权查看：报告由活动办公室（活动根组织或其上级的令牌）查看，巡回指导组的督导可查看双周报。';
  return error;
}

function CompileForm({ campaignId, onDone }: { campaignId: string; onDone: (reportId?: string) => void }) {
  const [kind, setKind] = useState<ReportKind>('weekly');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      const answer = await reportsApi.compile(campaignId, kind);
      if (answer.done) {
        setMessage({ ok: true, text: `已生成${REPORT_KIND[kind]}，见下方。` });
        onDone(answer.reportId);
      } else {
        setMessage({ ok: true, text: `${REPORT_KIND[kind]}仍在生成，完成后出现在列表中（统计至 ${cst(answer.periodTo)}）。` });
        onDone();
      }
    } catch (err) {
      const text =
        err instanceof ApiError && err.status === 403
          ? '无权生成：只有活动根组织的组织者或管理员可以生成报告。'
          : err instanceof Error
            ? err.message
            : String(err);
      setMessage({ ok: false, text });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline compile" aria-labelledby="compile-title" onSubmit={(e) => void submit(e)}>
      <h2 id="compile-title" className="inline-title">
        立即生成
      </h2>
      <label>
        类型
        <select value={kind} onChange={(e) => setKind(e.target.value as ReportKind)}>
          <option value="weekly">{REPORT_KIND_LONG.weekly}</option>
          <option value="fortnightly">{REPORT_KIND_LONG.fortnightly}</option>
        </select>
      </label>
      <button type="submit" disabled={busy}>
        {busy ? '正在生成…' : '生成报告'}
      </button>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** One report, read from its figures: the level table, the period's activity, then the long lists a page of rows at a time. */
function ReportView({ campaignId, reportId }: { campaignId: string; reportId: string }) {
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    reportsApi.get(campaignId, reportId).then(setReport, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [campaignId, reportId]);
  if (error)
    return (
      <p role="alert" className="error">
        {refusalWords(error)}
      </p>
    );
  if (!report) return <p>加载报告…</p>;
  const f = report.figures;
  const x = f.escalations;
  return (
    <article className="card report" aria-labelledby="report-title" data-testid="report">
      <h2 id="report-title">
        {REPORT_KIND_LONG[report.kind] ?? report.kind} · {f.campaign.name}
      </h2>
      <p className="sub">
        统计期间 {cst(report.periodFrom)} 至 {cst(report.periodTo)} · 生成于 {cst(report.createdAt)} ·{' '}
        <a href={reportPageHref(campaignId, reportId)} target="_blank" rel="noreferrer">
          打开报告页面（可打印）↗
        </a>
      </p>

      <h3>整改进度（按层级）</h3>
      <div className="scroll">
        <table className="levels">
          <TableHead cols={['层级', '组织', '已动员', '问题', '已查摆', '已制定措施', '整改中', '待核验', '已销号', '销号率', '逾期']} />
          <tbody>
            {[...f.levels.map((l) => ({ name: LEVEL_SHORT[l.level] ?? l.level, ...l })), { name: '合计', ...f.total }].map((l) => (
              <tr key={l.name}>
                <th scope="row">{l.name}</th>
                {[l.orgs, l.mobilised, l.problems, l.found, l.planned, l.inProgress, l.rectified, l.closed, `${l.closedPercent}%`, l.overdue].map((v, i) => (
                  <td key={i}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        本期新查摆问题 {f.activity.problemsRecorded} 个，销号 {f.activity.itemsClosed} 个。下题上答：上报 {x.raised} 次，逐级收到 {x.received} 次，认领{' '}
        {x.claimed} 次，转报 {x.forwarded} 次，超时 {x.lapsed} 次；待认领 {x.awaitingClaim} 个。
      </p>
      {f.inspections && (
        <p data-testid="report-inspections">
          巡回指导：本期开展暗访抽查 {f.inspections.roundsStarted} 轮，下发问题 {f.inspections.findingsIssued} 个，通报 {f.inspections.noticesCirculated} 次
          {f.inspections.groups.length > 0 && `（${f.inspections.groups.map((g) => `${g.name} ${g.rounds} 轮、${g.findings} 个问题`).join('；')}）`}。
        </p>
      )}

      <RowPages
        title={`滞后组织（${f.lagging.count}）`}
        id="lagging"
        rows={f.lagging.orgs}
        total={f.lagging.count}
        head={['组织', '名称', '层级', '滞后原因']}
        row={(o) => [<span className="id">{o.orgId}</span>, o.name, LEVEL_SHORT[o.level] ?? o.level, o.reasons.map(reasonZh).join('；')]}
        rowKey={(o) => o.orgId}
      />
      <RowPages
        title={`逾期事项（${f.overdue.count}）`}
        id="overdue"
        rows={f.overdue.items}
        total={f.overdue.count}
        head={['组织', '事项', '类别', '责任人', '整改期限']}
        row={(i) => [
          <span className="id">{i.orgId}</span>,
          <span className="id">{i.problemId}</span>,
          i.category,
          i.owner ?? '—',
          i.deadline ? day(i.deadline) : '—',
        ]}
        rowKey={(i) => `${i.orgId}/${i.problemId}`}
      />
    </article>
  );
}

/** A report's list shown `ROWS` rows at a time, with its own pager; `total` counts what the report did not list by name. */
function RowPages<T>({
  title,
  id,
  rows,
  total,
  head,
  row,
  rowKey,
}: {
  title: string;
  id: string;
  rows: T[];
  total: number;
  head: string[];
  row: (r: T) => ReactNode[];
  rowKey: (r: T) => string;
}) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(rows.length / ROWS));
  const shown = rows.slice(page * ROWS, (page + 1) * ROWS);
  return (
    <section aria-labelledby={`${id}-title`} data-testid={`report-${id}`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <div className="scroll">
        <table>
          <TableHead cols={head} />
          <tbody>
            {shown.map((r) => (
              <tr key={rowKey(r)} data-row={rowKey(r)}>
                {row(r).map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
              </tr>
            ))}
            {rows.length === 0 && <EmptyRow cols={head.length}>无。</EmptyRow>}
          </tbody>
        </table>
      </div>
      {rows.length > ROWS && (
        <div className="pager">
          <button type="button" className="secondary" disabled={page === 0} onClick={() => setPage((p) => p - 1)} aria-label={`${title}：上一页`}>
            上一页
          </button>
          <span data-testid={`report-${id}-page`}>
            第 {page + 1} / {pages} 页
          </span>
          <button type="button" className="secondary" disabled={page + 1 >= pages} onClick={() => setPage((p) => p + 1)} aria-label={`${title}：下一页`}>
            下一页
          </button>
        </div>
      )}
      {total > rows.length && (
        <p className="hint">
          报告按名列出前 {rows.length} 个，另有 {total - rows.length} 个未列出。
        </p>
      )}
    </section>
  );
}
