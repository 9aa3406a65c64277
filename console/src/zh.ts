/** The console's words: zh-CN first, the domain's own terms (DESIGN.md §1). */
export const LEVEL: Record<string, string> = { city: '市', district: '区（局、高校、医院）', unit: '单位', branch: '基层党支部' };
export const LEVEL_SHORT: Record<string, string> = { city: '市', district: '区级', unit: '单位', branch: '支部' };
export const ROLE: Record<string, string> = { admin: '管理员', organiser: '组织者', secretary: '支部书记', inspector: '督导（巡回指导组）', operator: '运维' };
export const COLOUR: Record<string, string> = { red: '红', yellow: '黄', green: '绿', none: '未覆盖' };
export const COLOUR_LONG: Record<string, string> = {
  red: '红色：有逾期事项',
  yellow: '黄色：滞后或临近期限',
  green: '绿色：正常推进',
  none: '尚未覆盖：上级未召开动员会',
};
/** The five components, in order. */
export const COMPONENTS: [string, string][] = [
  ['mobilisation', '动员部署'],
  ['study', '学习教育'],
  ['research', '调查研究'],
  ['review', '检视问题'],
  ['rectification', '整改落实'],
];
export const COMPONENT_STATE: Record<string, string> = { locked: '未开始', open: '进行中', done: '已完成' };
export const ORG_STATUS: Record<string, string> = {
  waiting_mobilisation: '待动员',
  active: '进行中',
  complete: '本级已完成',
  continuing: '进行中',
  completed: '已完成',
  closed_incomplete: '结束（未完成）',
};
export const PROBLEM_STATUS: Record<string, string> = {
  found: '已查摆',
  planned: '已制定整改措施',
  in_progress: '整改中',
  rectified: '已整改待核验',
  closed: '已销号',
};
export const STUDY_KIND: Record<string, string> = { concentrated: '集中学习', self_study: '个人自学', lecture: '专题党课' };
export const CAMPAIGN_STATUS: Record<string, string> = { running: '进行中', closing: '收尾中', completed: '已完成', closed: '已结束' };

/** The colour rule's reasons (domain/colour.ts speaks English) in Chinese. */
export function reasonZh(reason: string): string {
  if (reason === 'not mobilised') return '未召开动员会';
  let m = /^study (\d+) days$/.exec(reason);
  if (m) return `集中学习仅 ${m[1]} 天`;
  m = /^(\d+) overdue$/.exec(reason);
  if (m) return `${m[1]} 项逾期`;
  m = /^(\d+) due soon$/.exec(reason);
  if (m) return `${m[1]} 项临近期限`;
  m = /^reached (\d+) days ago, mobilise within ([\d.]+) days$/.exec(reason);
  if (m) return `部署已 ${m[1]} 天，超过 ${m[2]} 天动员时限`;
  return reason;
}

/** The timeline's events (GET …/timeline), in words a secretary uses. */
export const EVENT: Record<string, string> = {
  OrgStarted: '活动部署到本级',
  OrgMobilised: '召开动员部署会议',
  ChildrenCascaded: '向下级部署',
  ComponentOpened: '环节开始',
  ComponentDone: '环节完成',
  StudySessionRecorded: '记录学习',
  TopicProposed: '提出调研课题',
  TopicVetted: '调研课题把关',
  ReportSubmitted: '提交调研报告',
  ProblemRecorded: '查摆问题',
  RectificationPlanned: '制定整改措施',
  RectificationStarted: '开始整改',
  RectificationSubmitted: '提交整改材料',
  RectificationVerified: '核验销号',
  RectificationReturned: '退回整改',
  DeadlineAlert: '期限预警',
  DeadlineExtended: '延期',
  ReviewConcluded: '确认问题清单',
  ProblemsDisclosed: '公示',
  DemocraticLifeMeetingHeld: '召开民主生活会',
  DirectiveReceived: '收到上级部署（上题下答）',
  ProblemEscalated: '问题上报（下题上答）',
  EscalationClaimed: '认领上报问题',
  OrgFinished: '本级结束',
};
const COMPONENT_NAME: Record<string, string> = {
  mobilisation: '动员部署',
  study: '学习教育',
  research: '调查研究',
  review: '检视问题',
  rectification: '整改落实',
};

/** A timeline entry's few fields as one line. */
export function eventDetail(type: string, f: Record<string, string | number | boolean | null>): string {
  const parts: string[] = [];
  if (typeof f.component === 'string') parts.push(COMPONENT_NAME[f.component] ?? f.component);
  if (typeof f.date === 'string') parts.push(f.date);
  if (typeof f.kind === 'string' && type === 'StudySessionRecorded')
    parts.push(`${STUDY_KIND[f.kind] ?? f.kind}${f.counted ? '，计入集中学习天数' : '，不计入'}`);
  if (typeof f.attendance === 'number') parts.push(`${f.attendance} 人`);
  if (f.auto === true) parts.push('自动');
  if (typeof f.problemId === 'string') parts.push(f.problemId);
  if (typeof f.category === 'string') parts.push(f.category);
  if (typeof f.title === 'string') parts.push(f.title);
  if (typeof f.alert === 'string') parts.push(f.alert === 'red' ? '已逾期' : f.alert === 'yellow' ? '临近期限' : f.alert);
  if (typeof f.by === 'string') parts.push(ROLE[f.by.split(':')[0]!] ?? f.by);
  return parts.join(' · ');
}

