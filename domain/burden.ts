/**
 * 为基层减负 (burden reduction): a campaign may cap how many requests for information
 * (要材料, 要表) an org may send down to its subtree per week. A request for information
 * is a directive of kind `information_request`: it travels, lands in ledgers and reports
 * coverage like any directive (`directive.ts`); only the sender's count is capped.
 *
 * Weeks are calendar weeks in China Standard Time (UTC+8), Monday to Sunday, named by
 * their Monday (`2026-11-30`): the campaigns' calendar, and the week a district office
 * plans in. The count is per sending org (not per level as a whole), so one busy
 * district cannot spend its neighbours' allowance.
 */
import type { Level } from './levels.js';
import type { Rules } from './campaign.js';

const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/**
 * The week (UTC+8, Monday-based) holding `nowMs`, named by its Monday.
 *
 * @example
 * chinaWeek(Date.parse('2026-11-29T16:00:00Z')) // → '2026-11-30' (Monday 00:00 in UTC+8)
 * chinaWeek(Date.parse('2026-11-29T15:59:59Z')) // → '2026-11-23' (still Sunday in UTC+8)
 */
export function chinaWeek(nowMs: number): string {
  const local = new Date(nowMs + CST_OFFSET_MS);
  const sinceMonday = (local.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/** The instant the week after `week` (a Monday, as {@link chinaWeek} names it) begins: its Monday 00:00 UTC+8. */
export function nextWeekStartMs(week: string): number {
  return Date.parse(`${week}T00:00:00+08:00`) + 7 * DAY_MS;
}

/** What an org has done with its allowance in one week. */
export interface WeekCount {
  sent: number;
  refused: number;
}

/** Why a request for information was refused: what the caller and the `InformationRequestRefused` event carry. */
export interface InformationRequestRefusal {
  level: Level;
  week: string;
  cap: number;
  /** Requests the org had already sent that week. */
  sent: number;
  /** Monday 00:00 UTC+8 of the next week, ISO. */
  nextWeekStartsAt: string;
  reason: string;
}

/** The campaign's cap for an org of `level`; undefined when that level is not capped. */
export function informationRequestCap(rules: Pick<Rules, 'informationRequestsPerWeek'>, level: Level): number | undefined {
  const caps = rules.informationRequestsPerWeek;
  return caps && level !== 'branch' ? caps[level] : undefined;
}

/**
 * Whether one more request for information may go out: null when it may, else the refusal.
 * Refusals do not spend the allowance (`count.sent` counts only what went out).
 *
 * @example
 * checkInformationRequestCap({ informationRequestsPerWeek: { district: 2 } }, { id: 'tj-d1', level: 'district' }, { sent: 2, refused: 0 }, now)
 * // → { cap: 2, week: '2026-11-30', reason: 'the campaign caps requests for information …' }
 */
export function checkInformationRequestCap(
  rules: Pick<Rules, 'informationRequestsPerWeek'>,
  org: { id: string; level: Level },
  count: WeekCount | undefined,
  nowMs: number,
): InformationRequestRefusal | null {
  const cap = informationRequestCap(rules, org.level);
  const sent = count?.sent ?? 0;
  if (cap === undefined || sent < cap) return null;
  const week = chinaWeek(nowMs);
  const nextWeekStartsAt = new Date(nextWeekStartMs(week)).toISOString();
  const reason =
    `为基层减负: the campaign caps requests for information at ${cap} a week for each ${org.level}-level org; ` +
    `${org.id} has sent ${sent} in the week of ${week} (Monday, UTC+8); the next may go from ${nextWeekStart(week)} 00:00 UTC+8`;
  return { level: org.level, week, cap, sent, nextWeekStartsAt, reason };
}

function nextWeekStart(week: string): string {
  return new Date(Date.parse(`${week}T00:00:00Z`) + 7 * DAY_MS).toISOString().slice(0, 10);
}
