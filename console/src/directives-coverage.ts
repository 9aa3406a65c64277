/**
 * 上题下答's own rules as the directives screen shows them (pure: no imports, so the unit
 * test `test/console/directives-coverage.test.ts` runs them in Node).
 */

/** A coverage's counts as the API gives them (`coverageView` in domain/directive.ts). */
export interface CoverageFigures {
  targeted: number;
  done: number;
  rectified: number;
  overdue: number;
  lagging: number;
}

/**
 * A directive's coverage colour, for a subtree (or a child of it) that holds targeted orgs:
 * red when any targeted item is open past its deadline; yellow while any is neither done
 * nor rectified (lagging); green when every targeted org has done its part (verified, or
 * rectified and awaiting verification from above); none when the subtree holds no target.
 */
export function coverageColour(c: CoverageFigures | null | undefined): 'red' | 'yellow' | 'green' | 'none' {
  if (!c || c.targeted === 0) return 'none';
  if (c.overdue > 0) return 'red';
  return c.lagging > 0 ? 'yellow' : 'green';
}

/** Items still being worked on and not overdue: the lagging ones less the overdue ones. */
export const inProgress = (c: CoverageFigures): number => Math.max(0, c.lagging - c.overdue);

/** What is left of the weekly cap on requests for information; null when the org is not capped. */
export const allowanceLeft = (w: { cap: number | null; sent: number } | undefined): number | null => (w && w.cap !== null ? Math.max(0, w.cap - w.sent) : null);

/**
 * A new directive's id: the day in China and six random characters, within the API's
 * `ItemId` (letters, digits and `_.:-`, at most 80).
 *
 * @example
 * newDirectiveId(Date.parse('2026-12-06T20:00:00Z')) // → 'd-20261207-k3x9q0' (already the 7th in China)
 */
export function newDirectiveId(now = Date.now(), random = Math.random): string {
  const stamp = new Date(now + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
  return `d-${stamp}-${random().toString(36).slice(2, 8).padEnd(6, '0')}`;
}

/**
 * The workflow's refusals of a directive, which it words in English, in plain Chinese for the
 * field they name; any other is shown as the API said it.
 *
 * @example
 * plainRefusal('name target levels or target orgs') // → '请至少选择一个下达层级，或填写指定组织。'
 */
export function plainRefusal(detail: string): string {
  if (detail === 'name target levels or target orgs') return '请至少选择一个下达层级，或填写指定组织。';
  let m = /^a directive goes down: (\w+) is not below (\w+)$/.exec(detail);
  if (m) return `部署只能向下级下达：所选层级不在本级之下（${detail}）。`;
  m = /^the deadline (.+) has already passed$/.exec(detail);
  if (m) return `期限 ${m[1]} 已过，请选择今后的日期。`;
  return detail;
}
