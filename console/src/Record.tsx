import { useRef, type ReactNode } from 'react';
import { api, type Overview, type StudySession } from './api.ts';
import { ConcludeReviewForm, DemocraticLifeForm, MobilisationForm, ProblemForm, ReportForm, StudyForm, TopicForm, VetForm, type DateWindow } from './forms.tsx';
import { usePolled } from './hooks.ts';
import { OrgHeading } from './parts.tsx';
import { recordApi } from './record-api.ts';
import { rectificationNeed, research, researchNeed, reviewNeed, TOPIC_STATUS, type Ledger, type Topic } from './record-rules.ts';
import { orgPageHref } from './routes.ts';
import type { ScreenProps } from './screen-props.ts';
import { cst, day, todayInChina } from './time.ts';
import { COMPONENT_STATE, COMPONENTS } from './zh.ts';

interface Loaded {
  overview: Overview;
  topics: Topic[];
  moreTopics: boolean;
  sessions: StudySession[];
}

/**
 * Screen 4, 填报: every form a branch secretary fills, in the order of the five components,
 * each under what its component has and still needs by the campaign's rules, so what counts
 * shows while the forms are filled in. Forms for whoever may act on the org (`can.act`); the
 * vetting of topics for whoever may vet (`can.vet`: the org's secretary, or an inspector or
 * organiser above it).
 */
export function RecordScreen({ campaignId, orgId }: ScreenProps) {
  const {
    data: loaded,
    error,
    refresh,
    updatedAt,
  } = usePolled<Loaded>(async () => {
    const [overview, topics, sessions] = await Promise.all([
      api.overview(campaignId, orgId, { limit: 1 }),
      recordApi.topics(campaignId, orgId),
      api.studySessions(campaignId, orgId),
    ]);
    return { overview, topics: topics.items, moreTopics: topics.nextCursor !== null, sessions: sessions.items };
  }, `${campaignId}/${orgId}/record`);
  // Another org's answer still on screen while this one loads is not shown: its forms would post here.
  const data = loaded?.overview.org.orgId === orgId ? loaded : undefined;
  // The mobilisation form stays once shown, to say what became of it after the meeting is recorded.
  const mobiliseShown = useRef<string | undefined>(undefined);
  if (data && !data.overview.org.mobilisedOn && data.overview.org.reached) mobiliseShown.current = orgId;
  if (!data) return error ? <p role="alert">{error}</p> : <p>加载中…</p>;

  const { org, campaign, can } = data.overview;
  const own = org.own ?? {};
  const min = campaign.minStudyDays;
  const countedDays = data.sessions.filter((s) => s.counted).map((s) => s.date);
  const r = research(data.topics);
  const ledger: Ledger = { problems: own.problems ?? 0, closed: own.problemsClosed ?? 0, meetings: own.meetings ?? 0, reviewDone: (own.reviewDone ?? 0) > 0 };
  const dates: DateWindow = { startsOn: campaign.startsOn, endsOn: campaign.endsOn, today: todayInChina() };
  const state = (key: string) => (key === 'mobilisation' ? (org.mobilisedOn ? 'done' : 'open') : (org.components?.[key] ?? 'locked'));
  const days = countedDays.length;
  const needs: Record<string, string> = {
    mobilisation: org.mobilisedOn ? `已于 ${day(org.mobilisedOn)} 召开动员会` : '尚未召开动员会',
    study: days >= min ? `集中学习 ${days} 天，已达 ${min} 天` : `集中学习 ${days} 天，还差 ${min - days} 天`,
    research: researchNeed(r, campaign.topicsMustBeVetted),
    review: reviewNeed(ledger),
    rectification: rectificationNeed(ledger),
  };
  // Locked: before the meeting; just after it, until the workflow's report opens the components; or, in sequential mode, until the one before is done.
  const lockedWhy = !org.mobilisedOn
    ? '召开动员部署会议后开始。'
    : COMPONENTS.slice(1).every(([key]) => state(key) === 'locked')
      ? '动员部署会议已记录，各环节随即开始…'
      : '前一环节完成后开始（按阶段推进）。';
  const common = { campaignId, orgId, onDone: refresh };
  const open = (key: string) => can.act && state(key) !== 'locked';

  const heading = (
    <section className="card head" aria-labelledby="org-title">
      <OrgHeading org={org} campaignName={campaign.name}>
        {' · '}
        <a href={orgPageHref(campaignId, orgId)}>本级详情与台账</a>
      </OrgHeading>
    </section>
  );
  if (!org.reached) {
    return (
      <>
        {heading}
        <p className="card">活动尚未部署到本组织：上级组织召开动员部署会议后，这里即可填报。</p>
      </>
    );
  }
  if (!can.act && !can.vet) {
    return (
      <>
        {heading}
        <p className="card">本组织的填报由本组织的支部书记（或组织者）、上级组织者进行；你可以在“本级详情”查看进度。</p>
      </>
    );
  }

  const forms: Record<string, ReactNode> = {
    mobilisation: can.act && mobiliseShown.current === orgId && (
      <div className="record-forms">
        <MobilisationForm {...common} dates={dates} />
      </div>
    ),
    study: open('study') && (
      <div className="record-forms">
        <StudyForm {...common} minDays={min} countedDays={countedDays} dates={dates} />
      </div>
    ),
    research: (
      <>
        <p className="rule">
          {campaign.topicsMustBeVetted
            ? '规则：课题须经把关（本组织书记，或上级督导、组织者），把关通过的课题都有调研报告，调查研究环节才完成。'
            : '规则：本次活动的课题无需把关；每个课题都有调研报告，调查研究环节才完成。'}
        </p>
        <TopicList topics={data.topics} more={data.moreTopics} canVet={can.vet && state('research') !== 'locked'} {...common} />
        {open('research') && (
          <div className="record-forms">
            <TopicForm {...common} research={r} mustBeVetted={campaign.topicsMustBeVetted} />
            {r.approved.length > 0 ? <ReportForm {...common} research={r} /> : <p className="hint">课题把关通过后，在这里提交调研报告。</p>}
          </div>
        )}
      </>
    ),
    review: open('review') && (
      <div className="record-forms">
        <ProblemForm {...common} ledger={ledger} immediateDays={campaign.immediateDays} />
        <DemocraticLifeForm {...common} ledger={ledger} dates={dates} immediateDays={campaign.immediateDays} />
        {!ledger.reviewDone && <ConcludeReviewForm {...common} ledger={ledger} />}
      </div>
    ),
    rectification: (
      <p>
        每个问题在<a href={orgPageHref(campaignId, orgId)}>问题台账</a>中制定整改措施、整改、提交整改材料，经上级督导或组织者核验后销号。
      </p>
    ),
  };

  return (
    <>
      {heading}
      <nav className="card record-steps" aria-label="五个环节">
        <ol>
          {COMPONENTS.map(([key, label]) => (
            <li key={key} className={`step ${state(key)}`}>
              <button type="button" className="link" onClick={() => document.getElementById(`rec-${key}`)?.focus()}>
                {label}：{COMPONENT_STATE[state(key)]}
              </button>
            </li>
          ))}
        </ol>
        <p className="hint">每 3 秒自动刷新{updatedAt && `，更新于 ${cst(updatedAt)}`}。</p>
      </nav>
      {COMPONENTS.map(([key, label]) => (
        <section key={key} className={`card record-section ${state(key)}`} data-component={key} aria-labelledby={`rec-${key}`}>
          <h2 id={`rec-${key}`} tabIndex={-1}>
            {label} <span className="state">{COMPONENT_STATE[state(key)]}</span>
          </h2>
          <p className="need" data-testid={`need-${key}`}>
            {needs[key]}
          </p>
          {state(key) === 'locked' ? <p className="hint">{lockedWhy}</p> : forms[key]}
        </section>
      ))}
    </>
  );
}

