import { useState, type FormEvent } from 'react';
import { api, type Me } from './api.ts';
import { ledgerApi, Refusal, type HistoryEntry, type LedgerQuery, type LedgerRow } from './ledger-api.ts';
import { actionsFor, fieldZh, mayOn, refusalZh } from './ledger-rules.ts';
import { useHash, usePolled } from './hooks.ts';
import { EmptyRow, Pager, SelectFilter, TableHead, useCursorPages } from './list-parts.tsx';
import { overviewHref, screenHref } from './routes.ts';
import { cst, day, todayInChina } from './time.ts';
import { ITEM_COLOUR, ITEM_EVENT, ITEM_STATUS, LEVEL_SHORT, ROLE, SOURCE } from './zh.ts';

const PAGE = 50;
type Filter = Pick<LedgerQuery, 'status' | 'colour' | 'source' | 'level'>;
const ITEM_COLOURS = [
  ['red', '红：逾期'],
  ['yellow', '黄：临近期限'],
  ['none', '无预警'],
] as const;

/** The ledger screen's address with an item open (`?item=<orgId>/<problemId>`). */
export const ledgerItemHref = (campaignId: string, orgId: string, itemOrgId: string, problemId: string) =>
  `${screenHref(campaignId, orgId, 'ledger')}?item=${encodeURIComponent(`${itemOrgId}/${problemId}`)}`;

/** A deadline: the day when it is the end of a day in China (a date was given), else the instant. */
function deadlineText(instant: string): string {
  const cstTime = new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(11, 19);
  return cstTime === '23:59:59' ? day(instant) : cst(instant);
}

/** Screen 3: the ledger (整改台账) across the org's subtree, an item's history, and the actions each role may take on it. */
export function Ledger({ me, campaignId, orgId }: { me: Me; campaignId: string; orgId: string }) {
  const [filter, setFilter] = useState<Filter>({});
  const paging = useCursorPages();
  const { cursor } = paging;
  const query: LedgerQuery = { limit: PAGE, ...filter, ...(cursor ? { cursor } : {}) };
  const { data, error, refresh, updatedAt } = usePolled(
    async () => {
      const [overview, page] = await Promise.all([api.overview(campaignId, orgId, { limit: 1 }), ledgerApi.list(campaignId, orgId, query)]);
      return { org: overview.org, page };
    },
    JSON.stringify([campaignId, orgId, query]),
  );
  const hash = useHash();
  const open = new URLSearchParams(hash.split('?')[1] ?? '').get('item');
  const [itemOrgId, problemId] = open?.includes('/') ? [open.slice(0, open.indexOf('/')), open.slice(open.indexOf('/') + 1)] : [];
  const set = (k: keyof Filter, v: string) => {
    setFilter((f) => ({ ...f, [k]: v || undefined }));
    paging.reset();
  };

  if (!data) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;
  const { org, page } = data;
  const csvStatus = filter.status && filter.status !== 'cancelled' ? filter.status : undefined;
  return (
    <>
      <section className="card head" aria-labelledby="ledger-title">
        <div className="title-row">
          <h1 id="ledger-title">整改台账</h1>
          <span className="level">{org.name}（含下级）</span>
        </div>
        <p className="sub">
          查摆问题 → 制定整改措施 → 整改 → 提交整改材料 → 上级核验销号（不整改不销号）。
          <a href={ledgerApi.csvHref(campaignId, orgId, csvStatus)} download>
            导出 CSV（问题清单与成效清单{csvStatus ? `，${ITEM_STATUS[csvStatus]}` : ''}）
          </a>
        </p>
      </section>

      {itemOrgId && problemId && (
        <ItemDetail
          key={open}
          me={me}
          campaignId={campaignId}
          orgId={itemOrgId}
          problemId={problemId}
          closeHref={screenHref(campaignId, orgId, 'ledger')}
          onChanged={refresh}
        />
      )}

      <section className="card" aria-labelledby="ledger-list-title">
        <h2 id="ledger-list-title">事项（第 {paging.page} 页）</h2>
        <div className="controls ledger-filters">
          <SelectFilter id="ledger-status" label="状态" value={filter.status} onChange={(v) => set('status', v)} options={Object.entries(ITEM_STATUS)} />
          <SelectFilter id="ledger-colour" label="预警" value={filter.colour} onChange={(v) => set('colour', v)} options={ITEM_COLOURS} />
          <SelectFilter id="ledger-source" label="来源" value={filter.source} onChange={(v) => set('source', v)} options={Object.entries(SOURCE)} />
          <SelectFilter id="ledger-level" label="层级" value={filter.level} onChange={(v) => set('level', v)} options={Object.entries(LEVEL_SHORT)} />
        </div>
        <div className="scroll">
          <table className="ledger" data-testid="ledger-table">
            <TableHead cols={['预警', '组织', '问题', '来源', '状态', '责任人 · 期限', '操作']} />
            <tbody>
              {page.items.map((r) => (
                <Row
                  key={`${r.org_id}/${r.problem_id}`}
                  r={r}
                  href={ledgerItemHref(campaignId, orgId, r.org_id, r.problem_id)}
                  campaignId={campaignId}
                  selected={open === `${r.org_id}/${r.problem_id}`}
                />
              ))}
              {page.items.length === 0 && <EmptyRow cols={7}>没有符合条件的事项。</EmptyRow>}
            </tbody>
          </table>
        </div>
        <Pager paging={paging} nextCursor={page.nextCursor} per={`每页 ${PAGE} 项`} />
        <p className="hint">
          预警：红 = 已过整改期限仍未整改完成；黄 = 临近期限；已提交整改材料或已销号的事项不再预警。每 3 秒自动刷新{updatedAt && `，更新于 ${cst(updatedAt)}`}。
        </p>
      </section>
    </>
  );
}

