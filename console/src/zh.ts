/** The console's words: zh-CN first, the domain's own terms (DESIGN.md §1). */
export const LEVEL: Record<string, string> = { city: '市', district: '区（局、高校、医院）', unit: '单位', branch: '基层党支部' };
export const LEVEL_SHORT: Record<string, string> = { city: '市', district: '区级', unit: '单位', branch: '支部' };
export const ROLE: Record<string, string> = { admin: '管理员', organiser: '组织者', secretary: '支部书记', inspector: '督导（巡回指导组）', operator: '运维' };
export const COLOUR: Record<string, string> = { red: '红', yellow: '黄', green: '绿', none: '未覆盖' };
export const COLOUR_LONG: Record<string, string> = { red: '红色：有逾期事项', yellow: '黄色：滞后或临近期限', green: '绿色：正常推进', none: '尚未覆盖：上级未召开动员会' };
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
export const PROBLEM_STATUS: Record<string, string> = { found: '已查摆', planned: '已制定整改措施', in_progress: '整改中', rectified: '已整改待核验', closed: '已销号' };
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
const COMPONENT_NAME: Record<string, string> = { mobilisation: '动员部署', study: '学习教育', research: '调查研究', review: '检视问题', rectification: '整改落实' };

/** A timeline entry's few fields as one line. */
export function eventDetail(type: string, f: Record<string, string | number | boolean | null>): string {
  const parts: string[] = [];
  if (typeof f.component === 'string') parts.push(COMPONENT_NAME[f.component] ?? f.component);
  if (typeof f.date === 'string') parts.push(f.date);
  if (typeof f.kind === 'string' && type === 'StudySessionRecorded') parts.push(`${STUDY_KIND[f.kind] ?? f.kind}${f.counted ? '，计入集中学习天数' : '，不计入'}`);
  if (typeof f.attendance === 'number') parts.push(`${f.attendance} 人`);
  if (f.auto === true) parts.push('自动');
  if (typeof f.problemId === 'string') parts.push(f.problemId);
  if (typeof f.category === 'string') parts.push(f.category);
  if (typeof f.title === 'string') parts.push(f.title);
  if (typeof f.alert === 'string') parts.push(f.alert === 'red' ? '已逾期' : f.alert === 'yellow' ? '临近期限' : f.alert);
  if (typeof f.by === 'string') parts.push(ROLE[f.by.split(':')[0]!] ?? f.by);
  return parts.join(' · ');
}
