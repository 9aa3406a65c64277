/**
 * The directives screen's calls (上题下答), through the typed client. A refusal keeps the
 * whole problem+json body ({@link Refusal}), so the screen can put it beside the field it
 * names (`errors[].path`) or, for the weekly cap's 429, say the cap and the week.
 */
import type { paths } from '../../client/api-types.ts';
import { ApiError, client } from './api.ts';

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } }
  ? T
  : never;

export type DirectiveList = Json<'/campaigns/{id}/orgs/{orgId}/directives', 'get'>;
type ListItem = DirectiveList['items'][number];
/** An item of the issued list (the union's second arm: a directive with its coverage). */
export type Issued = Extract<ListItem, { target_levels: string[] }>;
/** An item of the received list: a directive's item in this org's ledger. */
export type Received = Extract<ListItem, { problem_id: string }>;
export type Coverage = NonNullable<Issued['coverage']>;
export type CoverageCounts = Omit<Coverage, 'byLevel'>;
export type ThisWeek = NonNullable<DirectiveList['informationRequests']>;
export type Tree = Json<'/campaigns/{id}/orgs/{orgId}/directives/{directiveId}/tree', 'get'>;
export type Lagging = Json<'/campaigns/{id}/orgs/{orgId}/directives/{directiveId}/lagging', 'get'>;
export type InformationRequests = Json<'/campaigns/{id}/orgs/{orgId}/information-requests', 'get'>;
export type IssueBody = NonNullable<paths['/campaigns/{id}/orgs/{orgId}/directives']['post']['requestBody']>['content']['application/json'];

/** A refusal with the problem's own fields: `errors` naming the fields, and the cap's facts on a 429. */
export class Refusal extends ApiError {
  constructor(
    status: number,
    detail: string,
    readonly problem: {
      errors?: { path: string; message: string }[];
      cap?: number;
      sent?: number;
      week?: string;
      nextWeekStartsAt?: string;
      [k: string]: unknown;
    },
  ) {
    super(status, detail);
  }
}

async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = (error ?? {}) as Refusal['problem'] & { detail?: string };
    throw new Refusal(response.status, problem.detail ?? response.statusText, problem);
  }
  return data as T;
}

const at = (id: string, orgId: string) => ({ id, orgId });

export const directivesApi = {
  received: (campaignId: string, orgId: string, cursor?: string) =>
    answer(
      client.GET('/campaigns/{id}/orgs/{orgId}/directives', {
        params: { path: at(campaignId, orgId), query: { direction: 'received', limit: 20, ...(cursor ? { cursor } : {}) } },
      }),
    ) as Promise<Omit<DirectiveList, 'items'> & { items: Received[] }>,
  issued: (campaignId: string, orgId: string, cursor?: string) =>
    answer(
      client.GET('/campaigns/{id}/orgs/{orgId}/directives', {
        params: { path: at(campaignId, orgId), query: { direction: 'issued', limit: 20, ...(cursor ? { cursor } : {}) } },
      }),
    ) as Promise<Omit<DirectiveList, 'items'> & { items: Issued[] }>,
  /** The directive's coverage at `orgId` and a page of its children's. */
  tree: (campaignId: string, orgId: string, directiveId: string, cursor?: string) =>
    answer(
      client.GET('/campaigns/{id}/orgs/{orgId}/directives/{directiveId}/tree', {
        params: { path: { ...at(campaignId, orgId), directiveId }, query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  lagging: (campaignId: string, orgId: string, directiveId: string, cursor?: string) =>
    answer(
      client.GET('/campaigns/{id}/orgs/{orgId}/directives/{directiveId}/lagging', {
        params: { path: { ...at(campaignId, orgId), directiveId }, query: { limit: 20, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  informationRequests: (campaignId: string, orgId: string) =>
    answer(client.GET('/campaigns/{id}/orgs/{orgId}/information-requests', { params: { path: at(campaignId, orgId), query: { limit: 10 } } })),
  /** The directive's id is its idempotency: a retry of the same form sends the same id (the workflow answers 409 for a second one). */
  issue: (campaignId: string, orgId: string, body: IssueBody) =>
    answer(client.POST('/campaigns/{id}/orgs/{orgId}/directives', { params: { path: at(campaignId, orgId) }, body })),
  cancel: (campaignId: string, orgId: string, directiveId: string) =>
    answer(
      client.POST('/campaigns/{id}/orgs/{orgId}/directives/{directiveId}/cancel', { params: { path: { ...at(campaignId, orgId), directiveId } }, body: {} }),
    ),
};

export { allowanceLeft, coverageColour, inProgress, newDirectiveId, plainRefusal } from './directives-coverage.ts';
