import { createContext, useContext, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import type { StudySession } from './api.ts';
import { recordApi, Refusal } from './record-api.ts';
import { fieldOf, plainField, plainRefusal, problemPreview, reportPreview, topicPreview, type Ledger, type Research } from './record-rules.ts';
import { day, todayInChina } from './time.ts';
import { PROBLEM_SOURCE_FORM, STUDY_KIND } from './zh.ts';

/** The form a field sits in (its ids start with it) and the refusals naming its fields. */
const FormFields = createContext<{ form: string; errors: Record<string, string> }>({ form: 'form', errors: {} });

/**
 * A form card with its own busy state, the API's answer, and its refusal: beside the field
 * it names (problem+json `errors[].path`, `body.<name>`, matched to the field of that `name`),
 * or under the form when it names none. `onSubmit` gets the pressed button's `value`.
 */
export function FormCard({
  title,
  id,
  onSubmit,
  children,
  result,
  once,
  heading = 2,
  className = 'card form',
  submitLabel = '提交',
  actions,
}: {
  title: string;
  id: string;
  onSubmit: (submitter: string | undefined) => Promise<string>;
  children: ReactNode;
  result?: ReactNode;
  once?: boolean;
  heading?: 2 | 3;
  className?: string;
  submitLabel?: string;
  /** Buttons in place of the one submit button (each `type="submit"` with a `value`). */
  actions?: (busy: boolean) => ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const submitter = ((e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null)?.value || undefined;
    setBusy(true);
    setMessage(undefined);
    setErrors({});
    try {
      setMessage({ ok: true, text: await onSubmit(submitter) });
    } catch (err) {
      const named = err instanceof Refusal ? err.errors.map((f) => [fieldOf(f.path), plainField(f.message)] as const) : [];
      const beside = Object.fromEntries(named.filter(([f]) => f && form.elements.namedItem(f)));
      const first = Object.keys(beside)[0];
      setErrors(beside);
      const all = named.length > 0 && Object.keys(beside).length === named.length;
      const detail = plainRefusal(err instanceof Error ? err.message : String(err));
      setMessage({ ok: false, text: all ? '未能提交：请按栏目旁的提示修改后再提交。' : `未能提交：${detail}` });
      if (first) (form.elements.namedItem(first) as HTMLElement | null)?.focus?.();
    } finally {
      setBusy(false);
    }
  };
  // A form filled once (the mobilisation meeting) shows only its answer afterwards.
  const finished = once && message?.ok;
  const H = heading === 2 ? 'h2' : 'h3';
  return (
    <form className={className} aria-labelledby={id} onSubmit={(e) => void submit(e)}>
      <H id={id}>{title}</H>
      <FormFields.Provider value={{ form: id, errors }}>
        {!finished && children}
        {!finished && result}
        {!finished && (
          <div className="actions">
            {actions ? (
              actions(busy)
            ) : (
              <button type="submit" disabled={busy}>
                {busy ? '正在提交…' : submitLabel}
              </button>
            )}
          </div>
        )}
      </FormFields.Provider>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

type FieldProps = {
  /** The request body's field it fills: a refusal naming `body.<name>` is shown beside it. */
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  /** A select of these `[value, label]` pairs. */
  options?: [string, string][];
  /** A textarea of this many rows. */
  rows?: number;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'value' | 'onChange' | 'id'>;

/** One labelled control (input, select or textarea), its hint, and the API's refusal of it. */
export function Field({ name, label, value, onChange, hint, options, rows, ...input }: FieldProps) {
  const { form, errors } = useContext(FormFields);
  const id = `${form}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const error = errors[name];
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name, value, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, required: input.required };
  return (
    <div className={error ? 'field invalid' : 'field'} data-field={name}>
      <label htmlFor={id}>{label}</label>
      {options ? (
        <select {...common} onChange={(e) => onChange(e.target.value)}>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      ) : rows ? (
        <textarea {...common} rows={rows} maxLength={input.maxLength} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...input} {...common} onChange={(e) => onChange(e.target.value)} />
      )}
      {hint && (
        <small id={`${id}-hint`} className="field-hint">
          {hint}
        </small>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The dates a form may carry (China Standard Time): from the campaign's start to today, and not past its end unless `continuing`. */
export interface DateWindow {
  startsOn: string;
  endsOn: string;
  today: string;
}
const dateField = (w: DateWindow, continuing = false) => ({
  type: 'date',
  required: true,
  min: w.startsOn,
  max: continuing || w.today < w.endsOn ? w.today : w.endsOn,
});
const count = (min: number) => ({ type: 'number', required: true, min, step: 1, inputMode: 'numeric' as const });

/** 动员部署: the meeting that opens the campaign here and cascades it to the orgs below. */
export function MobilisationForm({ campaignId, orgId, dates, onDone }: { campaignId: string; orgId: string; dates: DateWindow; onDone: () => void }) {
  const [date, setDate] = useState(todayInChina());
  const [attendance, setAttendance] = useState('');
  return (
    <FormCard
      title="动员部署会议"
      id="mobilise-title"
      heading={3}
      once
      onSubmit={async () => {
        await recordApi.mobilise(campaignId, orgId, { date, attendance: Number(attendance) });
        onDone();
        return `已记录 ${day(date)} 的动员部署会议；活动随即向下级组织部署。`;
      }}
    >
      <Field name="date" label="会议日期（北京时间）" value={date} onChange={setDate} {...dateField(dates)} />
      <Field name="attendance" label="参会人数" value={attendance} onChange={setAttendance} {...count(1)} />
    </FormCard>
  );
}

/** 学习教育: a study session, with what it will count for (concentrated-study days) shown as it is filled in. */
export function StudyForm({
  campaignId,
  orgId,
  minDays,
  countedDays,
  dates,
  onDone,
}: {
  campaignId: string;
  orgId: string;
  minDays: number;
  countedDays: string[];
  dates: DateWindow;
  onDone: () => void;
}) {
  const [date, setDate] = useState(todayInChina());
  const [kind, setKind] = useState<StudySession['kind']>('concentrated');
  const [hours, setHours] = useState('3');
  const [attendance, setAttendance] = useState('');
  // The rule the workflow applies (domain/org-node.ts recordStudySession), previewed; its answer is what counts.
  const preview =
    kind !== 'concentrated'
      ? `${STUDY_KIND[kind]}不计入集中学习天数（已计入 ${countedDays.length}/${minDays} 天）。`
      : countedDays.includes(date)
        ? `${day(date)} 已计入过集中学习，同一天不重复计算（已计入 ${countedDays.length}/${minDays} 天）。`
        : `将计入集中学习第 ${countedDays.length + 1} 天（要求至少 ${minDays} 天${countedDays.length + 1 >= minDays ? '，提交后学习教育环节即达标' : `，还差 ${minDays - countedDays.length - 1} 天`}）。`;
  return (
    <FormCard
      title="学习记录"
      id="study-title-form"
      heading={3}
      onSubmit={async () => {
        const answer = await recordApi.recordStudy(campaignId, orgId, { date, kind, hours: Number(hours), attendance: Number(attendance) });
        onDone();
        return answer.counted
          ? `已记录，计入集中学习天数：${answer.daysCounted}/${answer.minDays} 天。`
          : `已记录，不计入集中学习天数（${answer.daysCounted}/${answer.minDays} 天）。`;
      }}
      result={
        <p className="preview" aria-live="polite" data-testid="study-preview">
          {preview}
        </p>
      }
    >
      <Field name="date" label="学习日期（北京时间）" value={date} onChange={setDate} {...dateField(dates)} />
      <Field
        name="kind"
        label="学习形式"
        value={kind}
        onChange={(v) => setKind(v as StudySession['kind'])}
        options={(['concentrated', 'self_study', 'lecture'] as const).map((k) => [k, STUDY_KIND[k]!])}
      />
      <Field name="hours" label="学时" value={hours} onChange={setHours} type="number" required min={0.5} max={24} step={0.5} />
      <Field name="attendance" label="参加人数" value={attendance} onChange={setAttendance} {...count(0)} />
    </FormCard>
  );
}

/** 调研课题: a leader's research topic, to be vetted (把关) before its report counts. */
export function TopicForm({
  campaignId,
  orgId,
  research,
  mustBeVetted,
  onDone,
}: {
  campaignId: string;
  orgId: string;
  research: Research;
  mustBeVetted: boolean;
  onDone: () => void;
}) {
  const [title, setTitle] = useState('');
  const [leader, setLeader] = useState('');
  return (
    <FormCard
      title="调研课题"
      id="topic-form"
      heading={3}
      onSubmit={async () => {
        const answer = await recordApi.proposeTopic(campaignId, orgId, { title, leader });
        setTitle('');
        onDone();
        const similar = answer.similarTo.length ? `与本组织已有课题相近（${answer.similarTo.join('、')}），把关时请留意。` : '';
        return `已提出课题《${title}》，${answer.status === 'approved' ? '无需把关，已计为通过' : '待把关'}。${similar}`;
      }}
      result={
        <p className="preview" aria-live="polite" data-testid="topic-preview">
          {topicPreview(research, mustBeVetted)}
        </p>
      }
    >
      <Field name="title" label="课题名称" value={title} onChange={setTitle} required maxLength={200} />
      <Field name="leader" label="牵头领导" value={leader} onChange={setLeader} required maxLength={100} />
    </FormCard>
  );
}

/** 把关: approve a proposed topic, or return it with a reason (the workflow refuses a return without one). */
export function VetForm({
  campaignId,
  orgId,
  topicId,
  title,
  onDone,
}: {
  campaignId: string;
  orgId: string;
  topicId: string;
  title: string;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  return (
    <FormCard
      title={`把关：《${title}》`}
      id={`vet-${topicId}`}
      heading={3}
      className="form vet"
      onSubmit={async (decision) => {
        const returned = decision === 'returned';
        await recordApi.vetTopic(
          campaignId,
          orgId,
          topicId,
          returned ? { decision: 'returned', ...(reason.trim() ? { reason } : {}) } : { decision: 'approved' },
        );
        onDone();
        return returned ? '已退回，待修改后重新提出。' : '已把关通过：请提交调研报告。';
      }}
      actions={(busy) => (
        <>
          <button type="submit" name="decision" value="approved" disabled={busy}>
            把关通过
          </button>{' '}
          <button type="submit" name="decision" value="returned" className="secondary" disabled={busy}>
            退回
          </button>
        </>
      )}
    >
      <Field name="reason" label="退回理由（退回时必填）" value={reason} onChange={setReason} maxLength={1000} />
    </FormCard>
  );
}

/** 调研报告: against a topic vetted and approved; its policy measures are counted. */
export function ReportForm({ campaignId, orgId, research, onDone }: { campaignId: string; orgId: string; research: Research; onDone: () => void }) {
  // Topics still lacking a report first: those are what the research component waits for.
  const choices = [...research.lacking, ...research.approved.filter((t) => t.reports)];
  const [picked, setPicked] = useState('');
  const topicId = choices.some((t) => t.topic_id === picked) ? picked : (choices[0]?.topic_id ?? '');
  const [title, setTitle] = useState('');
  const [measures, setMeasures] = useState('0');
  return (
    <FormCard
      title="调研报告"
      id="report-form"
      heading={3}
      onSubmit={async () => {
        const answer = await recordApi.submitReport(campaignId, orgId, { topicId, title, policyMeasures: Number(measures) });
        setTitle('');
        setMeasures('0');
        onDone();
        return `已提交调研报告《${title}》（该课题第 ${answer.topicReports} 篇）。`;
      }}
      result={
        <p className="preview" aria-live="polite" data-testid="report-preview">
          {reportPreview(research, topicId)}
        </p>
      }
    >
      <Field
        name="topicId"
        label="所属课题（已把关通过）"
        value={topicId}
        onChange={setPicked}
        required
        options={choices.map((t) => [t.topic_id, `《${t.title}》${t.reports ? `（已有报告 ${t.reports} 篇）` : '（尚缺报告）'}`])}
      />
      <Field name="title" label="报告题目" value={title} onChange={setTitle} required maxLength={200} />
      <Field name="policyMeasures" label="形成政策举措（项）" value={measures} onChange={setMeasures} {...count(0)} max={1000} />
    </FormCard>
  );
}

/** 查摆问题 (检视问题): a problem found, into the ledger as 已查摆. */
export function ProblemForm({
  campaignId,
  orgId,
  ledger,
  immediateDays,
  onDone,
}: {
  campaignId: string;
  orgId: string;
  ledger: Ledger;
  immediateDays: number;
  onDone: () => void;
}) {
  const [source, setSource] = useState<'self_inspection' | 'research'>('self_inspection');
  const [category, setCategory] = useState('');
  const [description, setDescription] = useState('');
  const [immediate, setImmediate] = useState(false);
  return (
    <FormCard
      title="查摆问题"
      id="problem-form"
      heading={3}
      onSubmit={async () => {
        await recordApi.recordProblem(campaignId, orgId, { source, category, description, ...(immediate ? { immediate } : {}) });
        setDescription('');
        setImmediate(false);
        onDone();
        return `已记入问题台账：${category}。`;
      }}
      result={
        <p className="preview" aria-live="polite" data-testid="problem-preview">
          {problemPreview(ledger, 1, immediate, immediateDays)}
        </p>
      }
    >
      <Field name="source" label="问题来源" value={source} onChange={(v) => setSource(v as typeof source)} options={Object.entries(PROBLEM_SOURCE_FORM)} />
      <Field
        name="category"
        label="问题类别"
        value={category}
        onChange={setCategory}
        required
        maxLength={60}
        hint="如：理论学习、作风建设、形式主义官僚主义、为基层减负"
      />
      <Field name="description" label="问题描述" value={description} onChange={setDescription} required maxLength={2000} rows={3} />
      <label className="check">
        <input type="checkbox" name="immediate" checked={immediate} onChange={(e) => setImmediate(e.target.checked)} /> 立行立改（{immediateDays} 天内整改完毕）
      </label>
    </FormCard>
  );
}

/** 专题民主生活会／组织生活会: its counts, and the problems it found, which go straight into the ledger. */
export function DemocraticLifeForm({
  campaignId,
  orgId,
  ledger,
  dates,
  immediateDays,
  onDone,
}: {
  campaignId: string;
  orgId: string;
  ledger: Ledger;
  dates: DateWindow;
  immediateDays: number;
  onDone: () => void;
}) {
  const [date, setDate] = useState(todayInChina());
  const [attendance, setAttendance] = useState('');
  const [criticisms, setCriticisms] = useState('0');
  const [problems, setProblems] = useState([{ category: '', description: '' }]);
  const setProblem = (i: number, part: 'category' | 'description', v: string) => setProblems((ps) => ps.map((p, j) => (j === i ? { ...p, [part]: v } : p)));
  return (
    <FormCard
      title="专题民主生活会／组织生活会"
      id="meeting-form"
      heading={3}
      onSubmit={async () => {
        const answer = await recordApi.democraticLifeMeeting(campaignId, orgId, {
          date,
          attendance: Number(attendance),
          criticisms: Number(criticisms),
          problems,
        });
        setProblems([{ category: '', description: '' }]);
        setCriticisms('0');
        onDone();
        return `已记录 ${day(date)} 的会议，查摆问题 ${answer.problemsFound} 个已记入问题台账。`;
      }}
      result={
        <p className="preview" aria-live="polite" data-testid="meeting-preview">
          {problemPreview(ledger, problems.length, false, immediateDays)}
        </p>
      }
    >
      {/* A meeting may be held after the campaign's end (continuing rectification). */}
      <Field name="date" label="会议日期（北京时间）" value={date} onChange={setDate} {...dateField(dates, true)} />
      <Field name="attendance" label="参会人数" value={attendance} onChange={setAttendance} {...count(1)} max={10000} />
      <Field name="criticisms" label="开展批评（条）" value={criticisms} onChange={setCriticisms} {...count(0)} max={10000} />
      <fieldset className="problems">
        <legend>会上查摆的问题（{problems.length} 个）</legend>
        {problems.map((p, i) => (
          <div className="problem-row" key={i}>
            <Field
              name={`problems.${i}.category`}
              label={`问题 ${i + 1} 类别`}
              value={p.category}
              onChange={(v) => setProblem(i, 'category', v)}
              required
              maxLength={60}
            />
            <Field
              name={`problems.${i}.description`}
              label={`问题 ${i + 1} 描述`}
              value={p.description}
              onChange={(v) => setProblem(i, 'description', v)}
              required
              maxLength={2000}
              rows={2}
            />
            <button type="button" className="secondary" onClick={() => setProblems((ps) => ps.filter((_, j) => j !== i))} aria-label={`删去问题 ${i + 1}`}>
              删去
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setProblems((ps) => [...ps, { category: '', description: '' }])}>
          增加一个问题
        </button>
      </fieldset>
    </FormCard>
  );
}

/** 确认问题清单: the org declares its problem list complete; the review component is then done. */
export function ConcludeReviewForm({ campaignId, orgId, ledger, onDone }: { campaignId: string; orgId: string; ledger: Ledger; onDone: () => void }) {
  return (
    <FormCard
      title="确认问题清单"
      id="conclude-form"
      heading={3}
      once
      submitLabel="确认问题清单"
      onSubmit={async () => {
        const answer = await recordApi.concludeReview(campaignId, orgId);
        onDone();
        return `问题清单已确认（${answer.problems} 个问题），检视问题环节完成。`;
      }}
      result={
        <p className="preview" data-testid="conclude-preview">
          问题查摆完毕后确认：清单现有 {ledger.problems} 个问题。确认后检视问题环节完成；之后发现的问题仍可记入，同样要整改销号。
        </p>
      }
    >
      {null}
    </FormCard>
  );
}
