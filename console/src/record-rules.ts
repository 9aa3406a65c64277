/**
 * What the secretary's forms (the 填报 screen) show while they are filled in: which research
 * topics count and which still lack a report, what the review and rectification components
 * still need, and the API's refusals in plain words. The workflow's rules
 * (domain/org-node.ts `componentDone`, `vetTopic`, `submitReport`, `recordProblem`) restated
 * for a preview: the workflow's answer is what counts, and is shown after.
 *
 * Pure and without imports, so the root project's unit test (test/console/record-rules.test.ts)
 * type-checks and runs it as the console does.
 */

/** A research topic as `GET …/topics` lists it (rm_research_topics). */
export interface Topic {
  topic_id: string;
  title: string;
  leader: string;
  status: string;
  reports?: number;
  similar_to?: string[] | null;
  return_reason?: string | null;
}

export const TOPIC_STATUS: Record<string, string> = { proposed: '待把关', approved: '已把关通过', returned: '已退回' };
const COMPONENT_ZH: Record<string, string> = {
  mobilisation: '动员部署',
  study: '学习教育',
  research: '调查研究',
  review: '检视问题',
  rectification: '整改落实',
};

/** The research component as the rules judge it: done when every approved topic has a report, none awaits vetting, and at least one was approved. */
export interface Research {
  approved: Topic[];
  awaiting: Topic[];
  returned: Topic[];
  /** Approved topics without a report: what keeps the component open (rule `topicsMustBeVetted`: only these count). */
  lacking: Topic[];
  reports: number;
  done: boolean;
}

export function research(topics: Topic[]): Research {
  const approved = topics.filter((t) => t.status === 'approved');
  const awaiting = topics.filter((t) => t.status === 'proposed');
  const returned = topics.filter((t) => t.status === 'returned');
  const lacking = approved.filter((t) => !t.reports);
  const reports = topics.reduce((n, t) => n + (t.reports ?? 0), 0);
  return { approved, awaiting, returned, lacking, reports, done: approved.length > 0 && lacking.length === 0 && awaiting.length === 0 };
}

const titles = (ts: Topic[]) => ts.map((t) => `《${t.title}》`).join('、');

/** One line: what the research component has and what it still needs. */
export function researchNeed(r: Research, mustBeVetted: boolean): string {
  const total = r.approved.length + r.awaiting.length;
  if (total === 0) {
    return r.returned.length
      ? `课题 ${r.returned.length} 个已退回：修改后重新提出，或提出新课题`
      : `尚无调研课题：先提出课题${mustBeVetted ? '，经把关通过后' : '，'}撰写调研报告`;
  }
  const head = `课题 ${total} 个（已把关通过 ${r.approved.length} 个${r.awaiting.length ? `，待把关 ${r.awaiting.length} 个` : ''}），调研报告 ${r.reports} 篇`;
  if (r.done) return `${head}：每个把关通过的课题都有调研报告`;
  const missing: string[] = [];
  if (r.awaiting.length) missing.push(`待把关：${titles(r.awaiting)}`);
  if (r.lacking.length) missing.push(`尚缺调研报告：${titles(r.lacking)}`);
  if (!r.approved.length && !r.awaiting.length) missing.push('还没有把关通过的课题');
  return `${head}；${missing.join('；')}`;
}

/** What proposing a topic will lead to. */
export function topicPreview(r: Research, mustBeVetted: boolean): string {
  const next = mustBeVetted
    ? '提交后课题待把关（本组织书记，或上级督导、组织者把关）；把关通过后须提交调研报告'
    : '本次活动的课题无需把关，提交即计为通过；须提交调研报告';
  const open = r.awaiting.length + r.lacking.length;
  return `${next}。${r.done ? '调查研究环节已完成，新课题会使其重新进行，直到它也有报告。' : open ? `目前还有 ${open} 个课题未完成。` : ''}`;
}

/** What a report against this topic will count for. */
export function reportPreview(r: Research, topicId: string): string {
  const topic = r.approved.find((t) => t.topic_id === topicId);
  if (!topic) return r.approved.length ? '请选择把关通过的课题。' : '调研报告须针对把关通过的课题：还没有把关通过的课题。';
  if (topic.reports) return `《${topic.title}》已有调研报告 ${topic.reports} 篇，这一篇不改变环节进度。`;
  const others = r.lacking.filter((t) => t.topic_id !== topicId).length;
  if (!others && !r.awaiting.length) return `《${topic.title}》尚缺报告：提交后调查研究环节即完成。`;
  const left = [others ? `${others} 个课题缺报告` : '', r.awaiting.length ? `${r.awaiting.length} 个课题待把关` : ''].filter(Boolean).join('、');
  return `《${topic.title}》尚缺报告：提交后还有 ${left}，调查研究环节才完成。`;
}

/** The review and rectification components, from the org's own figures. */
export interface Ledger {
  problems: number;
  closed: number;
  meetings: number;
  reviewDone: boolean;
}

export function reviewNeed(l: Ledger): string {
  const found = `已查摆问题 ${l.problems} 个（民主生活会 ${l.meetings} 次）`;
  return l.reviewDone ? `${found}，问题清单已确认` : `${found}；查摆完毕后确认问题清单，检视问题环节即完成`;
}

