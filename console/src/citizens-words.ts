/**
 * 民意直通车 in plain words: the public pages' addresses, what each tracking state means to
 * the sender, and the API's refusals (English problem details) as a citizen or the office
 * reads them, each with the field it belongs beside. Pure functions, no React.
 */

/** `#/public/<campaign>`, `#/public/<campaign>/track`, `#/public/<campaign>/track/<code>`; `#/public` alone: the landing. */
export type PublicRoute = { view: 'landing' } | { view: 'send'; campaignId: string } | { view: 'track'; campaignId: string; code: string };

export function publicRoute(hash: string): PublicRoute | null {
  const m = /^\/public(?:\/([^/]+)(?:\/(track)(?:\/([^/]*))?)?)?\/?$/.exec(hash);
  if (!m) return null;
  if (!m[1]) return { view: 'landing' };
  const campaignId = decodeURIComponent(m[1]);
  return m[2] ? { view: 'track', campaignId, code: decodeURIComponent(m[3] ?? '') } : { view: 'send', campaignId };
}

export const publicHref = (campaignId: string) => `#/public/${encodeURIComponent(campaignId)}`;
export const trackHref = (campaignId: string, code = '') => `${publicHref(campaignId)}/track${code ? `/${encodeURIComponent(code)}` : ''}`;

/** The sender's states (`GET …/track/:code`), each as a short label and what it means. */
export const SENDER_STATUS: Record<string, { label: string; says: string }> = {
  received: { label: '已收到，等待分办', says: '您的留言已收到，活动办公室会在当天把它交给负责的单位。' },
  flagged: { label: '已收到，分办已超时', says: '您的留言尚未在当天分办，已被标记为超时，活动办公室会优先处理。' },
  routed: { label: '已转交责任单位', says: '您的留言已交给负责的单位，列入其整改台账，等待制定整改措施。' },
  in_rectification: { label: '责任单位正在整改', says: '负责的单位已制定措施、正在整改；整改完成后须经上级核验。' },
  resolved: { label: '已整改销号', says: '整改已经上级核验通过并销号（不整改不销号）。' },
};

/** The steps shown on the tracking page, in order, with the date field each is reached at. */
export const TRACK_STEPS = [
  { key: 'receivedAt', label: '收到留言' },
  { key: 'routedAt', label: '转交责任单位' },
  { key: 'rectificationStartedAt', label: '开始整改' },
  { key: 'resolvedAt', label: '核验销号' },
] as const;

/** "30 秒", "2 分钟", "1 小时 5 分钟". */
export function waitWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} 秒`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m} 分钟`;
  return `${Math.floor(m / 60)} 小时${m % 60 ? ` ${m % 60} 分钟` : ''}`;
}

/** A refusal as the page words it: the text, and the form field it belongs beside (when it names one). */
export interface Words {
  text: string;
  field?: string;
}

interface RefusalLike {
  status: number;
  message: string;
  fields: string[];
  retryAfterSeconds: number | null;
}

const SEND_FIELDS: Record<string, string> = { 'body.text': '留言内容', 'body.category': '类别', 'body.area': '所在区域', 'body.contact': '联系方式' };

/** Sending a message: 400 (a field), 404, 409, 413, 429, no connection. */
export function sendRefusal(r: RefusalLike): Words {
  const path = r.fields.find((f) => f in SEND_FIELDS);
  switch (r.status) {
    case 0:
      return { text: '网络连接失败，留言没有发出。请检查网络后再点“提交留言”（不会重复提交）。' };
    case 400:
      if (path)
        return {
          field: path.slice('body.'.length),
          text: /control/.test(r.message) ? `${SEND_FIELDS[path]}里有无法识别的字符，请删去后再提交。` : `请检查${SEND_FIELDS[path]}：不能为空，也不能过长。`,
        };
      return { text: '提交的内容有误，请检查后再试。' };
    case 404:
      return { text: '没有找到这项活动：请核对网址（活动编号）是否正确。' };
    case 409:
      return { text: '这项活动已经结束，不再接收留言。' };
    case 413:
      return { field: 'text', text: '留言太长了，请精简到 2000 字以内。' };
    case 429:
      return {
        text: `提交太频繁了：同一网络连续提交几条后，每分钟只能再提交一条。请${r.retryAfterSeconds ? `在 ${waitWords(r.retryAfterSeconds)}后` : '稍后'}再试，您填写的内容会保留。`,
      };
    default:
      return { text: `暂时无法提交（${r.status}），请稍后再试。您填写的内容会保留。` };
  }
}

/** Tracking: 404 (any wrong code, the same answer), 429, no connection. */
export function trackRefusal(r: RefusalLike): Words {
  switch (r.status) {
    case 0:
      return { text: '网络连接失败，请检查网络后再查询。' };
    case 400:
    case 404:
      return { field: 'code', text: '没有找到这个查询码对应的留言：请核对查询码（共 24 个字符，区分大小写）和网址中的活动是否正确。' };
    case 429:
      return { text: `查询太频繁了，请${r.retryAfterSeconds ? `在 ${waitWords(r.retryAfterSeconds)}后` : '稍后'}再查。` };
    default:
      return { text: `暂时无法查询（${r.status}），请稍后再试。` };
  }
}

/** The office routing a message: 403, 404, 409 (not reached, already routed, not the office), 422. */
export function triageRefusal(r: RefusalLike): Words {
  const field = 'toOrgId';
  const already = /already routed to (\S+)/.exec(r.message);
  if (r.status === 409 && already) return { field, text: `这条留言已经分办给 ${already[1]}（可能刚被他人分办），不能再分办。` };
  if (r.status === 409 && /being routed/.test(r.message)) return { field, text: '这条留言正在分办中，请稍后刷新再看。' };
  if (r.status === 409 && /not reached/.test(r.message))
    return { field, text: '该组织尚未被活动覆盖（其上级尚未召开动员部署会议），暂不能分办给它，请选择已覆盖的组织。' };
  if (r.status === 409) return { text: '只有活动办公室（活动的牵头组织）才能分办留言。' };
  if (r.status === 422) return { field, text: '该组织不在本活动范围内，或组织库中没有它。' };
  if (r.status === 403) return { text: '您没有分办留言的权限：分办由活动牵头组织的组织者或管理员进行。' };
  if (r.status === 404) return { text: '没有找到这条留言或这个组织（可能不在您可查看的范围内）。' };
  if (r.status === 0) return { text: '网络连接失败，请稍后再试。' };
  return { text: `分办失败（${r.status}）：${r.message}` };
}
