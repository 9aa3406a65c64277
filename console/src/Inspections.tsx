/**
 * 巡回督导: the guidance groups' working screen (巡回指导组, 暗访抽查) for those of a group (an
 * admin, an organiser over its scope, the inspectors it names): their groups, a group's rounds,
 * a round's sample, interviews and findings (a finding becomes an item, source spot check, in
 * the inspected org's ledger once issued), issuing the findings and circulating the notice.
 * Everyone, a branch secretary included, sees the notices (通报) that concern the org on screen.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { Me } from './api.ts';
import { usePolled } from './hooks.ts';
import { EmptyRow, Pager, TableHead, useCursorPages } from './list-parts.tsx';
import { FieldError } from './parts.tsx';
import { FieldRefusal, inspectionsApi, newRoundId, type Prevention, type Round } from './inspections-api.ts';
import { orgPageHref } from './routes.ts';
import type { ScreenProps } from './screen-props.ts';
import { cst } from './time.ts';
import { noticeZh, PREVENTION, ROLE, ROUND_STATUS, ruleDetailZh } from './zh.ts';

const GROUPS_PAGE = 20;
const NOTICES_PAGE = 10;

/** Roles that can be of a guidance group (the API decides which groups: GET …/guidance-groups lists only the caller's). */
const mayBeOfAGroup = (me: Me) => me.role === 'admin' || me.role === 'organiser' || me.role === 'inspector';

export function Inspections({ me, campaignId, orgId }: ScreenProps) {
  return (
    <>
      {mayBeOfAGroup(me) && <Groups campaignId={campaignId} orgId={orgId} />}
      <Notices campaignId={campaignId} orgId={orgId} />
    </>
  );
}

// ---- a form's sending, with the API's answer and the fields its refusal names

function useSend() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const run = async (e: FormEvent | undefined, action: () => Promise<string>) => {
    e?.preventDefault();
    setBusy(true);
    setMessage(undefined);
    setFields({});
    try {
      setMessage({ ok: true, text: await action() });
    } catch (err) {
      if (err instanceof FieldRefusal) setFields(err.fields);
      setMessage({ ok: false, text: refusalWords(err) });
    } finally {
      setBusy(false);
    }
  };
  const answer = message && (
    <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
      {message.text}
    </p>
  );
  return { busy, run, answer, fields };
}

/** The API's refusal in plain words (its own detail when no plainer one applies). */
function refusalWords(err: unknown): string {
  if (!(err instanceof FieldRefusal)) return err instanceof Error ? err.message : String(err);
  if (err.status === 404) return '该轮抽查不存在，或您不在该巡回指导组中。';
  if (err.status === 409 && /circulated/.test(err.message)) return '该轮已通报结束，不再接受新的记录。';
  if (err.status === 409 && /already issued|issued already/.test(err.message)) return '问题已下发，不能再添加。';
  if (err.status === 409 && /not issued/.test(err.message)) return '请先下发问题，再印发通报。';
  if (err.status === 409 && /is (closing|completed|closed)/.test(err.message)) return '活动已不在进行中，不能开始新的抽查。';
  if (err.status === 422 && Object.keys(err.fields).length) return '未能提交：请按标出的提示修改。';
  if (err.status === 400 && Object.keys(err.fields).length) return '未能提交：请按标出的提示修改。';
  if (err.status === 403) return '无权操作：只有该巡回指导组的督导、其范围之上的组织者或管理员可以操作。';
  return err.message;
}

// ---- the groups (working screen)