export function rectificationNeed(l: Ledger): string {
  const open = l.problems - l.closed;
  const head = `问题 ${l.problems} 个，已销号 ${l.closed} 个`;
  if (!l.reviewDone) return `${head}${open ? `，${open} 个待整改` : ''}；问题清单确认后，全部销号即完成`;
  return open ? `${head}：还有 ${open} 个未销号（不整改不销号）` : `${head}：全部销号`;
}

/** What recording problems will do to the counts. */
export function problemPreview(l: Ledger, adding: number, immediate: boolean, immediateDays: number): string {
  const base = `提交后进入问题台账：已查摆问题 ${l.problems} → ${l.problems + adding} 个，整改落实环节须全部销号才能完成${l.reviewDone ? '（问题清单已确认，新问题照样要整改销号）' : ''}`;
  return immediate ? `${base}。立行立改：整改期限不超过 ${immediateDays} 天。` : `${base}。`;
}

// ---- refusals in plain words

/** A failing field as problem+json names it (`body.problems.0.category`) → the form's field name (`problems.0.category`). */
export function fieldOf(path: string): string | undefined {
  const m = /^body\.(.+)$/.exec(path);
  return m ? m[1] : undefined;
}

const FIELD_MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Too small: expected string to have >=1 characters?$/, () => '不能为空'],
  [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `不能超过 ${m[1]} 个字`],
  [/^Too small: expected number to be >=(-?[\d.]+)$/, (m) => `不能小于 ${m[1]}`],
  [/^Too small: expected number to be >(-?[\d.]+)$/, (m) => `须大于 ${m[1]}`],
  [/^Too big: expected number to be <=(-?[\d.]+)$/, (m) => `不能大于 ${m[1]}`],
  [/^Too big: expected number to be <(-?[\d.]+)$/, (m) => `须小于 ${m[1]}`],
  [/expected int/, () => '须为整数'],
  [/expected a date as YYYY-MM-DD/, () => '请填写日期'],
  [/^not a calendar date$/, () => '不是有效的日期'],
  [/^Invalid option/, () => '请从选项中选择'],
  [/^letters, digits and/, () => '编号只能由字母、数字和 _.:- 组成'],
];

/** A field's refusal (zod's words, or the domain's) in plain words; unknown ones as the API said them. */
export function plainField(message: string): string {
  for (const [re, say] of FIELD_MESSAGES) {
    const m = re.exec(message);
    if (m) return say(m);
  }
  return plainRefusal(message);
}

const REFUSALS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^(\d{4}-\d{2}-\d{2}) is in the future \(today is (\d{4}-\d{2}-\d{2})\)$/, (m) => `${m[1]} 晚于今天（${m[2]}），不能预先填报`],
  [/^(\d{4}-\d{2}-\d{2}) is before the campaign starts \((\d{4}-\d{2}-\d{2})\)$/, (m) => `${m[1]} 早于活动开始日期（${m[2]}）`],
  [/^(\d{4}-\d{2}-\d{2}) is after the campaign ends \((\d{4}-\d{2}-\d{2})\)$/, (m) => `${m[1]} 晚于活动结束日期（${m[2]}）`],
  [/^a returned topic needs a reason$/, () => '退回课题须写明理由'],
  [/^topic (\S+) is (\w+), not awaiting vetting$/, (m) => `该课题${TOPIC_STATUS[m[2]!] ?? m[2]}，已不在待把关状态（可能已有人把关）`],
  [/^topic (\S+) is (\w+); reports go against approved topics$/, (m) => `该课题${TOPIC_STATUS[m[2]!] ?? m[2]}：调研报告须针对把关通过的课题`],
  [/^topic (\S+) already exists/, () => '该课题已提出；只有被退回的课题可以修改后重新提出'],
  [/^no topic (\S+) in /, (m) => `本组织没有课题 ${m[1]}`],
  [/^problem (\S+) is already in the ledger$/, (m) => `问题 ${m[1]} 已在台账中`],
  [/^mobilisation already recorded on (\S+)/, (m) => `动员部署会议已于 ${m[1]} 记录`],
  [/has not held its mobilisation meeting yet; (\w+) opens after it$/, (m) => `本组织尚未召开动员部署会议：${COMPONENT_ZH[m[1]!] ?? m[1]}环节在动员会后开始`],
  [
    /^(\w+) opens when (\w+) is done \(sequential mode\)$/,
    (m) => `${COMPONENT_ZH[m[1]!] ?? m[1]}环节在${COMPONENT_ZH[m[2]!] ?? m[2]}环节完成后开始（按阶段推进）`,
  ],
  [
    /is not reached by the cascade yet: .*?(\S+) \(([^)]+)\) has not held its mobilisation meeting/,
    (m) => `活动尚未部署到本组织：上级组织“${m[2]}”尚未召开动员部署会议`,
  ],
  [/is not reached by the cascade yet/, () => '活动正在向本组织部署，请稍后再试'],
  [/^the campaign is over for |has finished in campaign/, () => '本组织的活动已经结束，不再接受填报'],
  [/^the workflow did not answer in time/, () => '系统繁忙，未能及时答复：请再提交一次（不会重复记录）'],
  [/ may not (act|vet|verify)|acts on its own org only/, () => '你的账号无权为本组织做这项填报'],
];

/** The API's `detail` in words a secretary reads; one not known here as the API said it. */
export function plainRefusal(detail: string): string {
  for (const [re, say] of REFUSALS) {
    const m = re.exec(detail);
    if (m) return say(m);
  }
  return detail;
}
