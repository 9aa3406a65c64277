/**
 * Screen 6, 上题下答: the directives an org issued (with their coverage below it) and those it
 * received (their items in its ledger); issuing a task or a request for information (with the
 * weekly cap's allowance, 为基层减负, shown before sending); a directive's coverage tree drilled
 * down a level at a time, its lagging list, and cancelling it. Issue and cancel are offered only
 * where the API lets the caller act for the org (the overview's `can.act`), and not at a branch,
 * which has nothing below it to direct.
 */
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api } from './api.ts';
import {
  allowanceLeft,
  coverageColour,
  directivesApi,
  inProgress,
  newDirectiveId,
  plainRefusal,
  Refusal,
  type CoverageCounts,
  type Issued,
  type ThisWeek,
} from './directives-api.ts';
import { usePolled } from './hooks.ts';
import { EmptyRow, Pager, TableHead, useCursorPages } from './list-parts.tsx';
import { FieldError, OrgHead } from './parts.tsx';
import { orgPageHref } from './routes.ts';
import { cst, day, todayInChina } from './time.ts';
import { COLOUR, COVERAGE_COLOUR, DIRECTIVE_KIND, LEVEL, LEVEL_SHORT, PROBLEM_STATUS } from './zh.ts';

const LEVELS = ['city', 'district', 'unit', 'branch'] as const;

function CoverageBadge({ c }: { c: CoverageCounts | null | undefined }) {
  const colour = coverageColour(c);
  return (
    <span className={`badge ${colour}`} data-colour={colour} title={`${COLOUR[colour]}：${COVERAGE_COLOUR[colour]}`}>
      <span aria-hidden="true" className="dot" />
      {colour === 'none' ? COVERAGE_COLOUR.none : COLOUR[colour]}
      {colour !== 'none' && <span className="long">：{COVERAGE_COLOUR[colour]}</span>}
    </span>
  );
}

/** The figures of a coverage, one cell each (done apart from rectified-awaiting-verification). */
function CoverageCells({ c }: { c: CoverageCounts | null | undefined }) {
  if (!c) return <td colSpan={5}>本组织以下无此部署对象</td>;
  return (
    <>
      <td data-figure="targeted">{c.targeted}</td>
      <td data-figure="done">{c.done}</td>
      <td data-figure="rectified">{c.rectified}</td>
      <td data-figure="in-progress">{inProgress(c)}</td>
      <td data-figure="overdue" className={c.overdue ? 'red-h' : undefined}>
        {c.overdue}
      </td>
    </>
  );
}
const COVERAGE_HEADS = (
  <>
    <th scope="col">应完成</th>
    <th scope="col" title="上级已核验销号">
      已完成
    </th>
    <th scope="col" title="已整改，待上级核验销号">
      待核验
    </th>
    <th scope="col" title="尚未整改完成，未逾期">
      推进中
    </th>
    <th scope="col" title="尚未整改完成，已过期限">
      逾期
    </th>
  </>
);