/** The org's research topics, each with its vetting and reports; a proposed one with the vetting form for whoever may vet. */
function TopicList({
  topics,
  more,
  canVet,
  campaignId,
  orgId,
  onDone,
}: {
  topics: Topic[];
  more: boolean;
  canVet: boolean;
  campaignId: string;
  orgId: string;
  onDone: () => void;
}) {
  if (topics.length === 0) return null;
  return (
    <>
      <ul className="topics" aria-label="调研课题">
        {topics.map((t) => (
          <li key={t.topic_id} data-topic={t.topic_id} className={`topic ${t.status}`}>
            <div className="topic-head">
              <strong>《{t.title}》</strong> <span className="leader">牵头：{t.leader}</span>
            </div>
            <div className="topic-state">
              <span className={`tag ${t.status}`}>{TOPIC_STATUS[t.status] ?? t.status}</span>
              {t.status === 'approved' && <span>{t.reports ? `调研报告 ${t.reports} 篇` : '尚缺调研报告'}</span>}
              {t.status === 'returned' && t.return_reason && <span>退回理由：{t.return_reason}</span>}
              {t.similar_to && t.similar_to.length > 0 && <span className="hint">与已有课题相近：{t.similar_to.join('、')}</span>}
            </div>
            {canVet && t.status === 'proposed' && <VetForm campaignId={campaignId} orgId={orgId} topicId={t.topic_id} title={t.title} onDone={onDone} />}
          </li>
        ))}
      </ul>
      {more && <p className="hint">只列出前 200 个课题。</p>}
    </>
  );
}
