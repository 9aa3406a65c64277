import { orgPageHref, screenHref } from './routes.ts';
import { api, type Me, type Overview, type Problem, type StudySession, type Timeline } from './api.ts';
import { EmptyRow, TableHead } from './list-parts.tsx';
import { ledgerItemHref } from './Ledger.tsx';
import { usePolled } from './hooks.ts';
import { OrgHead, WorkflowLink } from './parts.tsx';
import { cst, day } from './time.ts';
import { COMPONENT_STATE, COMPONENTS, EVENT, eventDetail, PROBLEM_STATUS, STUDY_KIND } from './zh.ts';
import { useState } from 'react';

interface Loaded {
  overview: Overview;
  problems: Problem[];
  sessions: StudySession[];
  timeline: Timeline['items'];
}

/** Screen 2: one org's five components, its ledger and study sessions; its people fill their forms on the 填报 screen (Record.tsx). */
export function OrgPage({ me, campaignId, orgId }: { me: Me; campaignId: string; orgId: string }) {
  const {
    data: loaded,
    error,
    refresh,
    updatedAt,
  } = usePolled<Loaded>(async () => {
    const [overview, problems, sessions, timeline] = await Promise.all([
      api.overview(campaignId, orgId, { limit: 1 }),
      api.problems(campaignId, orgId),
      api.studySessions(campaignId, orgId),
      api.timeline(campaignId, orgId),
    ]);
    return { overview, problems: problems.items, sessions: sessions.items, timeline: timeline.items };
  }, `${campaignId}/${orgId}`);
  // Another org's page still on screen while this one loads is not shown: its forms would post here.
  const data = loaded?.overview.org.orgId === orgId ? loaded : undefined;
  if (!data) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;
  const { org, campaign, can } = data.overview;
  const own = org.own ?? {};
  const min = campaign.minStudyDays;

  const missing: Record<string, string> = {
    mobilisation: org.mobilisedOn ? `已于 ${day(org.mobilisedOn)} 召开动员会` : '尚未召开动员会',
    study: own.studyDone
      ? `集中学习 ${own.studyDays} 天，已达 ${min} 天`
      : `集中学习 ${own.studyDays ?? 0} 天，还差 ${Math.max(0, min - (own.studyDays ?? 0))} 天`,
    research: own.researchDone
      ? `课题 ${own.topicsApproved} 个已把关，调研报告 ${own.reports} 篇`
      : `课题 ${own.topics ?? 0} 个（已把关 ${own.topicsApproved ?? 0}），调研报告 ${own.reports ?? 0} 篇：每个把关通过的课题都要有调研报告`,
    review: own.reviewDone ? '问题清单已确认' : `已查摆问题 ${own.problems ?? 0} 个，尚未确认问题清单`,
    rectification: `问题 ${own.problems ?? 0} 个，已销号 ${own.problemsClosed ?? 0} 个${(own.problems ?? 0) > (own.problemsClosed ?? 0) ? '：不整改不销号' : ''}`,
  };
  const state = (key: string) => (key === 'mobilisation' ? (org.mobilisedOn ? 'done' : 'open') : (org.components?.[key] ?? 'locked'));

  return (
    <>
      <OrgHead campaignId={campaignId} orgId={orgId} org={org} campaignName={campaign.name}>
        {' · '}
        <a href={orgPageHref(campaignId, orgId)}>{orgId}</a> <WorkflowLink me={me} node={org} />
      </OrgHead>

      <section className="card" aria-labelledby="components-title">
        <h2 id="components-title">五个环节</h2>
        <ol className="components">
          {COMPONENTS.map(([key, label]) => (
            <li key={key} className={`component ${state(key)}`} data-component={key}>
              <strong>{label}</strong>
              <span className="state">{COMPONENT_STATE[state(key)]}</span>
              <span className="what" data-testid={`component-${key}`}>
                {missing[key]}
              </span>
            </li>
          ))}
        </ol>
        <p className="hint">每 3 秒自动刷新{updatedAt && `，更新于 ${cst(updatedAt)}`}。</p>
      </section>

      {can.act && (
        <p className="card record-link">
          <a href={screenHref(campaignId, orgId, 'record')}>去填报 →</a> 动员部署会议、学习记录、调研课题与报告、检视问题、民主生活会
        </p>
      )}

      <section className="card" aria-labelledby="ledger-title">
        <h2 id="ledger-title">问题台账（{data.problems.length}）</h2>
        <div className="scroll">
          <table>
            <TableHead cols={['编号', '类别', '问题', '状态', '期限', '操作']} />
            <tbody>
              {data.problems.map((p) => (
                <ProblemRow key={p.problem_id} p={p} canVerify={can.supervise} campaignId={campaignId} orgId={orgId} onDone={refresh} />
              ))}
              {data.problems.length === 0 && <EmptyRow cols={6}>台账暂无问题。</EmptyRow>}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">时间线（最近 {data.timeline.length} 条）</h2>
        <ol className="timeline" data-testid="timeline" tabIndex={0} aria-labelledby="timeline-title">
          {data.timeline.map((e) => (
            <li key={e.seq}>
              <time dateTime={e.occurredAt}>{cst(e.occurredAt)}</time>
              <strong>{EVENT[e.type] ?? e.type}</strong>
              <span>{eventDetail(e.type, e.fields)}</span>
            </li>
          ))}
        </ol>
      </section>

      <section className="card" aria-labelledby="study-title">
        <h2 id="study-title">学习记录（{data.sessions.length}）</h2>
        <div className="scroll">
          <table>
            <TableHead cols={['日期', '形式', '学时', '人数', '计入集中学习天数']} />
            <tbody>
              {data.sessions.map((s) => (
                <tr key={s.session_id}>
                  <td>{day(s.date)}</td>
                  <td>{STUDY_KIND[s.kind] ?? s.kind}</td>
                  <td>{s.hours}</td>
                  <td>{s.attendance}</td>
                  <td>{s.counted ? '计入' : `不计入${s.kind !== 'concentrated' ? '（非集中学习）' : '（该日已计入）'}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function ProblemRow({ p, canVerify, campaignId, orgId, onDone }: { p: Problem; canVerify: boolean; campaignId: string; orgId: string; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const decide = async (decision: 'verified' | 'returned') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.verify(campaignId, orgId, p.problem_id, decision === 'returned' ? { decision, reason: '整改不到位，退回' } : { decision });
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-problem={p.problem_id}>
      <td className="id">
        <a href={ledgerItemHref(campaignId, orgId, orgId, p.problem_id)} aria-label={`在整改台账中查看 ${p.problem_id}`}>
          {p.problem_id}
        </a>
      </td>
      <td>{p.category}</td>
      <td>{p.description}</td>
      <td>
        {PROBLEM_STATUS[p.status] ?? p.status}
        {p.alert !== 'none' && p.status !== 'closed' && <span className={`badge ${p.alert}`}>{p.alert === 'red' ? '逾期' : '临近期限'}</span>}
      </td>
      <td>{p.deadline ? day(p.deadline) : '—'}</td>
      <td className="actions">
        {canVerify && p.status === 'rectified' && (
          <>
            <button type="button" disabled={busy} onClick={() => void decide('verified')} aria-label={`核验销号 ${p.problem_id}`}>
              核验销号
            </button>{' '}
            <button type="button" className="secondary" disabled={busy} onClick={() => void decide('returned')} aria-label={`退回整改 ${p.problem_id}`}>
              退回
            </button>
          </>
        )}
        {error && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
