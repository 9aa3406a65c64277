import { useState, type FormEvent, type ReactNode } from 'react';
import { api, type StudySession } from './api.ts';
import { day, todayInChina } from './time.ts';
import { STUDY_KIND } from './zh.ts';

/** A form card with its own busy state, error and the API's answer. */
function FormCard({ title, id, onSubmit, children, result, once }: { title: string; id: string; onSubmit: () => Promise<string>; children: ReactNode; result?: ReactNode; once?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage({ ok: true, text: await onSubmit() });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  // A form filled once (the mobilisation meeting) shows only its answer afterwards.
  const finished = once && message?.ok;
  return (
    <form className="card form" aria-labelledby={id} onSubmit={submit}>
      <h2 id={id}>{title}</h2>
      {!finished && children}
      {!finished && result}
      {!finished && (
        <button type="submit" disabled={busy}>
          {busy ? '正在提交…' : '提交'}
        </button>
      )}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** 动员部署: the meeting that opens the campaign here and cascades it to the orgs below. */
export function MobilisationForm({ campaignId, orgId, onDone }: { campaignId: string; orgId: string; onDone: () => void }) {
  const [date, setDate] = useState(todayInChina());
  const [attendance, setAttendance] = useState('');
  return (
    <FormCard
      title="动员部署会议"
      id="mobilise-title"
      once
      onSubmit={async () => {
        await api.mobilise(campaignId, orgId, { date, attendance: Number(attendance) });
        onDone();
        return `已记录 ${day(date)} 的动员部署会议；活动随即向下级组织部署。`;
      }}
    >
      <label>
        会议日期（北京时间）
        <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
      </label>
      <label>
        参会人数
        <input type="number" required min={1} step={1} inputMode="numeric" value={attendance} onChange={(e) => setAttendance(e.target.value)} />
      </label>
    </FormCard>
  );
}

/** 学习教育: a study session, with what it will count for (concentrated-study days) shown as it is filled in. */
export function StudyForm({ campaignId, orgId, minDays, countedDays, onDone }: { campaignId: string; orgId: string; minDays: number; countedDays: string[]; onDone: () => void }) {
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
      onSubmit={async () => {
        const answer = await api.recordStudy(campaignId, orgId, { date, kind, hours: Number(hours), attendance: Number(attendance) });
        onDone();
        return answer.counted ? `已记录，计入集中学习天数：${answer.daysCounted}/${answer.minDays} 天。` : `已记录，不计入集中学习天数（${answer.daysCounted}/${answer.minDays} 天）。`;
      }}
      result={
        <p className="preview" aria-live="polite" data-testid="study-preview">
          {preview}
        </p>
      }
    >
      <label>
        学习日期（北京时间）
        <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
      </label>
      <label>
        学习形式
        <select value={kind} onChange={(e) => setKind(e.target.value as StudySession['kind'])}>
          <option value="concentrated">{STUDY_KIND.concentrated}</option>
          <option value="self_study">{STUDY_KIND.self_study}</option>
          <option value="lecture">{STUDY_KIND.lecture}</option>
        </select>
      </label>
      <label>
        学时
        <input type="number" required min={0.5} max={24} step={0.5} value={hours} onChange={(e) => setHours(e.target.value)} />
      </label>
      <label>
        参加人数
        <input type="number" required min={0} step={1} inputMode="numeric" value={attendance} onChange={(e) => setAttendance(e.target.value)} />
      </label>
    </FormCard>
  );
}