function ColourMark({ colour }: { colour: string }) {
  if (colour === 'none') return <span className="ledger-none">—</span>;
  return (
    <span className={`badge ${colour}`} data-colour={colour}>
      <span aria-hidden="true" className="dot" />
      {ITEM_COLOUR[colour]}
    </span>
  );
}

function Row({ r, href, campaignId, selected }: { r: LedgerRow; href: string; campaignId: string; selected: boolean }) {
  return (
    <tr data-item={`${r.org_id}/${r.problem_id}`} aria-current={selected || undefined} className={selected ? 'selected' : undefined}>
      <td>
        <ColourMark colour={r.colour} />
      </td>
      <td>
        <a href={overviewHref(campaignId, r.org_id)}>{r.org_name}</a>
        <div className="id">
          {LEVEL_SHORT[r.org_level]} · {r.org_id}
        </div>
      </td>
      <td>
        <strong>{r.category}</strong> {r.description}
        <div className="id">{r.problem_id}</div>
      </td>
      <td>{SOURCE[r.source] ?? r.source}</td>
      <td>
        {ITEM_STATUS[r.status] ?? r.status}
        {r.returns > 0 && <div className="id">退回 {r.returns} 次</div>}
      </td>
      <td>
        {r.owner ?? '—'}
        {r.deadline && (
          <div>
            {deadlineText(r.deadline)}
            {r.extended_from && '（已延期）'}
          </div>
        )}
      </td>
      <td className="actions">
        <a href={href} aria-label={`查看 ${r.problem_id}`}>
          查看与办理
        </a>
      </td>
    </tr>
  );
}

