/**
 * The calls of 民意直通车: the citizen's two public routes (no session: the page never
 * asks `/session`) and the campaign office's triage queue. Refusals come back whole
 * (status, detail, the fields `errors` names, `Retry-After`) so the pages can say them in
 * plain words beside the field they concern (citizens-words.ts).
 */
import { client, unwrap } from './api.ts';
import type { paths } from '../../client/api-types.ts';

/** A refusal with what the page needs to word it. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    detail: string,
    /** The fields `errors` names, as the API spells them (`body.text`, `body.toOrgId`). */
    readonly fields: string[],
    /** From `Retry-After` (a 429), in seconds. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(detail);
  }
}

async function settle<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (err) {
    // No answer at all: offline, the connection dropped.
    throw new Refusal(0, err instanceof Error ? err.message : String(err), [], null);
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  const problem = (error ?? {}) as { detail?: string; errors?: { path?: string }[]; retryAfterSeconds?: number };
  const header = Number(response.headers.get('retry-after'));
  const retry = Number.isFinite(header) && header > 0 ? header : (problem.retryAfterSeconds ?? null);
  throw new Refusal(
    response.status,
    problem.detail ?? response.statusText,
    (problem.errors ?? []).map((e) => e.path ?? '').filter(Boolean),
    response.status === 429 ? retry : null,
  );
}

/**
 * An `Idempotency-Key` (32 hex characters) from `getRandomValues`, which a phone reaching
 * the page over plain http still has (`crypto.randomUUID` needs a secure context).
 */
export function newKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export type Submission = paths['/campaigns/{id}/public-messages']['post']['requestBody']['content']['application/json'];
export type Tracked = paths['/campaigns/{id}/public-messages/track/{code}']['get']['responses'][200]['content']['application/json'];
type Listed = paths['/campaigns/{id}/orgs/{orgId}/public-messages']['get']['responses'][200]['content']['application/json'];
export type Message = Listed['items'][number];
export type MessageFigures = Listed['figures'];
export type MessageQuery = NonNullable<paths['/campaigns/{id}/orgs/{orgId}/public-messages']['get']['parameters']['query']>;

export type PublicCampaign = paths['/public-campaigns']['get']['responses'][200]['content']['application/json']['items'][number];

export const citizensApi = {
  /** The campaigns taking messages now, by name (no session). */
  campaigns: async () => (await unwrap(client.GET('/public-campaigns'))).items,
  /** Sends a message; `key` stays the same for a retry of the same message (it is then sent once). */
  send: (campaignId: string, body: Submission, key: string) =>
    settle(client.POST('/campaigns/{id}/public-messages', { params: { path: { id: campaignId }, header: { 'idempotency-key': key } }, body })),
  track: (campaignId: string, code: string) =>
    settle(client.GET('/campaigns/{id}/public-messages/track/{code}', { params: { path: { id: campaignId, code } } })),

  // ---- the office's triage (signed in)
  messages: (campaignId: string, orgId: string, query: MessageQuery) =>
    unwrap(client.GET('/campaigns/{id}/orgs/{orgId}/public-messages', { params: { path: { id: campaignId, orgId }, query } })),
  route: (campaignId: string, officeOrgId: string, messageId: string, toOrgId: string) =>
    settle(
      client.POST('/campaigns/{id}/orgs/{orgId}/public-messages/{messageId}/routing', {
        params: { path: { id: campaignId, orgId: officeOrgId, messageId } },
        body: { toOrgId },
      }),
    ),
  /** Orgs of the office's subtree by name (substring) or id (prefix): the overview's search, one short page. */
  findOrgs: (campaignId: string, officeOrgId: string, q: string) =>
    unwrap(
      client.GET('/campaigns/{id}/orgs/{orgId}/overview', { params: { path: { id: campaignId, orgId: officeOrgId }, query: { q, limit: 8, sort: 'name' } } }),
    ),
  /** What the caller may do at the office (its `can`), and the campaign's name. */
  office: (campaignId: string, officeOrgId: string) =>
    unwrap(client.GET('/campaigns/{id}/orgs/{orgId}/overview', { params: { path: { id: campaignId, orgId: officeOrgId }, query: { limit: 1 } } })),
  orgName: async (orgId: string) => (await unwrap(client.GET('/orgs/{id}', { params: { path: { id: orgId } } }))).name,
};
