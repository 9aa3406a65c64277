/**
 * 三色督办: the one colour rule for an org, used by the console (and by `GET …/overview`,
 * which sorts and filters by it in SQL: `colourSql` in db/models/overview.ts is this
 * function written for PostgreSQL, and `db/models/overview.test.ts` holds the two together).
 *
 * It is built on the lagging rule of `GET …/lagging` and the reports (`laggingReasons`):
 * - red: the org has items overdue (past their deadline, still planned or in progress: what
 *   `GET …/overdue` lists), or it has not mobilised (动员部署) more than
 *   `rules.mobiliseWithinDays` days after the cascade reached it (its workflow started, i.e.
 *   its parent mobilised; for the root, the campaign started);
 * - yellow: it lags for another reason (not mobilised yet within that deadline, or with no
 *   deadline; or its concentrated study not done), or it has items due soon (within
 *   `rules.warningDays` of their deadline);
 * - green: none of these.
 * An org's colour is its own, from its own figures; its subtree's figures stand beside it.
 * So every red or yellow org but one yellow only for items due soon is in `/lagging`.
 */
import { laggingReasons, mobilisationLateDays, type LaggingContext, type LaggingInput } from './report.js';

export type Colour = 'red' | 'yellow' | 'green';
export const COLOURS: readonly Colour[] = ['red', 'yellow', 'green'];

export type ColourInput = LaggingInput;
/** The clock (ms since the epoch) and the campaign's `mobiliseWithinDays`; without it, no mobilisation deadline. */
export type ColourContext = LaggingContext;

/** The colour and why, in the lagging rule's words plus "n due soon". */
export function orgColour(org: ColourInput, ctx?: ColourContext): { colour: Colour; reasons: string[] } {
  const reasons = laggingReasons(org, ctx);
  const dueSoon = org.own.dueSoon ?? 0;
  if (dueSoon > 0) reasons.push(`${dueSoon} due soon`);
  const red = (org.own.overdue ?? 0) > 0 || mobilisationLateDays(org, ctx) !== undefined;
  const colour: Colour = red ? 'red' : reasons.length ? 'yellow' : 'green';
  return { colour, reasons };
}