/** One item: what the ledger holds, what happened to it, and what the caller may do now. */
function ItemDetail({
  me,
  campaignId,
  orgId,
  problemId,
  closeHref,
  onChanged,
}: {
  me: Me;
  campaignId: string;
  orgId: string;
  problemId: string;
  closeHref: string;
  onChanged: () => void;
}) {
  const { data, error, refresh } = usePolled(() => ledgerApi.history(campaignId, orgId, problemId), `${campaignId}/${orgId}/${problemId}`);
  const [notice, setNotice] = useState<string>();
  if (!data) return <section className="card">{error ? <p role="alert">{error}</p> : <p>加载中…</p>}</section>;
  const { item, events } = data;
  const may = mayOn(me, item.path);
  const actions = actionsFor(item, may);
  const done = (text: string) => {
    setNotice(text);
    refresh();
    onChanged();
  };
  const act = { campaignId, orgId, problemId, onDone: done };
  return (
    <section className="card item-detail" aria-labelledby="item-title" data-testid="item-detail">
      <div className="title-row">
        <h2 id="item-title">
          {item.category}：{item.description}
        </h2>
        {item.colour !== 'none' && <ColourMark colour={item.colour} />}
        <a href={closeHref} className="close">
          关闭
        </a>
      </div>
      <dl className="item-facts">
        <div>
          <dt>编号</dt>
          <dd className="id">{item.problem_id}</dd>
        </div>
        <div>
          <dt>组织</dt>
          <dd>
            <a href={overviewHref(campaignId, item.org_id)}>{item.org_name}</a>（{LEVEL_SHORT[item.org_level]}）
          </dd>
        </div>
        <div>
          <dt>来源</dt>
          <dd>{SOURCE[item.source] ?? item.source}</dd>
        </div>
        <div>
          <dt>状态</dt>
          <dd data-testid="item-status">{ITEM_STATUS[item.status] ?? item.status}</dd>
        </div>
        <div>
          <dt>责任人</dt>
          <dd>{item.owner ?? '—'}</dd>
        </div>
        <div>
          <dt>整改措施</dt>
          <dd>{item.measures ?? '—'}</dd>
        </div>
        <div>
          <dt>整改期限</dt>
          <dd>
            {item.deadline ? deadlineText(item.deadline) : '—'}
            {item.extended_from && `（原期限 ${deadlineText(item.extended_from)}，延期理由：${item.extension_reason ?? '—'}）`}
          </dd>
        </div>
        {item.evidence && (
          <div>
            <dt>整改材料</dt>
            <dd>{item.evidence}</dd>
          </div>
        )}
        {item.return_reason && (
          <div>
            <dt>退回理由</dt>
            <dd>{item.return_reason}</dd>
          </div>
        )}
        {item.result && (
          <div>
            <dt>整改成效</dt>
            <dd>{item.result}</dd>
          </div>
        )}
      </dl>

      {notice && (
        <p role="status" className="ok notice">
          {notice}
        </p>
      )}
      {actions.length > 0 ? (
        <div className="item-actions">
          {actions.includes('plan') && (
            <ActionForm
              {...act}
              id="plan"
              title="制定整改措施"
              fields={[
                { name: 'owner', label: '责任人', required: true },
                { name: 'measures', label: '整改措施', kind: 'textarea', required: true },
                { name: 'deadline', label: '整改期限', kind: 'date', required: true, initial: todayInChina() },
              ]}
              buttons={[
                {
                  label: '确定整改措施',
                  run: (v) =>
                    ledgerApi
                      .plan(campaignId, orgId, problemId, { owner: v.owner!, measures: v.measures!, deadline: v.deadline! })
                      .then(() => '已制定整改措施。'),
                },
              ]}
            />
          )}
          {actions.includes('start') && (
            <ActionForm
              {...act}
              id="start"
              title="开始整改"
              fields={[]}
              buttons={[{ label: '开始整改', run: () => ledgerApi.start(campaignId, orgId, problemId).then(() => '已开始整改。') }]}
            />
          )}
          {actions.includes('submit') && (
            <ActionForm
              {...act}
              id="submit"
              title="提交整改材料"
              fields={[
                { name: 'evidence', label: '整改情况与材料', kind: 'textarea', required: true },
                { name: 'attachments', label: '附件名称（可选，多个用逗号分隔）' },
              ]}
              buttons={[
                {
                  label: '提交整改材料',
                  run: (v) => {
                    const attachments = (v.attachments ?? '')
                      .split(/[,，]/)
                      .map((s) => s.trim())
                      .filter(Boolean);
                    return ledgerApi
                      .submit(campaignId, orgId, problemId, { evidence: v.evidence!, ...(attachments.length ? { attachments } : {}) })
                      .then(() => '已提交整改材料，等待上级核验销号。');
                  },
                },
              ]}
            />
          )}
          {actions.includes('extend') && (
            <ActionForm
              {...act}
              id="extend"
              title="申请延期（仅限一次）"
              fields={[
                { name: 'deadline', label: '新的期限', kind: 'date', required: true },
                { name: 'reason', label: '延期理由', kind: 'textarea', required: true },
              ]}
              buttons={[
                {
                  label: '延期',
                  run: (v) =>
                    ledgerApi
                      .extend(campaignId, orgId, problemId, { deadline: v.deadline!, reason: v.reason! })
                      .then((a) => `已延期至 ${deadlineText(a.deadline)}。`),
                },
              ]}
            />
          )}
          {actions.includes('verify') && (
            <ActionForm
              {...act}
              id="verify"
              title="核验销号"
              fields={[{ name: 'reason', label: '核验意见（退回时必填）', kind: 'textarea' }]}
              buttons={[
                {
                  label: '核验销号',
                  run: (v) =>
                    ledgerApi
                      .verify(campaignId, orgId, problemId, { decision: 'verified', ...(v.reason ? { reason: v.reason } : {}) })
                      .then(() => '已核验销号。'),
                },
                {
                  label: '退回整改',
                  secondary: true,
                  run: (v) =>
                    ledgerApi
                      .verify(campaignId, orgId, problemId, { decision: 'returned', ...(v.reason ? { reason: v.reason } : {}) })
                      .then(() => '已退回整改。'),
                },
              ]}
            />
          )}
        </div>
      ) : (
        <p className="hint" data-testid="no-actions">
          {item.status === 'closed'
            ? '已销号。'
            : item.status === 'rectified'
              ? '已提交整改材料，等待上级督导或组织者核验销号。'
              : `您（${ROLE[me.role] ?? me.role}）对此事项当前没有可办理的操作。`}
        </p>
      )}

      <h3 id="history-title">全过程记录</h3>
      <ol className="timeline" data-testid="item-history" aria-labelledby="history-title" tabIndex={0}>
        {events.map((e) => (
          <li key={e.seq}>
            <time dateTime={e.occurredAt}>{cst(e.occurredAt)}</time>
            <strong>{ITEM_EVENT[e.type] ?? e.type}</strong>
            <span>{historyDetail(e)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** One history entry's fields as a line. */
function historyDetail(e: HistoryEntry): string {
  const f = e.fields;
  const s = (k: string) => (typeof f[k] === 'string' ? f[k] : undefined);
  const parts: string[] = [];
  if (e.type === 'ProblemRecorded' && s('source')) parts.push(SOURCE[s('source')!] ?? s('source')!);
  if (s('owner')) parts.push(`责任人 ${s('owner')}`);
  if (s('measures')) parts.push(`措施：${s('measures')}`);
  if (e.type === 'DeadlineExtended') parts.push(`期限 ${deadlineText(s('from')!)} → ${deadlineText(s('to')!)}`);
  else if (s('deadline')) parts.push(`期限 ${deadlineText(s('deadline')!)}`);
  if (s('alert')) parts.push(s('alert') === 'red' ? '已逾期' : '临近期限');
  if (s('evidence')) parts.push(`材料：${s('evidence')}`);
  if (Array.isArray(f.attachments) && f.attachments.length) parts.push(`附件：${f.attachments.join('、')}`);
  if (s('reason')) parts.push(`理由：${s('reason')}`);
  if (s('note')) parts.push(`意见：${s('note')}`);
  if (s('date')) parts.push(day(s('date')!));
  if (s('by')) parts.push(ROLE[s('by')!.split(':')[0]!] ?? s('by')!);
  return parts.join(' · ');
}

interface FieldSpec {
  name: string;
  label: string;
  kind?: 'text' | 'textarea' | 'date';
  required?: boolean;
  initial?: string;
}
interface ButtonSpec {
  label: string;
  secondary?: boolean;
  run: (values: Record<string, string>) => Promise<string>;
}

/**
 * An action on the item: its fields, its buttons, and the API's answer: a refusal that names
 * a field is shown beside that field, in plain words; any other under the buttons.
 */
function ActionForm({
  id,
  title,
  fields,
  buttons,
  onDone,
}: {
  id: string;
  title: string;
  fields: FieldSpec[];
  buttons: ButtonSpec[];
  onDone: (text: string) => void;
  campaignId: string;
  orgId: string;
  problemId: string;
}) {
  const initial = () => Object.fromEntries(fields.map((f) => [f.name, f.initial ?? '']));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const run = async (button: ButtonSpec) => {
    setBusy(true);
    setMessage(undefined);
    setFieldErrors({});
    try {
      const text = await button.run(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()])));
      setValues(initial());
      onDone(text);
    } catch (err) {
      if (!(err instanceof Refusal)) {
        setMessage(err instanceof Error ? err.message : String(err));
        return;
      }
      const plain = refusalZh(err.status, err.detail);
      const named = Object.keys(err.fields).filter((k) => fields.some((f) => f.name === k));
      // A field the workflow named carries the refusal itself; one the schema named, its own message.
      setFieldErrors(Object.fromEntries(named.map((k) => [k, err.status === 400 ? fieldZh(err.fields[k]!) : plain])));
      setMessage(named.length ? undefined : plain);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(buttons[0]!);
  };
  return (
    <form className="card form action" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)} noValidate={false}>
      <h3 id={`${id}-title`}>{title}</h3>
      {fields.map((f) => {
        const fid = `${id}-${f.name}`;
        const err = fieldErrors[f.name];
        const common = {
          id: fid,
          required: f.required,
          value: values[f.name] ?? '',
          'aria-invalid': err ? true : undefined,
          'aria-describedby': err ? `${fid}-error` : undefined,
          onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [f.name]: e.target.value })),
        };
        return (
          <div className={`field${err ? ' invalid' : ''}`} key={f.name} data-field={f.name}>
            <label htmlFor={fid}>{f.label}</label>
            {f.kind === 'textarea' ? <textarea rows={2} maxLength={4000} {...common} /> : <input type={f.kind === 'date' ? 'date' : 'text'} {...common} />}
            {err && (
              <p id={`${fid}-error`} role="alert" className="error">
                {err}
              </p>
            )}
          </div>
        );
      })}
      <div className="inline">
        {buttons.map((b, i) => (
          <button
            key={b.label}
            type={i === 0 ? 'submit' : 'button'}
            className={b.secondary ? 'secondary' : undefined}
            disabled={busy}
            onClick={i === 0 ? undefined : () => void run(b)}
          >
            {b.label}
          </button>
        ))}
      </div>
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
    </form>
  );
}