function Groups({ campaignId, orgId }: { campaignId: string; orgId: string }) {
  const paging = useCursorPages();
  const [chosen, setChosen] = useState<string>();
  const { cursor } = paging;
  const { data, error } = usePolled(
    () => inspectionsApi.groups(campaignId, orgId, { limit: GROUPS_PAGE, ...(cursor ? { cursor } : {}) }),
    `${campaignId}/${orgId}/${cursor ?? ''}`,
  );
  const groupId = chosen ?? data?.items[0]?.groupId;
  return (
    <>
      <section className="card" aria-labelledby="groups-title">
        <h1 id="groups-title">巡回指导组 · 暗访抽查</h1>
        {error && !data ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : !data ? (
          <p>加载中…</p>
        ) : data.items.length === 0 ? (
          <p>没有您所在、在本组织开展工作的巡回指导组（巡回指导组由活动的组织者组建并指定督导）。</p>
        ) : (
          <>
            <ul className="groups" aria-label="我所在的巡回指导组">
              {data.items.map((g) => (
                <li key={g.groupId}>
                  <button
                    type="button"
                    className={g.groupId === groupId ? '' : 'secondary'}
                    aria-pressed={g.groupId === groupId}
                    onClick={() => setChosen(g.groupId)}
                  >
                    {g.name}
                  </button>{' '}
                  <span className="hint">
                    范围 <span className="id">{g.scopeOrgId}</span> · 督导 {g.inspectorTokenIds.length} 名
                  </span>
                </li>
              ))}
            </ul>
            <Pager paging={paging} nextCursor={data.nextCursor} hideAlone />
          </>
        )}
      </section>
      {groupId && <GroupPanel key={groupId} campaignId={campaignId} groupId={groupId} />}
    </>
  );
}