export function Directives({ campaignId, orgId }: { campaignId: string; orgId: string }) {
  const issuedPaging = useCursorPages();
  const receivedPaging = useCursorPages();
  const [selected, setSelected] = useState<string>();
  const key = `${campaignId}/${orgId}`;
  const { data, error, refresh, updatedAt } = usePolled(
    async () => {
      const [overview, issued, received] = await Promise.all([
        api.overview(campaignId, orgId, { limit: 1 }),
        directivesApi.issued(campaignId, orgId, issuedPaging.cursor),
        directivesApi.received(campaignId, orgId, receivedPaging.cursor),
      ]);
      return { overview, issued, received };
    },
    `${key}/${issuedPaging.cursor ?? ''}/${receivedPaging.cursor ?? ''}`,
  );
  // Another org's answer still on screen while this one loads is not shown: its forms would post here.
  const shown = data?.overview.org.orgId === orgId ? data : undefined;
  if (!shown) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;
  const { org, campaign, can } = shown.overview;
  const mayIssue = can.act && org.level !== 'branch';
  const below = LEVELS.slice(LEVELS.indexOf(org.level) + 1);
  const chosen = shown.issued.items.find((d) => d.directive_id === selected);

  return (
    <>
      <OrgHead campaignId={campaignId} orgId={orgId} org={org} campaignName={campaign.name}>
        {' · 上题下答：上级部署、下级落实，落实情况逐级汇总'}
      </OrgHead>

      {mayIssue && (
        <IssueForm
          campaignId={campaignId}
          orgId={orgId}
          levels={below}
          week={shown.issued.informationRequests}
          onIssued={(id) => {
            issuedPaging.reset();
            setSelected(id);
            refresh();
          }}
        />
      )}

      {org.level !== 'branch' && (
        <section className="card" aria-labelledby="issued-title">
          <h2 id="issued-title">本级下达的部署</h2>
          <div className="scroll">
            <table className="directives">
              <TableHead cols={['部署', '类型', '期限', '下达范围', '落实情况', '颜色', '操作']} />
              <tbody>
                {shown.issued.items.map((d) => (
                  <tr key={d.directive_id} data-directive={d.directive_id} className={d.directive_id === selected ? 'selected' : undefined}>
                    <td>
                      {d.title}
                      <div className="id">{d.directive_id}</div>
                    </td>
                    <td>{DIRECTIVE_KIND[d.kind] ?? d.kind}</td>
                    <td>{day(d.deadline)}</td>
                    <td>{targets(d)}</td>
                    <td data-testid="issued-coverage">
                      {d.cancelled
                        ? '已撤销'
                        : d.coverage
                          ? `已完成 ${d.coverage.done} · 待核验 ${d.coverage.rectified} · 未完成 ${d.coverage.lagging} / ${d.coverage.targeted}`
                          : '正在下达…'}
                    </td>
                    <td>{d.cancelled ? <span className="badge none">已撤销</span> : <CoverageBadge c={d.coverage} />}</td>
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-pressed={d.directive_id === selected}
                        onClick={() => setSelected(d.directive_id === selected ? undefined : d.directive_id)}
                        aria-label={`查看落实情况：${d.title}`}
                      >
                        {d.directive_id === selected ? '收起' : '落实情况'}
                      </button>
                    </td>
                  </tr>
                ))}
                {shown.issued.items.length === 0 && <EmptyRow cols={7}>本级尚未下达部署。</EmptyRow>}
              </tbody>
            </table>
          </div>
          <Pager label="下达的部署" paging={issuedPaging} nextCursor={shown.issued.nextCursor} hideAlone />
        </section>
      )}

      {chosen && (
        <DirectiveDetail key={chosen.directive_id} campaignId={campaignId} orgId={orgId} directive={chosen} mayCancel={can.act} onCancelled={refresh} />
      )}

      <section className="card" aria-labelledby="received-title">
        <h2 id="received-title">本级收到的部署（台账事项）</h2>
        <div className="scroll">
          <table className="received">
            <TableHead cols={['部署', '类型', '下达单位', '期限', '本级事项']} />
            <tbody>
              {shown.received.items.map((r) => (
                <tr key={r.directive_id} data-received={r.directive_id}>
                  <td>
                    {r.title}
                    <div className="hint">{r.instructions}</div>
                  </td>
                  <td>{DIRECTIVE_KIND[r.kind] ?? r.kind}</td>
                  <td className="id">{r.issuer_org_id}</td>
                  <td>{day(r.deadline)}</td>
                  <td>
                    {r.cancelled || r.status === 'cancelled' ? '已撤销' : (PROBLEM_STATUS[r.status] ?? r.status)}
                    {r.alert !== 'none' && r.status !== 'closed' && r.status !== 'cancelled' && (
                      <span className={`badge ${r.alert}`}>{r.alert === 'red' ? '逾期' : '临近期限'}</span>
                    )}
                    <div>
                      <a href={orgPageHref(campaignId, orgId)} className="id">
                        台账 {r.problem_id}
                      </a>
                    </div>
                  </td>
                </tr>
              ))}
              {shown.received.items.length === 0 && <EmptyRow cols={5}>本级没有收到部署。</EmptyRow>}
            </tbody>
          </table>
        </div>
        <Pager label="收到的部署" paging={receivedPaging} nextCursor={shown.received.nextCursor} hideAlone />
      </section>

      {org.level !== 'branch' && <InformationRequests campaignId={campaignId} orgId={orgId} week={shown.issued.informationRequests} />}
      <p className="hint">每 3 秒自动刷新{updatedAt && `，更新于 ${cst(updatedAt)}`}。</p>
    </>
  );
}

