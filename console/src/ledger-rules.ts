/**
 * The ledger screen's own rules, pure (no imports, so the node tests read them too):
 * who may press what on an item, as api/auth.ts `requireOrgAccess` and the workflow decide
 * it, and the API's refusals in plain Chinese.
 */

export interface Caller {
  role: string;
  orgPath: string;
}

/** What the caller may do on an item of the org at `orgPath`. */
export function mayOn(caller: Caller, orgPath: string | null): { act: boolean; verify: boolean } {
  if (caller.role === 'admin') return { act: true, verify: true };
  if (!orgPath || !orgPath.startsWith(caller.orgPath)) return { act: false, verify: false };
  const own = orgPath === caller.orgPath;
  return {
    // act: the org's own secretary or organiser, or an organiser above it.
    act: own ? caller.role === 'organiser' || caller.role === 'secretary' : caller.role === 'organiser',
    // verify: an inspector over the org, or an organiser above it (never the org's own organiser: the workflow refuses).
    verify: caller.role === 'inspector' || (caller.role === 'organiser' && !own),
  };
}

export type ItemAction = 'plan' | 'start' | 'submit' | 'extend' | 'verify';

/** The actions an item in this state takes, of those the caller may do. */
export function actionsFor(item: { status: string; extended_from: string | null }, may: { act: boolean; verify: boolean }): ItemAction[] {
  const out: ItemAction[] = [];
  if (may.act) {
    if (item.status === 'found') out.push('plan');
    if (item.status === 'planned') out.push('start');
    if (item.status === 'in_progress') out.push('submit');
    if ((item.status === 'planned' || item.status === 'in_progress') && !item.extended_from) out.push('extend');
  }
  if (may.verify && item.status === 'rectified') out.push('verify');
  return out;
}

const STATUS_ZH: Record<string, string> = {
  found: '已查摆',
  planned: '已制定整改措施',
  in_progress: '整改中',
  rectified: '已整改待核验',
  closed: '已销号',
  cancelled: '已撤销',
};

/**
 * A refusal's detail (the API speaks English) in words a secretary reads; the detail itself
 * when no rule here knows it. `status` is the HTTP status.
 */
export function refusalZh(status: number, detail: string): string {
  let m: RegExpExecArray | null;
  if (/has already passed/.test(detail)) return '期限已过：请选择今天或以后的日期。';
  if ((m = /new deadline must be after the current one \(([^)]+)\)/.exec(detail))) return `新的期限必须晚于原期限（${chinaDay(m[1]!)}）。`;
  if (/already extended once/.test(detail)) return '期限只能延长一次，本事项已延长过。';
  if (/returned rectification needs a reason/.test(detail)) return '退回整改须写明理由。';
  if ((m = /immediate item .* within (\d+) days/.exec(detail))) return `立行立改事项须在 ${m[1]} 天内完成，请缩短期限。`;
  if ((m = /is (found|planned|in_progress|rectified|closed|cancelled); cannot/.exec(detail)))
    return `该事项当前为“${STATUS_ZH[m[1]!]}”，不能进行这一步，请刷新后再看。`;
  if (/never by whoever rectified it, as this caller did/.test(detail)) return '整改材料的提交人不能自己核验销号。';
  if (/verified by an inspector|may not verify/.test(detail)) return '核验销号须由上级督导（巡回指导组）或上级组织者进行，本组织人员不能核验。';
  if (/acts on its own org only|may not act on org/.test(detail)) return '无权为该组织操作：只有本组织书记或上级组织者可以操作。';
  if (/has not held its mobilisation meeting/.test(detail)) return '本组织尚未召开动员部署会议，整改落实尚未开始。';
  if (/not reached by the cascade|has not mobilised|cascade is starting/.test(detail)) return '活动尚未部署到本组织（上级尚未召开动员会）。';
  if (/campaign is over|has finished/.test(detail)) return '活动已结束，不再受理。';
  if (/opens when .* is done/.test(detail)) return '上一环节尚未完成，本环节尚未开始（顺序模式）。';
  if (/Idempotency-Key/.test(detail)) return '重复提交与前一次内容不同，请刷新后重新提交。';
  if (status === 400) return `填写有误：${detail}`;
  if (status === 401) return '登录已失效，请重新登录。';
  if (status === 404) return '找不到该事项或组织（或不在您的查看范围内）。';
  if (status === 503) return '系统暂未响应，请稍后再提交一次。';
  return detail;
}

/** A field's own message from a 400 (the schema's words), in plain Chinese. */
export function fieldZh(message: string): string {
  if (/too small|at least 1|>=1 characters|Too small/i.test(message)) return '请填写此项。';
  if (/too big|at most|Too big/i.test(message)) return '内容过长。';
  if (/Invalid/i.test(message)) return '格式不正确。';
  return message;
}

/** An ISO instant as the China Standard Time day it falls on, `2026年12月6日 18:20`. */
function chinaDay(instant: string): string {
  const t = Date.parse(instant);
  if (Number.isNaN(t)) return instant;
  const d = new Date(t + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