// ---- 民意直通车 / 民意分办 (citizens: PublicPage.tsx, Triage.tsx)
/** A public message's state as the office reads it (`rm_public_messages.state`). */
export const MESSAGE_STATE: Record<string, string> = {
  received: '刚收到',
  awaiting_triage: '待分办',
  routed: '已分办，待整改',
  in_rectification: '整改中',
  resolved: '已销号',
};
// ---- the ledger screen (整改台账, Ledger.tsx)
/** Where an item came from (rm_problems.source, domain/events.ts PROBLEM_SOURCES). */
export const SOURCE: Record<string, string> = {
  self_inspection: '自查',
  research: '调查研究',
  democratic_life: '民主生活会',
  spot_check: '督导抽查',
  public_message: '民意直通车',
  escalation: '下题上答（上报）',
  directive: '上题下答（上级部署）',
  joint_answer: '同题共答',
};
export const ITEM_STATUS: Record<string, string> = { ...PROBLEM_STATUS, cancelled: '已撤销（部署取消）' };
export const ITEM_COLOUR: Record<string, string> = { red: '逾期', yellow: '临近期限', none: '无预警' };
/** An item's history (GET …/problems/:problemId/history). */
export const ITEM_EVENT: Record<string, string> = {
  ProblemRecorded: '查摆问题',
  RectificationPlanned: '制定整改措施',
  RectificationStarted: '开始整改',
  RectificationSubmitted: '提交整改材料',
  RectificationVerified: '核验销号',
  RectificationReturned: '退回整改',
  DeadlineAlert: '期限预警',
  DeadlineExtended: '延期',
  ProblemsDisclosed: '公示',
  ProblemEscalated: '问题上报（下题上答）',
  EscalationProgress: '上报进展',
  EscalationClaimed: '认领上报问题',
  DirectiveReceived: '收到上级部署（上题下答）',
  DirectiveCancelled: '上级部署撤销',
  PublicMessageRouted: '民意直通车转办',
  JointPartAccepted: '同题共答承接',
};
// ---- 填报 (the record screen, Record.tsx and forms.tsx)
/** The sources a secretary records a problem under by hand; the rest (民主生活会, 督导抽查, 民意直通车, 上报, 部署) arrive by their own paths. */
export const PROBLEM_SOURCE_FORM: Record<'self_inspection' | 'research', string> = { self_inspection: '自我检视', research: '调查研究中发现' };
// ---- 下题上答 (the escalations screen): its own words are in escalation-rule.ts; the timeline's names for its events.
EVENT.EscalationReceived = '收到下级上报（下题上答）';
EVENT.EscalationForwarded = '转报上级（下题上答）';
EVENT.EscalationProgress = '上报进展回告';
EVENT.EscalationOverdue = '上报逾期未认领';
// ---- 上题下答 (the directives screen, Directives.tsx)
export const DIRECTIVE_KIND: Record<string, string> = { task: '工作任务', information_request: '要材料（信息报送）' };
/** A directive's coverage colour (directives-api.ts coverageColour). */
export const COVERAGE_COLOUR: Record<string, string> = { red: '有逾期', yellow: '尚有未完成', green: '均已完成或待核验', none: '无部署对象' };
// ---- reports (情况通报/报告) and spot checks (巡回督导): Reports.tsx, Inspections.tsx
export const REPORT_KIND: Record<string, string> = { weekly: '周报', fortnightly: '双周报' };
export const REPORT_KIND_LONG: Record<string, string> = { weekly: '整改落实周报（活动办公室每周例会）', fortnightly: '巡回指导组例会双周报（含暗访抽查）' };
/** 六个防止 (domain/inspection.ts PREVENTION_NAMES). */
export const PREVENTION: Record<string, string> = {
  required_actions_incomplete: '防止规定动作不到位',
  study_superficial: '防止学习教育走过场',
  research_superficial: '防止调查研究走形式',
  problems_inaccurate: '防止检视问题不精准',
  special_rectification_empty: '防止专项整治流于空泛',
  democratic_life_perfunctory: '防止民主生活会流于形式',
};
export const ROUND_STATUS: Record<string, string> = { sampled: '抽查中（问题未下发）', findings_issued: '问题已下发，待通报', circulated: '已通报' };

/** A six-preventions rule's detail (domain/inspection.ts speaks English) in Chinese; a finding typed by hand stays as typed. */
export function ruleDetailZh(detail: string): string {
  return detail
    .split('; ')
    .map((part) => {
      const fixed: Record<string, string> = {
        'mobilisation meeting not held': '未召开动员部署会议',
        'no concentrated study day recorded': '未记录集中学习',
        'no research topic': '没有调研课题',
        'no review (no problem, no democratic life meeting)': '未开展检视（无问题、无民主生活会）',
        'the problem list is empty': '问题清单为空',
        'no democratic life meeting held': '未召开民主生活会',
      };
      if (fixed[part]) return fixed[part];
      let m = /^concentrated study (\d+) of (\d+) days$/.exec(part);
      if (m) return `集中学习 ${m[1]} 天（要求 ${m[2]} 天）`;
      m = /^(\d+) topic\(s\), none vetted and approved$/.exec(part);
      if (m) return `调研课题 ${m[1]} 个，均未把关通过`;
      const listed: [RegExp, string][] = [
        [/^topic\(s\) without a report: (.+)$/, '课题无调研报告：'],
        [/^vague problem\(s\): (.+)$/, '问题表述空泛：'],
        [/^special project\(s\) without items: (.+)$/, '专项整治无具体事项：'],
        [/^meeting\(s\) that found no problem: (.+)$/, '民主生活会未查摆出问题：'],
      ];
      for (const [re, zh] of listed) {
        m = re.exec(part);
        if (m) return `${zh}${m[1]}`;
      }
      return part;
    })
    .join('；');
}

/** A circulated notice's text (domain/inspection.ts noticeText) with the rules' details in Chinese: each is in full-width brackets. */
export function noticeZh(text: string): string {
  return text.replace(/（([^（）\n]*)）/g, (_, detail: string) => `（${ruleDetailZh(detail)}）`);
}