function targets(d: Pick<Issued, 'target_levels' | 'target_org_ids'>): string {
  const parts = [...d.target_levels.map((l) => `全部${LEVEL_SHORT[l] ?? l}`), ...d.target_org_ids];
  return parts.join('、') || '—';
}

/** The weekly cap in words: what is left this week, or that the org is not capped. */
function allowanceText(week: ThisWeek | undefined): string {
  if (!week) return '';
  const left = allowanceLeft(week);
  if (left === null) return `本级要材料不设每周上限（本周已发 ${week.sent} 份）。`;
  return `为基层减负：本级每周最多发 ${week.cap} 份要材料通知；本周（${day(week.week)} 起）已发 ${week.sent} 份，还可发 ${left} 份${week.refused ? `，超限被拒 ${week.refused} 次` : ''}。`;
}

/** A refusal in plain words: the cap's 429 says the cap and the week; others say what the API said. */
function refusalText(err: unknown): string {
  if (err instanceof Refusal && err.status === 429 && err.problem.cap !== undefined) {
    const next = err.problem.nextWeekStartsAt ? day(err.problem.nextWeekStartsAt) : '下周一';
    return `未发出：超过每周上限（为基层减负）。本级每周最多发 ${err.problem.cap} 份要材料通知，本周（${err.problem.week ? day(err.problem.week) : ''} 起）已发 ${err.problem.sent} 份；${next}起可再发。`;
  }
  if (err instanceof Refusal && err.status === 403) return `无权操作：${err.message}`;
  return err instanceof Error ? plainRefusal(err.message) : String(err);
}

/** Which field a refusal names: `body.targetLevels` → `targetLevels`; the cap's 429 names the kind. */
function fieldOf(err: unknown): string | undefined {
  if (!(err instanceof Refusal)) return undefined;
  if (err.status === 429) return 'kind';
  const path = err.problem.errors?.[0]?.path;
  return path?.startsWith('body.') ? path.slice(5).split('.')[0] : undefined;
}

