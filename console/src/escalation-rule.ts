/**
 * 下题上答 on screen: the colour of an escalation waiting for a claim, which ledger items
 * may be raised, the chain's steps and the API's refusals in the words an organiser uses.
 * Pure functions (no React), tested in test/console/escalation-rule.test.ts.
 */

export type EscalationColour = 'red' | 'yellow' | 'green';

/**
 * An escalation waiting for a claim, coloured as a ledger item's deadline is (domain/ledger.ts
 * `alertAt`): red once its claim deadline has passed (at the campaign's top it stays, red,
 * `overdue_at` set; below the top the engine forwards it on), yellow within `warningDays` of
 * it, green before. Not waiting (claimed, forwarded on): no colour.
 */
export function escalationColour(
  e: { target_status: string | null; claim_deadline: string | Date | null; overdue_at: string | Date | null },
  nowMs: number,
  warningDays: number,
): EscalationColour | null {
  if (e.target_status !== 'pending') return null;
  if (e.overdue_at) return 'red';
  if (!e.claim_deadline) return 'green';
  const deadline = new Date(e.claim_deadline).getTime();
  if (nowMs >= deadline) return 'red';
  if (nowMs >= deadline - warningDays * 86_400_000) return 'yellow';
  return 'green';
}

export const ESCALATION_COLOUR: Record<EscalationColour, string> = { red: '逾期未认领', yellow: '临近认领期限', green: '待认领' };

/**
 * Whether a ledger item may be raised (domain/org-node.ts `escalateProblem`): open (found,
 * planned or in progress), and not itself an item claimed from below (that one answers
 * escalations; it is forwarded instead). An item raised before is answered with the first
 * escalation, so `raised` (the items this org has raised) leaves those out of the choice.
 */
export function canRaise(item: { problem_id: string; status: string; source: string }, raised: ReadonlySet<string>): boolean {
  return ['found', 'planned', 'in_progress'].includes(item.status) && item.source !== 'escalation' && !raised.has(item.problem_id);
}

/** The levels an org may raise to: those above its own, nearest first. */
export function levelsAbove(level: string): ('city' | 'district' | 'unit')[] {
  const order = ['city', 'district', 'unit', 'branch'] as const;
  const i = order.indexOf(level as (typeof order)[number]);
  return (i <= 0 ? [] : order.slice(0, i).reverse()) as ('city' | 'district' | 'unit')[];
}

/** Where it stands, for the target's side (`target_status`). */
export const TARGET_STATUS: Record<string, string> = { pending: '待认领', claimed: '已认领', forwarded: '已转报' };
/** What the origin last heard (`origin_status`). */
export const ORIGIN_STATUS: Record<string, string> = {
  sent: '已上报',
  acknowledged: '上级已收到',
  forwarded: '已转报更上级',
  claimed: '已被认领',
  answered: '已答复（本级问题随之销号）',
  undeliverable: '无法送达',
};

/** One hop of the chain (GET /campaigns/:id/escalations/:id `hops[].step`) as a verb. */
export function stepZh(step: string): string {
  const words: Record<string, string> = {
    raised: '上报',
    received: '收到',
    forwarded: '转报上级',
    lapsed: '认领期限已过，自动转报上级',
    overdue: '认领期限已过（本次活动最高层级，标红待认领）',
    claimed: '认领为本级新问题',
    merged: '合并认领（并入本级已有问题）',
  };
  if (words[step]) return words[step];
  const heard = /^origin heard: (.+)$/.exec(step);
  if (heard) return `上报方收到回告：${ORIGIN_STATUS[heard[1]!] ?? heard[1]}`;
  return step;
}

/**
 * The API's refusal in plain words. `fields` are the fields it named; `currentStatus` what
 * the escalation had become when the refusal says it clashed.
 */
export function refusalZh(r: { status: number; message: string; fields?: Record<string, string>; currentStatus?: string | undefined }): string {
  const m = r.message;
  if (r.status === 401) return '登录已失效，请重新登录。';
  if (r.status === 400 && r.fields?.reason !== undefined) return '请填写理由（不能只有空格）。';
  if (r.status === 403) return '您无权为该组织办理此事项（支部书记只能办理本支部的事项，组织者可办理本级及下级的事项）。';
  if (/top of the campaign/.test(m)) return '本级是本次活动的最高层级，没有可转报的上级，请在本级认领。';
  if (/has not mobilised|cascade has not reached|not reached/.test(m)) return `活动尚未部署到本级：上级尚未召开动员部署会议。（${m}）`;
  if (/cannot escalate/.test(m)) return '该问题当前状态不能上报：只有已查摆、已制定整改措施或整改中的问题可以上报。';
  if (r.currentStatus || /was (claimed|forwarded|overdue)/.test(m)) {
    const s = r.currentStatus ?? /was (\w+)/.exec(m)?.[1] ?? '';
    const became: Record<string, string> = { claimed: '已被认领', forwarded: '已转报上级', pending: '仍在等待认领' };
    return `该上报${became[s] ?? `状态为 ${s}`}，不能再这样办理。`;
  }
  if (/already claimed as/.test(m)) return '该上报已被认领为另一问题。';
  if (/answers escalations from below/.test(m)) return '该问题是从下级认领来的，请在收件箱转报，不能再次上报。';
  if (/no ancestor at level/.test(m)) return '本组织没有该层级的上级。';
  if (/above or across|itself/.test(m)) return '只能向上级或平级组织上报。';
  if (r.status === 404) return `未找到：${m}`;
  if (r.fields && Object.keys(r.fields).length) return `填写有误：${m}`;
  return m;
}
