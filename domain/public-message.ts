/**
 * 民意直通车, the public feedback channel: a citizen's message, routed the same day to the
 * org responsible for it, tracked until that org's ledger item is verified (不整改不销号).
 * A supporting workflow per message, `campaign/<cid>/public/<messageId>`, decides; the
 * decisions below are plain functions it calls. The sender's tracking code is not here
 * (see `api/tracking-code.ts`): workflows never see it.
 */
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import type { ItemStatus } from './ledger.js';

/** No control characters: what a citizen types, not what a script smuggles. */
const Plain = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- the control characters are what it refuses
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/, 'control characters are not allowed');

/** What the public endpoint takes. */
export const PublicMessageSubmission = lazySchema(() =>
  z
    .object({
      text: Plain(2000),
      /** A phone number or e-mail to be answered on; optional (anonymous messages are taken too). */
      contact: Plain(200).optional(),
      category: Plain(64),
      area: Plain(64),
    })
    .strict(),
);
export type PublicMessageSubmission = z.infer<typeof PublicMessageSubmission>;

/** One routing rule: a message of this category and/or area goes to this org. */
export const PublicMessageRoute = lazySchema(() =>
  z
    .object({
      category: Plain(64).optional(),
      area: Plain(64).optional(),
      orgId: z.string().min(1).max(64),
    })
    .strict(),
);
export type PublicMessageRoute = z.infer<typeof PublicMessageRoute>;

export const PublicMessageRoutes = lazySchema(() => z.array(PublicMessageRoute).max(1000));

/** What the message workflow is started with. */
export interface PublicMessageSpec {
  messageId: string;
  category: string;
  area: string;
  text: string;
  contact: string | null;
  /** The campaign office: its root org, which triages what no rule routes. */
  officeOrgId: string;
  /** `rules.publicMessageTriageSeconds`: a short deadline instead of the end of the day (tests). */
  triageSeconds: number | null;
}

/** Sent to the responsible org: the message becomes an item of its ledger. */
export interface PublicMessageAssignment {
  messageId: string;
  messageWorkflowId: string;
  category: string;
  area: string;
  text: string;
}

/** Sent back by the org whenever the message's item moves. */
export interface PublicMessageItemStatus {
  messageId: string;
  orgId: string;
  status: ItemStatus;
}

/** What the sender sees. */
export type SenderStatus = 'received' | 'routed' | 'in_rectification' | 'resolved' | 'flagged';

/** Kept for older importers; the ids live in `domain/workflow-ids.ts`. */
export { publicMessageWorkflowId } from './workflow-ids.js';

export function publicItemId(messageId: string): string {
  return `public-${messageId}`;
}

/**
 * The org a message goes to: the most specific matching rule (category and area, then
 * category, then area, then a catch-all); the first of equals. Null: the office triages it.
 *
 * @example
 * routeMessage([{ category: '交通', orgId: 'tj-d1' }, { category: '交通', area: '河西区', orgId: 'tj-d2' }], { category: '交通', area: '河西区' }) // 'tj-d2'
 */
export function routeMessage(routes: readonly PublicMessageRoute[], message: { category: string; area: string }): string | null {
  let best: { orgId: string; score: number } | null = null;
  for (const r of routes) {
    if (r.category !== undefined && r.category !== message.category) continue;
    if (r.area !== undefined && r.area !== message.area) continue;
    const score = (r.category !== undefined ? 2 : 0) + (r.area !== undefined ? 1 : 0);
    if (!best || score > best.score) best = { orgId: r.orgId, score };
  }
  return best?.orgId ?? null;
}

const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/**
 * When a message received at `receivedMs` must be routed by: the end of that day in China
 * Standard Time (UTC+8, no daylight saving), or `triageSeconds` after receipt when set.
 */
export function triageDeadlineMs(receivedMs: number, triageSeconds: number | null = null): number {
  if (triageSeconds !== null) return receivedMs + triageSeconds * 1000;
  return Math.floor((receivedMs + CST_OFFSET_MS) / DAY_MS) * DAY_MS + DAY_MS - CST_OFFSET_MS;
}

/** The state a message is in, as its workflow and read model keep it. */
export type MessageState = 'received' | 'awaiting_triage' | 'routed' | 'in_rectification' | 'resolved';

/** The message's state once its item is at `item`. */
export function stateOfItem(item: ItemStatus): MessageState {
  if (item === 'closed') return 'resolved';
  if (item === 'found') return 'routed';
  return 'in_rectification';
}

/** What the sender is told: an unrouted message past its deadline shows as flagged. */
export function senderStatus(state: MessageState, flagged: boolean): SenderStatus {
  if (state === 'received' || state === 'awaiting_triage') return flagged ? 'flagged' : 'received';
  return state;
}