/** Issue a task or a request for information to levels (or named orgs) below. */
function IssueForm({
  campaignId,
  orgId,
  levels,
  week,
  onIssued,
}: {
  campaignId: string;
  orgId: string;
  levels: readonly string[];
  week: ThisWeek | undefined;
  onIssued: (id: string) => void;
}) {
  const id = useId();
  const [kind, setKind] = useState<'task' | 'information_request'>('task');
  const [title, setTitle] = useState('');
  const [instructions, setInstructions] = useState('');
  const [deadline, setDeadline] = useState(() => todayInChina(Date.now() + 14 * 86_400_000));
  const [targetLevels, setTargetLevels] = useState<string[]>(levels.slice(-1));
  const [orgIds, setOrgIds] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: true; text: string } | { ok: false; err: unknown }>();
  // One id per directive being written: a retry after a lost answer sends the same id, and the workflow does not issue it twice.
  const directiveId = useRef(newDirectiveId());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(undefined);
    const targetOrgIds = orgIds.split(/[\s,，、]+/).filter(Boolean);
    try {
      const answer = await directivesApi.issue(campaignId, orgId, {
        directiveId: directiveId.current,
        kind,
        title,
        instructions,
        deadline,
        targetLevels: targetLevels as ('city' | 'district' | 'unit' | 'branch')[],
        targetOrgIds,
      });
      setOutcome({ ok: true, text: `已下达“${title}”（${answer.directiveId}），正在逐级传达到下级台账。` });
      directiveId.current = newDirectiveId();
      setTitle('');
      setInstructions('');
      onIssued(answer.directiveId);
    } catch (err) {
      // The same directive refused (over the cap, a bad field) may be sent again once fixed; a new id would not help.
      setOutcome({ ok: false, err });
    } finally {
      setBusy(false);
    }
  };
  const err = outcome && !outcome.ok ? outcome.err : undefined;
  const field = fieldOf(err);
  const beside = (name: string) => (field === name ? refusalText(err) : undefined);
  const capLeft = allowanceLeft(week);

  return (
    <form className="card form issue" aria-labelledby={`${id}-t`} onSubmit={(e) => void submit(e)} noValidate={false}>
      <h2 id={`${id}-t`}>下达部署</h2>
      <div className="two">
        <label>
          类型
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value as typeof kind)}
            aria-describedby={`${id}-allowance ${id}-kind-err`}
            aria-invalid={field === 'kind'}
          >
            <option value="task">{DIRECTIVE_KIND.task}</option>
            <option value="information_request">{DIRECTIVE_KIND.information_request}</option>
          </select>
          <span
            id={`${id}-allowance`}
            className={`preview${kind === 'information_request' && capLeft === 0 ? ' warn' : ''}`}
            data-testid="allowance"
            aria-live="polite"
          >
            {allowanceText(week)}
            {kind === 'information_request' && capLeft === 0 && ' 本周额度已用完，发出将被拒绝。'}
          </span>
          <FieldError className="error field-error" id={`${id}-kind-err`} text={beside('kind')} />
        </label>
        <label>
          完成期限（北京时间）
          <input
            type="date"
            required
            value={deadline}
            min={todayInChina()}
            onChange={(e) => setDeadline(e.target.value)}
            aria-invalid={field === 'deadline'}
            aria-describedby={`${id}-deadline-err`}
          />
          <FieldError className="error field-error" id={`${id}-deadline-err`} text={beside('deadline')} />
        </label>
      </div>
      <label>
        标题
        <input
          required
          maxLength={200}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          aria-invalid={field === 'title'}
          aria-describedby={`${id}-title-err`}
        />
        <FieldError className="error field-error" id={`${id}-title-err`} text={beside('title')} />
      </label>
      <label>
        工作要求
        <textarea
          required
          maxLength={4000}
          rows={3}
          value={instructions}
          onChange={(e) => setInstructions(e.target.value)}
          aria-invalid={field === 'instructions'}
          aria-describedby={`${id}-instructions-err`}
        />
        <FieldError className="error field-error" id={`${id}-instructions-err`} text={beside('instructions')} />
      </label>
      <fieldset aria-describedby={`${id}-levels-err`}>
        <legend>下达到（层级）</legend>
        <div className="inline">
          {levels.map((l) => (
            <label key={l} className="check">
              <input
                type="checkbox"
                checked={targetLevels.includes(l)}
                onChange={(e) => setTargetLevels((ls) => (e.target.checked ? [...ls, l] : ls.filter((x) => x !== l)))}
              />
              全部{LEVEL[l]}
            </label>
          ))}
        </div>
        <FieldError className="error field-error" id={`${id}-levels-err`} text={beside('targetLevels')} />
      </fieldset>
      <label>
        或指定组织（编号，逗号分隔，可不填）
        <input
          value={orgIds}
          onChange={(e) => setOrgIds(e.target.value)}
          placeholder="如：tj-d1-u1, tj-d1-u2"
          aria-invalid={field === 'targetOrgIds'}
          aria-describedby={`${id}-orgs-err`}
        />
        <FieldError className="error field-error" id={`${id}-orgs-err`} text={beside('targetOrgIds')} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? '正在下达…' : '下达'}
      </button>
      {outcome?.ok && (
        <p role="status" className="ok">
          {outcome.text}
        </p>
      )}
      {err !== undefined && !field && (
        <p role="alert" className="error">
          未下达：{refusalText(err)}
        </p>
      )}
    </form>
  );
}

