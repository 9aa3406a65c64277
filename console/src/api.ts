/**
 * Every call the console makes, in one place, through `openapi-fetch` typed by
 * `client/api-types.ts` (generated from the API's OpenAPI document by
 * `npm run generate-api-types`). Same origin, the session cookie rides along on its own
 * (the page never sees a token after signing in), and every request carries `X-CSRF: 1`,
 * without which the API refuses a write made by cookie.
 *
 * Some reads do not declare their answer in the OpenAPI document yet: those are read
 * through the local shapes below (`as` casts, marked) until the document declares them.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../../client/api-types.ts';

/** The typed client; a screen's own calls live beside it in `<screen>-api.ts` files using `client` and `unwrap`. */
export const client = createClient<paths>({ baseUrl: location.origin, credentials: 'same-origin', headers: { 'x-csrf': '1' } });

/** A refusal from the API (problem+json), with its status and what it said. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const detail = (error as { detail?: string } | undefined)?.detail ?? response.statusText;
    throw new ApiError(response.status, detail);
  }
  return data as T;
}

export type Me = paths['/session']['get']['responses'][200]['content']['application/json'];
export type Overview = paths['/campaigns/{id}/orgs/{orgId}/overview']['get']['responses'][200]['content']['application/json'];
export type OrgNode = Overview['org'];
export type Timeline = paths['/campaigns/{id}/orgs/{orgId}/timeline']['get']['responses'][200]['content']['application/json'];
export type OverviewQuery = NonNullable<paths['/campaigns/{id}/orgs/{orgId}/overview']['get']['parameters']['query']>;

// ---- local shapes of answers the OpenAPI document does not declare yet
export interface Problem {
  problem_id: string;
  source: string;
  category: string;
  description: string;
  status: 'found' | 'planned' | 'in_progress' | 'rectified' | 'closed';
  owner: string | null;
  deadline: string | null;
  alert: 'none' | 'yellow' | 'red';
  recorded_at: string;
}
export interface StudySession {
  session_id: string;
  date: string;
  kind: 'concentrated' | 'self_study' | 'lecture';
  hours: number;
  attendance: number;
  counted: boolean;
  reason: string | null;
  recorded_at: string;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
// ----

export const api = {
  me: () => unwrap(client.GET('/session')),
  signIn: (token: string) => unwrap(client.POST('/session', { body: { token } })),
  signOut: () => unwrap(client.DELETE('/session')),
  overview: (campaignId: string, orgId: string, query: OverviewQuery) =>
    unwrap(client.GET('/campaigns/{id}/orgs/{orgId}/overview', { params: { path: { id: campaignId, orgId }, query } })),
  timeline: (campaignId: string, orgId: string) =>
    unwrap(client.GET('/campaigns/{id}/orgs/{orgId}/timeline', { params: { path: { id: campaignId, orgId }, query: { limit: 30 } } })),
  problems: async (campaignId: string, orgId: string) =>
    (await unwrap(
      client.GET('/campaigns/{id}/orgs/{orgId}/problems', { params: { path: { id: campaignId, orgId }, query: { limit: 200 } } }),
    )) as unknown as Page<Problem>,
  studySessions: async (campaignId: string, orgId: string) =>
    (await unwrap(
      client.GET('/campaigns/{id}/orgs/{orgId}/study-sessions', { params: { path: { id: campaignId, orgId }, query: { limit: 500 } } }),
    )) as unknown as Page<StudySession>,
  verify: (campaignId: string, orgId: string, problemId: string, body: { decision: 'verified' | 'returned'; reason?: string }) =>
    unwrap(client.POST('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/verification', { params: { path: { id: campaignId, orgId, problemId } }, body })),
};