function GroupPanel({ campaignId, groupId }: { campaignId: string; groupId: string }) {
  const { data: group, error, refresh } = usePolled(() => inspectionsApi.group(campaignId, groupId), `${campaignId}/${groupId}`);
  const [roundId, setRoundId] = useState<string>();
  if (!group)
    return error ? (
      <p role="alert" className="error">
        {error}
      </p>
    ) : (
      <p>加载中…</p>
    );
  const shown = roundId ?? group.rounds.at(-1)?.round_id;
  return (
    <>
      <section className="card" aria-labelledby="group-title">
        <h2 id="group-title">{group.name}</h2>
        <p className="sub">
          抽查范围 <a href={orgPageHref(campaignId, group.scopeOrgId)}>{group.scopeOrgId}</a> 及其下级 · 组建于 {group.createdAt ? cst(group.createdAt) : '—'}
        </p>
        <h3>各轮抽查（{group.rounds.length}）</h3>
        <div className="scroll">
          <table>
            <TableHead cols={['轮次', '范围', '抽取', '状态', '开始', '操作']} />
            <tbody>
              {group.rounds.map((r) => (
                <tr key={r.round_id} data-round={r.round_id}>
                  <td className="id">{r.round_id}</td>
                  <td className="id">{r.scope_org_id}</td>
                  <td>{r.sample_size} 个</td>
                  <td>{ROUND_STATUS[r.status] ?? r.status}</td>
                  <td>{r.started_at ? cst(r.started_at) : '—'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-pressed={r.round_id === shown}
                      onClick={() => setRoundId(r.round_id)}
                      aria-label={`打开 ${r.round_id}`}
                    >
                      打开
                    </button>
                  </td>
                </tr>
              ))}
              {group.rounds.length === 0 && <EmptyRow cols={6}>尚未开展抽查。</EmptyRow>}
            </tbody>
          </table>
        </div>
        <StartRound
          campaignId={campaignId}
          groupId={groupId}
          scopeOrgId={group.scopeOrgId}
          onStarted={(id) => {
            setRoundId(id);
            refresh();
          }}
        />
      </section>
      {shown && <RoundPanel key={shown} campaignId={campaignId} roundId={shown} onChanged={refresh} />}
    </>
  );
}

function StartRound({
  campaignId,
  groupId,
  scopeOrgId,
  onStarted,
}: {
  campaignId: string;
  groupId: string;
  scopeOrgId: string;
  onStarted: (roundId: string) => void;
}) {
  const [scope, setScope] = useState('');
  const [size, setSize] = useState('3');
  const [stratify, setStratify] = useState(false);
  const { busy, run, answer, fields } = useSend();
  return (
    <form
      className="form start-round"
      aria-labelledby="start-round-title"
      onSubmit={(e) =>
        void run(e, async () => {
          const roundId = newRoundId();
          const started = await inspectionsApi.startRound(campaignId, groupId, {
            roundId,
            sampleSize: Number(size),
            stratifyByLevel: stratify,
            ...(scope.trim() ? { scopeOrgId: scope.trim() } : {}),
          });
          onStarted(started.roundId);
          return `已开始抽查 ${started.roundId}（随机种子 ${started.seed}，可复现）：被抽查单位事先不会收到通知。`;
        })
      }
    >
      <h3 id="start-round-title">开始一轮暗访抽查</h3>
      <div className="inline">
        <label>
          抽查范围（组织编号，留空为 {scopeOrgId}）
          <input
            value={scope}
            onChange={(e) => setScope(e.target.value)}
            placeholder={scopeOrgId}
            aria-describedby={fields.scopeOrgId ? 'scope-error' : undefined}
            aria-invalid={!!fields.scopeOrgId}
          />
          <FieldError
            id="scope-error"
            text={fields.scopeOrgId && (fields.scopeOrgId === 'unknown org' ? '没有这个组织' : `不在本组的抽查范围内：须为 ${scopeOrgId} 或其下级组织`)}
          />
        </label>
        <label>
          抽取单位数
          <input
            type="number"
            required
            min={1}
            max={1000}
            step={1}
            inputMode="numeric"
            value={size}
            onChange={(e) => setSize(e.target.value)}
            aria-invalid={!!fields.sampleSize}
          />
          <FieldError id="size-error" text={fields.sampleSize} />
        </label>
        <label className="check">
          <input type="checkbox" checked={stratify} onChange={(e) => setStratify(e.target.checked)} />
          按层级分层抽样
        </label>
        <button type="submit" disabled={busy}>
          {busy ? '正在开始…' : '开始抽查'}
        </button>
      </div>
      {answer}
    </form>
  );
}

// ---- one round

/** The sampled orgs' names (a round samples a few; at most the first 100 are looked up, the rest show their id). */
function useOrgNames(ids: string[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = ids.slice(0, 100).join(',');
  useEffect(() => {
    let live = true;
    const wanted = key ? key.split(',') : [];
    void Promise.all(wanted.map(async (id) => [id, await inspectionsApi.orgName(id).catch(() => id)] as const)).then((pairs) => {
      if (live) setNames(Object.fromEntries(pairs));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return names;
}

function RoundPanel({ campaignId, roundId, onChanged }: { campaignId: string; roundId: string; onChanged: () => void }) {
  const { data: round, error, refresh } = usePolled(() => inspectionsApi.round(campaignId, roundId), `${campaignId}/${roundId}`);
  const names = useOrgNames(round?.sample ?? []);
  const named = (id: string) => (names[id] && names[id] !== id ? `${names[id]}（${id}）` : id);
  if (!round) return <section className="card">{error ? <p>正在抽样，稍候…</p> : <p>加载中…</p>}</section>;
  const changed = () => {
    refresh();
    onChanged();
  };
  const open = round.status !== 'circulated';
  return (
    <section className="card round" aria-labelledby="round-title" data-testid="round" data-status={round.status}>
      <h2 id="round-title">
        抽查 <span className="id">{round.round_id}</span> · <span data-testid="round-status">{ROUND_STATUS[round.status] ?? round.status}</span>
      </h2>
      <p className="sub">
        范围 <span className="id">{round.scope_org_id}</span> · 抽取 {round.sample_size} 个 · 随机种子 <code>{round.seed}</code> · 个别访谈{' '}
        {round.interviews ?? 0} 人{round.started_at && ` · 开始于 ${cst(round.started_at)}`}
        {round.findings_issued_at && ` · 问题下发于 ${cst(round.findings_issued_at)}`}
      </p>
      <h3>抽中的单位（{round.sample.length}）</h3>
      {round.sample.length === 0 ? (
        <p>正在抽样，稍候…</p>
      ) : (
        <ul className="sample">
          {round.sample.map((o) => (
            <li key={o}>
              <a href={orgPageHref(campaignId, o)} data-org={o}>
                {named(o)}
              </a>
              ：问题 {round.findings.filter((f) => f.org_id === o).length} 个
            </li>
          ))}
        </ul>
      )}
      <h3>发现的问题（六个防止，{round.findings.length}）</h3>
      <div className="scroll">
        <table className="findings">
          <TableHead cols={['单位', '类别', '问题', '来源', '台账事项']} />
          <tbody>
            {[...round.findings]
              .sort((a, b) => a.org_id.localeCompare(b.org_id))
              .map((f) => (
                <tr key={f.finding_id} data-finding={f.finding_id}>
                  <td>{named(f.org_id)}</td>
                  <td>{PREVENTION[f.prevention] ?? f.prevention}</td>
                  <td>{f.by === 'rule' ? ruleDetailZh(f.detail) : f.detail}</td>
                  <td>{f.by === 'rule' ? '规则自动发现' : `${ROLE[f.by.split(':')[0]!] ?? f.by}记录`}</td>
                  <td>
                    {typeof f.problem_id === 'string' ? (
                      <a href={orgPageHref(campaignId, f.org_id)}>{f.problem_id}</a>
                    ) : round.status === 'sampled' ? (
                      '下发后生成'
                    ) : (
                      '待活动覆盖该单位后送达'
                    )}
                  </td>
                </tr>
              ))}
            {round.findings.length === 0 && <EmptyRow cols={5}>暂无。</EmptyRow>}
          </tbody>
        </table>
      </div>
      {open && (
        <div className="two forms">
          {round.status === 'sampled' && round.sample.length > 0 && <FindingForm campaignId={campaignId} round={round} names={names} onDone={changed} />}
          <InterviewsForm campaignId={campaignId} roundId={roundId} onDone={changed} />
        </div>
      )}
      {round.status === 'sampled' && <IssueButton campaignId={campaignId} roundId={roundId} count={round.findings.length} onDone={changed} />}
      {round.status === 'findings_issued' && <NoticeForm campaignId={campaignId} roundId={roundId} onDone={changed} />}
      {round.notice_text && (
        <>
          <h3>通报：{round.notice_title}</h3>
          <pre className="notice-text">{noticeZh(round.notice_text)}</pre>
        </>
      )}
    </section>
  );
}

function FormFrame({
  id,
  title,
  busy,
  label,
  onSubmit,
  answer,
  children,
}: {
  id: string;
  title: string;
  busy: boolean;
  label: string;
  onSubmit: (e: FormEvent) => void;
  answer: ReactNode;
  children: ReactNode;
}) {
  return (
    <form className="card form" aria-labelledby={id} onSubmit={onSubmit}>
      <h3 id={id}>{title}</h3>
      {children}
      <button type="submit" disabled={busy}>
        {busy ? '正在提交…' : label}
      </button>
      {answer}
    </form>
  );
}

function FindingForm({ campaignId, round, names, onDone }: { campaignId: string; round: Round; names: Record<string, string>; onDone: () => void }) {
  const [orgId, setOrgId] = useState(round.sample[0] ?? '');
  const [prevention, setPrevention] = useState<Prevention>('study_superficial');
  const [detail, setDetail] = useState('');
  const { busy, run, answer, fields } = useSend();
  return (
    <FormFrame
      id="finding-title"
      title="记录发现的问题"
      label="记录问题"
      busy={busy}
      answer={answer}
      onSubmit={(e) =>
        void run(e, async () => {
          const f = await inspectionsApi.finding(campaignId, round.round_id, { orgId, prevention, detail });
          setDetail('');
          onDone();
          return `已记录问题 ${f.findingId}（${orgId}）：下发后转入该单位的问题台账。`;
        })
      }
    >
      <label>
        被抽查单位
        <select value={orgId} onChange={(e) => setOrgId(e.target.value)} aria-invalid={!!fields.orgId}>
          {round.sample.map((o) => (
            <option key={o} value={o}>
              {names[o] ? `${names[o]}（${o}）` : o}
            </option>
          ))}
        </select>
        <FieldError id="finding-org-error" text={fields.orgId && (fields.orgId === 'not in the sample' ? '该单位不在本轮抽查范围内' : fields.orgId)} />
      </label>
      <label>
        问题类别（六个防止）
        <select value={prevention} onChange={(e) => setPrevention(e.target.value as Prevention)}>
          {Object.entries(PREVENTION).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <label>
        问题描述
        <textarea required maxLength={2000} rows={3} value={detail} onChange={(e) => setDetail(e.target.value)} aria-invalid={!!fields.detail} />
        <FieldError id="finding-detail-error" text={fields.detail} />
      </label>
    </FormFrame>
  );
}

function InterviewsForm({ campaignId, roundId, onDone }: { campaignId: string; roundId: string; onDone: () => void }) {
  const [count, setCount] = useState('');
  const [notes, setNotes] = useState('');
  const { busy, run, answer, fields } = useSend();
  return (
    <FormFrame
      id="interviews-title"
      title="个别访谈"
      label="记录访谈"
      busy={busy}
      answer={answer}
      onSubmit={(e) =>
        void run(e, async () => {
          const r = await inspectionsApi.interviews(campaignId, roundId, { count: Number(count), notes });
          setCount('');
          setNotes('');
          onDone();
          return `已记录访谈，本轮累计 ${r.interviews} 人。`;
        })
      }
    >
      <label>
        访谈人数
        <input
          type="number"
          required
          min={1}
          max={10000}
          step={1}
          inputMode="numeric"
          value={count}
          onChange={(e) => setCount(e.target.value)}
          aria-invalid={!!fields.count}
        />
        <FieldError id="interviews-count-error" text={fields.count} />
      </label>
      <label>
        访谈记录
        <textarea required maxLength={4000} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} aria-invalid={!!fields.notes} />
        <FieldError id="interviews-notes-error" text={fields.notes} />
      </label>
    </FormFrame>
  );
}

function IssueButton({ campaignId, roundId, count, onDone }: { campaignId: string; roundId: string; count: number; onDone: () => void }) {
  const { busy, run, answer } = useSend();
  return (
    <div className="issue-findings">
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void run(undefined, async () => {
            const r = await inspectionsApi.issue(campaignId, roundId);
            onDone();
            return `已下发 ${r.issued} 个问题，转入被抽查单位的问题台账${r.undelivered.length ? `；另有 ${r.undelivered.length} 个问题所在单位尚未被活动覆盖，待覆盖后送达` : ''}。`;
          })
        }
      >
        {busy ? '正在下发…' : `下发问题（${count} 个）`}
      </button>
      <span className="hint">下发后每个问题成为被抽查单位台账中的一项（来源：暗访抽查），被抽查单位随即可见本轮抽查；下发后不能再添加问题。</span>
      {answer}
    </div>
  );
}

function NoticeForm({ campaignId, roundId, onDone }: { campaignId: string; roundId: string; onDone: () => void }) {
  const [title, setTitle] = useState('关于暗访抽查情况的通报');
  const { busy, run, answer, fields } = useSend();
  return (
    <form
      className="form notice"
      aria-labelledby="notice-title"
      onSubmit={(e) =>
        void run(e, async () => {
          await inspectionsApi.notice(campaignId, roundId, title);
          onDone();
          return '通报已印发，本轮抽查结束。';
        })
      }
    >
      <h3 id="notice-title">印发通报</h3>
      <label>
        通报标题
        <input required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} aria-invalid={!!fields.title} />
        <FieldError id="notice-title-error" text={fields.title} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? '正在印发…' : '印发通报'}
      </button>
      {answer}
    </form>
  );
}

// ---- the notices (everyone)

function Notices({ campaignId, orgId }: { campaignId: string; orgId: string }) {
  const paging = useCursorPages();
  const { cursor } = paging;
  const { data, error } = usePolled(
    () => inspectionsApi.notices(campaignId, orgId, { limit: NOTICES_PAGE, ...(cursor ? { cursor } : {}) }),
    `${campaignId}/${orgId}/${cursor ?? ''}`,
  );
  return (
    <section className="card" aria-labelledby="notices-title" data-testid="notices">
      <h2 id="notices-title">督导通报（{orgId}）</h2>
      <p className="sub">范围包含本组织、或在本组织之下的巡回指导组印发的暗访抽查通报，最新的在前。</p>
      {error && !data ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : !data ? (
        <p>加载中…</p>
      ) : data.items.length === 0 ? (
        <p>暂无通报。</p>
      ) : (
        <ol className="notices">
          {data.items.map((n) => (
            <li key={n.round_id} data-round={n.round_id}>
              <h3>{n.notice_title}</h3>
              <p className="hint">
                {n.group_name} · 抽查 {n.sample.length} 个单位 · {n.circulated_at ? cst(n.circulated_at) : ''}
              </p>
              <pre className="notice-text">{n.notice_text && noticeZh(n.notice_text)}</pre>
            </li>
          ))}
        </ol>
      )}
      {data && <Pager paging={paging} nextCursor={data.nextCursor} hideAlone />}
    </section>
  );
}