/** One directive: its coverage tree from this org down, a level at a time; its lagging list; cancelling it. */
function DirectiveDetail({
  campaignId,
  orgId,
  directive,
  mayCancel,
  onCancelled,
}: {
  campaignId: string;
  orgId: string;
  directive: Issued;
  mayCancel: boolean;
  onCancelled: () => void;
}) {
  const [trail, setTrail] = useState<{ orgId: string; name: string }[]>([]);
  const at = trail.at(-1)?.orgId ?? orgId;
  const childPaging = useCursorPages();
  const laggingPaging = useCursorPages();
  const tree = usePolled(
    () => directivesApi.tree(campaignId, at, directive.directive_id, childPaging.cursor),
    `${at}/${directive.directive_id}/${childPaging.cursor ?? ''}`,
  );
  const lagging = usePolled(
    () => directivesApi.lagging(campaignId, at, directive.directive_id, laggingPaging.cursor),
    `${at}/${directive.directive_id}/${laggingPaging.cursor ?? ''}`,
  );
  const drill = (to: { orgId: string; name: string }[]) => {
    setTrail(to);
    childPaging.reset();
    laggingPaging.reset();
  };
  const here = tree.data?.orgId === at ? tree.data : undefined;
  const titleId = `detail-${directive.directive_id}`;

  return (
    <section className="card detail" aria-labelledby={titleId} data-testid="directive-detail">
      <h2 id={titleId}>落实情况：{directive.title}</h2>
      <p className="sub">
        {DIRECTIVE_KIND[directive.kind] ?? directive.kind} · 期限 {day(directive.deadline)} · 下达于 {cst(directive.issued_at)} · 下达到 {targets(directive)}
      </p>
      <p className="instructions">{directive.instructions}</p>

      <nav aria-label="逐级下钻" className="crumbs">
        {trail.length === 0 ? (
          <span aria-current="location">{here?.name ?? '本级'}</span>
        ) : (
          <button type="button" className="link" onClick={() => drill([])}>
            本级
          </button>
        )}
        {trail.map((t, i) => (
          <span key={t.orgId}>
            {' › '}
            {i === trail.length - 1 ? (
              <span aria-current="location">{t.name}</span>
            ) : (
              <button type="button" className="link" onClick={() => drill(trail.slice(0, i + 1))}>
                {t.name}
              </button>
            )}
          </span>
        ))}
      </nav>

      {!here ? (
        tree.error ? (
          <p role="alert">{tree.error}</p>
        ) : (
          <p>加载中…</p>
        )
      ) : (
        <>
          <div className="scroll">
            <table className="coverage" data-testid="coverage-tree">
              <thead>
                <tr>
                  <th scope="col">组织</th>
                  <th scope="col">颜色</th>
                  {COVERAGE_HEADS}
                  <th scope="col">下钻</th>
                </tr>
              </thead>
              <tbody>
                <tr className="total" data-org={here.orgId}>
                  <th scope="row">
                    {here.name}（合计）
                    <div className="id">{LEVEL_SHORT[here.level]}</div>
                  </th>
                  <td>
                    <CoverageBadge c={here.coverage} />
                  </td>
                  <CoverageCells c={here.coverage} />
                  <td />
                </tr>
                {here.children.map((c) => (
                  <tr key={c.orgId} data-org={c.orgId}>
                    <th scope="row">
                      {c.name}
                      <div className="id">
                        {c.orgId} · {LEVEL_SHORT[c.level]}
                      </div>
                    </th>
                    <td>
                      <CoverageBadge c={c.coverage} />
                    </td>
                    <CoverageCells c={c.coverage} />
                    <td className="actions">
                      {c.level !== 'branch' && c.coverage && c.coverage.targeted > 0 ? (
                        <button
                          type="button"
                          className="secondary"
                          onClick={() => drill([...trail, { orgId: c.orgId, name: c.name }])}
                          aria-label={`下钻到 ${c.name}`}
                        >
                          下钻
                        </button>
                      ) : (
                        <a href={orgPageHref(campaignId, c.orgId)} aria-label={`${c.name} 详情`}>
                          详情
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="下级落实情况" paging={childPaging} nextCursor={here.nextCursor} hideAlone />
          {here.coverage && (
            <p className="hint">
              按层级：
              {Object.entries(here.coverage.byLevel)
                .map(([l, c]) => `${LEVEL_SHORT[l] ?? l} 应完成 ${c.targeted}、已完成 ${c.done}、待核验 ${c.rectified}、未完成 ${c.lagging}`)
                .join('；')}
              。已完成：上级已核验销号（不整改不销号）；待核验：已整改、待上级核验，已完成自己的部分，不算滞后；推进中：尚未整改完成、未过期限。颜色：红 =
              有逾期；黄 = 尚有未完成；绿 = 均已完成或待核验。
            </p>
          )}
        </>
      )}

      <h3 id={`${titleId}-lagging`}>未完成的组织（{trail.at(-1)?.name ?? '本级'}以下）</h3>
      <div className="scroll">
        <table aria-labelledby={`${titleId}-lagging`} data-testid="lagging">
          <TableHead cols={['组织', '事项状态', '期限', '预警']} />
          <tbody>
            {lagging.data?.items.map((l) => (
              <tr key={l.org_id} data-org={l.org_id}>
                <td>
                  <a href={orgPageHref(campaignId, l.org_id)}>{l.name}</a>
                  <div className="id">{l.org_id}</div>
                </td>
                <td>{PROBLEM_STATUS[l.status] ?? l.status}</td>
                <td>{l.deadline ? day(l.deadline) : '—'}</td>
                <td>{l.overdue ? <span className="badge red">逾期</span> : l.alert === 'yellow' ? <span className="badge yellow">临近期限</span> : '—'}</td>
              </tr>
            ))}
            {lagging.data?.items.length === 0 && <EmptyRow cols={4}>没有未完成的组织。</EmptyRow>}
          </tbody>
        </table>
      </div>
      <Pager label="未完成的组织" paging={laggingPaging} nextCursor={lagging.data?.nextCursor} hideAlone />

      {mayCancel && !directive.cancelled && <CancelDirective campaignId={campaignId} orgId={orgId} directive={directive} onCancelled={onCancelled} />}
    </section>
  );
}

/** Cancel, after a confirmation that says what it does below. */
function CancelDirective({ campaignId, orgId, directive, onCancelled }: { campaignId: string; orgId: string; directive: Issued; onCancelled: () => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await directivesApi.cancel(campaignId, orgId, directive.directive_id);
      setAsking(false);
      onCancelled();
    } catch (err) {
      setError(refusalText(err));
    } finally {
      setBusy(false);
    }
  };
  let body: ReactNode;
  if (!asking) {
    body = (
      <button
        type="button"
        className="secondary danger"
        onClick={() => {
          setAsking(true);
          setTimeout(() => confirmRef.current?.focus());
        }}
      >
        撤销此部署
      </button>
    );
  } else {
    body = (
      <div role="alertdialog" aria-labelledby="cancel-q" className="confirm">
        <p id="cancel-q">确认撤销“{directive.title}”？各级台账中尚未销号的相应事项将一并撤销，此操作不能恢复。</p>
        <button type="button" ref={confirmRef} disabled={busy} onClick={() => void cancel()}>
          {busy ? '正在撤销…' : '确认撤销'}
        </button>{' '}
        <button type="button" className="secondary" onClick={() => setAsking(false)}>
          不撤销
        </button>
      </div>
    );
  }
  return (
    <div className="cancel">
      {body}
      {error && (
        <p role="alert" className="error">
          未撤销：{error}
        </p>
      )}
    </div>
  );
}

/** 为基层减负: this week's requests for information against the cap, by week and level in the subtree, and the refusals. */
function InformationRequests({ campaignId, orgId, week }: { campaignId: string; orgId: string; week: ThisWeek | undefined }) {
  const { data } = usePolled(() => directivesApi.informationRequests(campaignId, orgId), `${campaignId}/${orgId}`);
  return (
    <section className="card" aria-labelledby="ir-title">
      <h2 id="ir-title">要材料统计（为基层减负）</h2>
      <p className="sub">{allowanceText(week)}</p>
      {data && (
        <div className="two">
          <div className="scroll">
            <table aria-label="各周要材料数量（本级及以下）">
              <TableHead cols={['周（周一起）', '层级', '已发', '超限被拒']} />
              <tbody>
                {data.byWeek.slice(0, 12).map((w) => (
                  <tr key={`${w.week} ${w.level}`}>
                    <td>{day(w.week)}</td>
                    <td>{LEVEL_SHORT[w.level] ?? w.level}</td>
                    <td>{w.sent}</td>
                    <td>{w.refused}</td>
                  </tr>
                ))}
                {data.byWeek.length === 0 && <EmptyRow cols={4}>尚无要材料通知。</EmptyRow>}
              </tbody>
            </table>
          </div>
          <div className="scroll">
            <table aria-label="超限被拒的要材料通知（最近）" data-testid="refusals">
              <TableHead cols={['被拒时间', '组织', '标题', '上限 / 已发']} />
              <tbody>
                {data.refusals.map((r, i) => (
                  <tr key={`${r.directive_id}-${i}`}>
                    <td>{cst(r.refused_at)}</td>
                    <td className="id">{r.org_id}</td>
                    <td>{r.title}</td>
                    <td>
                      {r.cap} / {r.sent}
                    </td>
                  </tr>
                ))}
                {data.refusals.length === 0 && <EmptyRow cols={4}>没有超限被拒的通知。</EmptyRow>}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
